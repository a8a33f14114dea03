/*
 * render.c - executes draw-command lists with SDL2 + SDL2_ttf, and feeds SDL
 * input to the UI. The only file of the kiosk that includes SDL.
 *
 * Start reading at render_frame(): it paints layer 0, 1, 2 of the list in
 * order. Rounded corners, arcs and lines are anti-aliased coverage masks
 * (cached textures, tinted per command); big flat areas stay plain
 * rectangle fills, which the software renderer does fastest. Text comes from a texture cache (tc_*): a hash table over a
 * fixed pool of entries with an LRU list, capped by count and pixel bytes.
 * Widths for the UI come from a small direct-mapped measure cache.
 */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_syswm.h>
#include <png.h>
#include <SDL_ttf.h>

#include "common/filesave.h"
#include "core/log.h"
#include "wlshm.h"
#include "wlwin.h"

/* Input devices watched for wake-ups, and how often the set is re-read. */
#define INPUT_FDS_MAX   16
#define INPUT_RESCAN_MS 5000
/* Text cache hash buckets (power of two). */
#define TC_BUCKETS    1024
/* Measure cache slots (power of two). */
#define MC_SLOTS      4096
/* Bitmap (QR) textures kept. */
#define BM_MAX        4
/* Longest text measured through the stack buffer. */
#define MEASURE_BUF   1024

/* One open face per font role, set to the size asked last. A face of the
 * CJK collection costs about 2 MiB (SDL_ttf reads FreeType's tables into
 * memory: metrics, cmap, CFF indexes), so one per size would cost a
 * dozen; changing its size costs a flush of SDL_ttf's glyph cache, and
 * the text and measure caches keep that off the common path. */
struct font_slot {
	TTF_Font *font;   /* owned; NULL until first used */
	int size;         /* px it is set to */
};

/* One cached text texture. */
struct tc_entry {
	uint64_t hash;        /* of the key */
	uint8_t font;         /* key: role */
	uint16_t size;        /* key: px */
	struct draw_color color; /* key: colour */
	char *text;           /* key: text (owned), NULL when the slot is free */
	size_t len;           /* its bytes */
	SDL_Texture *tex;     /* owned; NULL with alpha */
	uint8_t *alpha;       /* owned; r->direct: w x h coverage, blended by blend_text */
	int w, h;             /* size in px */
	size_t bytes;         /* w * h * 4, or w * h with alpha */
	int next;             /* bucket chain, -1 end */
	int prev_lru, next_lru; /* LRU list (head = most recent), -1 end */
};

struct mc_slot {
	uint64_t hash;   /* of (font, size, text); 0 = empty */
	uint32_t len;    /* text bytes (a second check beside the hash) */
	int w;           /* width, px */
};

/* Shape masks kept. */
#define MASK_MAX      48

struct mask_entry {
	uint64_t hash;        /* of the shape key; 0 = empty */
	SDL_Texture *tex;     /* owned: white, alpha = coverage */
	uint64_t used;        /* mask_clock when last used */
};

/* Arcs with an end (sweep < 360) are kept apart from the mask cache: a
 * countdown's arc changes every second, and each step would otherwise be
 * a new mask of the whole ring. A slot holds one ring geometry and is
 * updated in place where the end moved (see arc_slot_draw). */
#define ARC_SLOTS 4

struct arc_slot {
	int d, th, caps;          /* geometry; d == 0: free */
	int start, sweep;         /* what its pixels show now */
	SDL_Texture *tex;         /* owned: white, alpha = coverage, (d+2)^2 */
	uint64_t used;            /* mask_clock when last used */
};

struct bm_entry {
	uint64_t hash;        /* of modules and colours; 0 = empty */
	SDL_Texture *tex;     /* owned */
	uint64_t used;        /* frame last used */
};

/* What damage tracking keeps of one command. */
struct cmd_seen {
	uint64_t hash;            /* what it paints (cmd_hash) */
	struct draw_rect box;     /* the pixels it may touch (cmd_box) */
	struct draw_cmd cmd;      /* the command (offsets into its own list) */
};

struct render {
	SDL_Window *win;          /* owned */
	SDL_Renderer *ren;        /* owned */
	int w, h;                 /* logical size */
	enum render_mode mode;    /* how it was opened */
	int rotate;               /* 0, 90, 180, 270: the UI turned clockwise onto the panel */
	int pw, ph;               /* the panel's logical size (w x h, or h x w turned) */
	SDL_Texture *canvas;      /* owned; rotate != 0: the UI is painted here (w x h) */
	SDL_Surface *fb;          /* owned; with wl: over the wl_shm buffer being painted */
	struct wlshm *wl;         /* owned; Wayland without OpenGL: fb paints its buffers */
	Uint64 wl_shown_ms;       /* with wl: when the last frame was committed */
	struct wlwin *ww;         /* owned; our own Wayland window (then win is NULL) */
	char how[RENDER_DESCRIBE_MAX]; /* render_describe's line */
	char font_path[DRAW_FONT__N][512]; /* per role */
	int font_index;           /* face in the collection */
	struct font_slot fonts[DRAW_FONT__N]; /* per role */

	struct tc_entry *tc;      /* text cache pool (tc_max entries) */
	int tc_max;               /* pool size */
	size_t tc_px_max;         /* pixel cap */
	int buckets[TC_BUCKETS];  /* heads of hash chains */
	int lru_head, lru_tail;   /* most / least recently used */
	int free_head;            /* free entries, chained by next */

	struct mc_slot *mc;       /* measure cache (MC_SLOTS) */
	struct bm_entry bm[BM_MAX]; /* bitmap textures */
	struct mask_entry masks[MASK_MAX]; /* shape masks */
	struct arc_slot arcs[ARC_SLOTS]; /* arcs with an end */
	uint64_t mask_clock;      /* LRU clock of masks */

	/* Damage tracking (see frame_damage): what the last frame drew, per
	 * command, so that the next one repaints only what changed. */
	bool partial_ok;          /* the renderer keeps the back buffer (software) */
	bool prev_valid;          /* prev_* describe what is on screen now */
	int prev_n;               /* commands of the last frame */
	struct cmd_seen *prev;    /* per command of the last frame (DRAW_CMDS_MAX) */
	struct cmd_seen *cur;     /* the same for the frame being drawn */
	bool damaged;             /* painting only r->damage (paint's clip) */
	struct draw_rect damage;
	struct draw_rect clip;    /* what set_clip_rect set (UI px); clip_on: it is set */
	bool clip_on;

	/* Text blended straight into the frame (blend_text): the software
	 * renderer drawing into a 32-bit frame of the panel's size, unturned
	 * and unscaled, whose pixels we can reach. */
	bool direct;

	/* How render_wait sleeps (see wait_event). */
	enum { WAIT_NATIVE, WAIT_POLL_INPUT, WAIT_NO_INPUT, WAIT_WLWIN } wait_how;
	int input_fd[INPUT_FDS_MAX]; /* our own read-only fds of /dev/input/event* */
	int n_input;              /* open */
	Uint64 input_scan_ms;     /* SDL ticks of the last scan of /dev/input */

	pthread_t prefault;       /* prefault_job, while prefaulting */
	void *prefault_p;         /* its range: page-aligned start ... */
	size_t prefault_n;        /* ... and whole pages */
	bool prefaulting;         /* prefault is to be joined */

	SDL_FingerID finger;      /* the finger acting as the pointer */
	bool finger_down;         /* one is */
	struct render_stats st;   /* counters */
};

/* ---- helpers ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t text_key(int font, int size, struct draw_color c, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	uint8_t k[7] = { (uint8_t)font, (uint8_t)size, (uint8_t)(size >> 8), c.r, c.g, c.b, c.a };

	h = fnv(h, k, sizeof(k));
	h = fnv(h, s, len);
	return h ? h : 1;
}

/* The font for role at size px, opening it on first use; NULL on failure. */
static TTF_Font *font_get(struct render *r, int role, int size)
{
	struct font_slot *f;

	if (role < 0 || role >= DRAW_FONT__N || size <= 0)
		return NULL;
	f = &r->fonts[role];
	if (!f->font) {
		f->font = TTF_OpenFontIndex(r->font_path[role], size, r->font_index);
		if (!f->font)
			return NULL;
		TTF_SetFontHinting(f->font, TTF_HINTING_LIGHT);
		f->size = size;
	} else if (f->size != size) {
		if (TTF_SetFontSize(f->font, size) != 0)
			return NULL;
		f->size = size;
		r->st.font_resizes++;
	}
	return f->font;
}

/* ---- measuring (for the UI) ---- */

static int m_text_width(void *ctx, enum draw_font font, int size, const char *s, size_t len)
{
	struct render *r = ctx;
	uint64_t h = 1469598103934665603ull;
	uint8_t k[3] = { (uint8_t)font, (uint8_t)size, (uint8_t)(size >> 8) };
	struct mc_slot *slot;
	char stack[MEASURE_BUF], *buf = stack;
	TTF_Font *f;
	int w = 0, hh = 0;

	if (len == 0)
		return 0;
	h = fnv(fnv(h, k, sizeof(k)), s, len);
	h = h ? h : 1;
	slot = &r->mc[h & (MC_SLOTS - 1)];
	if (slot->hash == h && slot->len == len) {
		r->st.measure_hits++;
		return slot->w;
	}
	r->st.measure_misses++;
	f = font_get(r, font, size);
	if (!f)
		return (int)len * size / 2; /* no font: a rough guess keeps layout sane */
	if (len >= sizeof(stack) && !(buf = malloc(len + 1)))
		return (int)len * size / 2;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (TTF_SizeUTF8(f, buf, &w, &hh) != 0)
		w = (int)len * size / 2;
	if (buf != stack)
		free(buf);
	slot->hash = h;
	slot->len = (uint32_t)len;
	slot->w = w;
	return w;
}

static int m_line_height(void *ctx, enum draw_font font, int size)
{
	TTF_Font *f = font_get(ctx, font, size);

	return f ? TTF_FontHeight(f) : size * 3 / 2;
}

struct ui_metrics render_metrics(struct render *r)
{
	struct ui_metrics m = { r, m_text_width, m_line_height };
	return m;
}

/* ---- text cache ---- */

static void lru_unlink(struct render *r, int i)
{
	struct tc_entry *e = &r->tc[i];

	if (e->prev_lru >= 0)
		r->tc[e->prev_lru].next_lru = e->next_lru;
	else
		r->lru_head = e->next_lru;
	if (e->next_lru >= 0)
		r->tc[e->next_lru].prev_lru = e->prev_lru;
	else
		r->lru_tail = e->prev_lru;
	e->prev_lru = e->next_lru = -1;
}

static void lru_push_front(struct render *r, int i)
{
	struct tc_entry *e = &r->tc[i];

	e->prev_lru = -1;
	e->next_lru = r->lru_head;
	if (r->lru_head >= 0)
		r->tc[r->lru_head].prev_lru = i;
	r->lru_head = i;
	if (r->lru_tail < 0)
		r->lru_tail = i;
}

/* Drop entry i (from its bucket, the LRU list and the counters). */
static void tc_drop(struct render *r, int i)
{
	struct tc_entry *e = &r->tc[i];
	int *pp = &r->buckets[e->hash & (TC_BUCKETS - 1)];

	while (*pp >= 0 && *pp != i)
		pp = &r->tc[*pp].next;
	if (*pp == i)
		*pp = e->next;
	lru_unlink(r, i);
	if (e->tex)
		SDL_DestroyTexture(e->tex);
	free(e->alpha);
	free(e->text);
	r->st.text_entries--;
	r->st.text_bytes -= e->bytes;
	r->st.text_px -= (size_t)e->w * (size_t)e->h;
	memset(e, 0, sizeof(*e));
	e->next = r->free_head;
	e->prev_lru = e->next_lru = -1;
	r->free_head = i;
}

static void tc_init(struct render *r)
{
	int i;

	for (i = 0; i < TC_BUCKETS; i++)
		r->buckets[i] = -1;
	for (i = 0; i < r->tc_max; i++) {
		r->tc[i].next = i + 1 < r->tc_max ? i + 1 : -1;
		r->tc[i].prev_lru = r->tc[i].next_lru = -1;
	}
	r->free_head = r->tc_max ? 0 : -1;
	r->lru_head = r->lru_tail = -1;
}

static void tc_release(struct render *r)
{
	int i;

	if (!r->tc)
		return;
	for (i = 0; i < r->tc_max; i++)
		if (r->tc[i].text)
			tc_drop(r, i);
}

/* The alpha bytes of an ARGB8888 surface (w x h, no padding); NULL when
 * out of memory. */
static uint8_t *coverage_of(const SDL_Surface *surf)
{
	uint8_t *a = malloc((size_t)surf->w * (size_t)surf->h + 1);
	int x, y;

	if (!a)
		return NULL;
	for (y = 0; y < surf->h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)((const uint8_t *)surf->pixels +
								   (size_t)y * (size_t)surf->pitch);

		for (x = 0; x < surf->w; x++)
			a[(size_t)y * (size_t)surf->w + (size_t)x] = (uint8_t)(row[x] >> 24);
	}
	return a;
}

/* The cached text of a DRAW_TEXT command, rasterising it on a miss. */
static struct tc_entry *tc_get(struct render *r, int font, int size, struct draw_color c,
			       const char *s, size_t len)
{
	uint64_t h = text_key(font, size, c, s, len);
	int i = r->buckets[h & (TC_BUCKETS - 1)];
	struct tc_entry *e;
	SDL_Surface *surf;
	SDL_Color col = { c.r, c.g, c.b, c.a };
	TTF_Font *f;

	for (; i >= 0; i = r->tc[i].next) {
		e = &r->tc[i];
		if (e->hash == h && e->font == font && e->size == size && e->len == len &&
		    !memcmp(&e->color, &c, sizeof(c)) && !memcmp(e->text, s, len)) {
			lru_unlink(r, i);
			lru_push_front(r, i);
			r->st.text_hits++;
			return e;
		}
	}
	r->st.text_misses++;
	if (!(f = font_get(r, font, size)))
		return NULL;
	/* s is NUL-terminated inside the draw list. */
	if (r->direct)
		col = (SDL_Color){ 255, 255, 255, 255 }; /* coverage only: blend_text colours it */
	surf = TTF_RenderUTF8_Blended(f, s, col);
	if (!surf)
		return NULL;
	while (r->free_head < 0 ||
	       (r->lru_tail >= 0 && r->st.text_px + (size_t)surf->w * (size_t)surf->h >
					    r->tc_px_max)) {
		if (r->lru_tail < 0)
			break;
		tc_drop(r, r->lru_tail);
		r->st.text_evictions++;
	}
	if (r->free_head < 0) {
		SDL_FreeSurface(surf);
		return NULL;
	}
	i = r->free_head;
	e = &r->tc[i];
	r->free_head = e->next;
	memset(e, 0, sizeof(*e));
	e->text = malloc(len + 1);
	if (r->direct && surf->format->format == SDL_PIXELFORMAT_ARGB8888)
		e->alpha = coverage_of(surf);
	else
		e->tex = SDL_CreateTextureFromSurface(r->ren, surf);
	if (!e->text || (!e->tex && !e->alpha)) {
		free(e->text);
		free(e->alpha);
		if (e->tex)
			SDL_DestroyTexture(e->tex);
		memset(e, 0, sizeof(*e));
		e->next = r->free_head;
		e->prev_lru = e->next_lru = -1;
		r->free_head = i;
		SDL_FreeSurface(surf);
		return NULL;
	}
	memcpy(e->text, s, len);
	e->text[len] = '\0';
	e->hash = h;
	e->font = (uint8_t)font;
	e->size = (uint16_t)size;
	e->color = c;
	e->len = len;
	e->w = surf->w;
	e->h = surf->h;
	e->bytes = (size_t)surf->w * (size_t)surf->h * (e->alpha ? 1 : 4);
	SDL_FreeSurface(surf);
	e->next = r->buckets[h & (TC_BUCKETS - 1)];
	r->buckets[h & (TC_BUCKETS - 1)] = i;
	e->prev_lru = e->next_lru = -1;
	lru_push_front(r, i);
	r->st.text_entries++;
	r->st.text_bytes += e->bytes;
	r->st.text_px += (size_t)e->w * (size_t)e->h;
	return e;
}

/* ---- shapes ---- */

/*
 * Shapes are coverage masks: white pixels whose alpha is the share of the
 * pixel inside the shape (from the signed distance at the pixel centre),
 * drawn with the command's colour as colour/alpha modulation. Masks are
 * cached by shape, so a frame that repeats a shape only blits. (SDL's
 * software renderer snaps SDL_RenderGeometry vertices to whole pixels, so
 * feathered triangles cannot give clean edges there; masks can.)
 */
enum mask_kind {
	MASK_CORNER = 1, /* quarter disc: a = radius, b = corner (0 tl, 1 tr, 2 br, 3 bl) */
	MASK_ARC,        /* ring arc: a = diameter, b = thickness, c = start, d = sweep, e = caps */
	MASK_LINE,       /* capsule: a = dx, b = dy, c = thickness */
};

struct mask_key {
	int kind, a, b, c, d, e;
};

static float clamp01(float v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Signed distance from (px, py) to the shape of k in mask coordinates
 * (origin = mask's top-left + pad); negative inside. */
static float mask_dist(const struct mask_key *k, float px, float py)
{
	switch (k->kind) {
	case MASK_CORNER: {
		/* circle centre at the inner corner of the r x r square */
		float rad = (float)k->a;
		float cx = (k->b == 0 || k->b == 3) ? rad : 0;
		float cy = (k->b == 0 || k->b == 1) ? rad : 0;
		float dx = px - cx, dy = py - cy;

		/* Outside the quadrant that rounds, the square is full. */
		if (((k->b == 0 || k->b == 3) && px > cx) || ((k->b == 1 || k->b == 2) && px < cx))
			dx = 0;
		if (((k->b == 0 || k->b == 1) && py > cy) || ((k->b == 2 || k->b == 3) && py < cy))
			dy = 0;
		return sqrtf(dx * dx + dy * dy) - rad;
	}
	case MASK_ARC: {
		float ro = (float)k->a / 2.0f, th = (float)k->b, rm = ro - th / 2.0f;
		float dx = px - ro, dy = py - ro, dist = sqrtf(dx * dx + dy * dy);
		float ring = fabsf(dist - rm) - th / 2.0f;
		float ang, start = (float)k->c, sweep = (float)k->d, rel;

		if (sweep >= 360.0f || ring > 0.5f)
			return ring; /* round caps lie inside the ring band too */
		/* angle from 12 o'clock, clockwise, degrees */
		ang = atan2f(dx, -dy) * 57.29578f;
		rel = fmodf(ang - start + 720.0f, 360.0f);
		if (rel <= sweep)
			return ring;
		if (k->e) {
			/* round caps: distance to the nearer end's centre */
			float a0 = start * 0.017453293f, a1 = (start + sweep) * 0.017453293f;
			float x0 = ro + sinf(a0) * rm, y0 = ro - cosf(a0) * rm;
			float x1 = ro + sinf(a1) * rm, y1 = ro - cosf(a1) * rm;
			float d0 = sqrtf((px - x0) * (px - x0) + (py - y0) * (py - y0));
			float d1 = sqrtf((px - x1) * (px - x1) + (py - y1) * (py - y1));

			return (d0 < d1 ? d0 : d1) - th / 2.0f;
		}
		{
			/* flat ends: the arc length outside the sweep */
			float out = rel - sweep, back = 360.0f - rel;
			float deg = out < back ? out : back;
			float along = deg * 0.017453293f * dist;

			return ring > along ? ring : along;
		}
	}
	case MASK_LINE: {
		float th = (float)k->c, x1 = th / 2.0f, y1 = th / 2.0f, x2, y2, vx, vy, t, qx, qy;

		if (k->a < 0)
			x1 -= (float)k->a;
		if (k->b < 0)
			y1 -= (float)k->b;
		x2 = x1 + (float)k->a;
		y2 = y1 + (float)k->b;
		vx = x2 - x1;
		vy = y2 - y1;
		t = ((px - x1) * vx + (py - y1) * vy) / (vx * vx + vy * vy + 1e-6f);
		t = clamp01(t);
		qx = x1 + t * vx - px;
		qy = y1 + t * vy - py;
		return sqrtf(qx * qx + qy * qy) - th / 2.0f;
	}
	default:
		return 1;
	}
}

/* Size of the mask of k, without padding. */
static void mask_size(const struct mask_key *k, int *w, int *h)
{
	switch (k->kind) {
	case MASK_CORNER:
		*w = *h = k->a;
		break;
	case MASK_ARC:
		*w = *h = k->a;
		break;
	default:
		*w = abs(k->a) + k->c;
		*h = abs(k->b) + k->c;
		break;
	}
}

/* The ends' move between arc (s0, w0) and arc (s1, w1) as an angle range
 * [*lo, *hi], degrees; false when both ends moved (or none). */
static bool arc_moved(int s0, int w0, int s1, int w1, float *lo, float *hi)
{
	float a, b;

	if (s0 == s1 && w0 != w1) {
		a = (float)(s0 + w0);
		b = (float)(s1 + w1);
	} else if (s0 != s1 && s0 + w0 == s1 + w1) {
		a = (float)s0;
		b = (float)s1;
	} else {
		return false;
	}
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
	return true;
}

static void box_add(float x, float y, float *x0, float *y0, float *x1, float *y1)
{
	*x0 = x < *x0 ? x : *x0;
	*x1 = x > *x1 ? x : *x1;
	*y0 = y < *y0 ? y : *y0;
	*y1 = y > *y1 ? y : *y1;
}

/*
 * The box (x, y, w, h) of the sector [lo, hi] degrees (0 = 12 o'clock,
 * clockwise) of the ring of outer radius ro and thickness th centred at
 * (cx, cy), grown by what a round cap reaches past an end, the edge's
 * coverage and slack: the pixels a move of an arc's end from lo to hi
 * can change.
 */
static void sector_box(float cx, float cy, float ro, int th, bool caps, float lo, float hi,
		       int out[4])
{
	float ri = ro - (float)th, x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f, q, grow;
	const float ang[2] = { lo, hi };
	int i;

	for (i = 0; i < 2; i++) {
		float a = ang[i] * 0.017453293f;

		box_add(cx + sinf(a) * ro, cy - cosf(a) * ro, &x0, &y0, &x1, &y1);
		box_add(cx + sinf(a) * ri, cy - cosf(a) * ri, &x0, &y0, &x1, &y1);
	}
	/* The sector bulges out at the quarter points it passes. */
	for (q = ceilf(lo / 90.0f) * 90.0f; q < hi; q += 90.0f)
		box_add(cx + sinf(q * 0.017453293f) * ro, cy - cosf(q * 0.017453293f) * ro, &x0,
			&y0, &x1, &y1);
	grow = (caps ? (float)th / 2.0f : 0.0f) + 4.0f;
	out[0] = (int)floorf(x0 - grow);
	out[1] = (int)floorf(y0 - grow);
	out[2] = (int)ceilf(x1 + grow) - out[0];
	out[3] = (int)ceilf(y1 + grow) - out[1];
}

/* The cached mask texture for k (made on first use); *pad gets the border
 * of extra pixels around the shape's box. NULL on failure. */
static SDL_Texture *mask_get(struct render *r, const struct mask_key *k, int *pad)
{
	uint64_t h = fnv(1469598103934665603ull, k, sizeof(*k));
	int i, lru = 0, w, hh, x, y, p = k->kind == MASK_CORNER ? 0 : 1;
	struct mask_entry *e;
	SDL_Surface *s;

	h = h ? h : 1;
	*pad = p;
	for (i = 0; i < MASK_MAX; i++) {
		if (r->masks[i].hash == h) {
			r->masks[i].used = ++r->mask_clock;
			return r->masks[i].tex;
		}
		if (r->masks[i].used < r->masks[lru].used)
			lru = i;
	}
	mask_size(k, &w, &hh);
	if (w <= 0 || hh <= 0 || w > 4096 || hh > 4096)
		return NULL;
	s = SDL_CreateRGBSurfaceWithFormat(0, w + 2 * p, hh + 2 * p, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return NULL;
	for (y = 0; y < s->h; y++) {
		uint32_t *row = (uint32_t *)((uint8_t *)s->pixels + y * s->pitch);

		for (x = 0; x < s->w; x++) {
			float d = mask_dist(k, (float)(x - p) + 0.5f, (float)(y - p) + 0.5f);
			uint32_t a = (uint32_t)(clamp01(0.5f - d) * 255.0f + 0.5f);

			row[x] = a << 24 | 0xFFFFFFu;
		}
	}
	e = &r->masks[lru];
	if (e->tex)
		SDL_DestroyTexture(e->tex);
	e->tex = SDL_CreateTextureFromSurface(r->ren, s);
	SDL_FreeSurface(s);
	if (!e->tex) {
		e->hash = 0;
		return NULL;
	}
	SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
	e->hash = h;
	e->used = ++r->mask_clock;
	return e->tex;
}

/* Blit mask k with its box's top-left at (x, y) in colour c. */
static void mask_draw(struct render *r, const struct mask_key *k, int x, int y, struct draw_color c)
{
	int pad, w, h;
	SDL_Texture *t = mask_get(r, k, &pad);
	SDL_Rect dst;

	if (!t)
		return;
	mask_size(k, &w, &h);
	SDL_SetTextureColorMod(t, c.r, c.g, c.b);
	SDL_SetTextureAlphaMod(t, c.a);
	dst.x = x - pad;
	dst.y = y - pad;
	dst.w = w + 2 * pad;
	dst.h = h + 2 * pad;
	SDL_RenderCopy(r->ren, t, NULL, &dst);
}

static void set_color(struct render *r, struct draw_color c)
{
	/* Opaque fills copy; only translucent ones blend (much slower in the
	 * software renderer). */
	SDL_SetRenderDrawBlendMode(r->ren, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
	SDL_SetRenderDrawColor(r->ren, c.r, c.g, c.b, c.a);
}

static void fill_rect(struct render *r, int x, int y, int w, int h)
{
	SDL_Rect q = { x, y, w, h };

	if (w > 0 && h > 0)
		SDL_RenderFillRect(r->ren, &q);
}

static void draw_rrect(struct render *r, const struct draw_cmd *c)
{
	struct draw_rect q = c->rect;
	int rad = c->u.radius, i;
	struct mask_key k = { MASK_CORNER, 0, 0, 0, 0, 0 };

	if (q.w <= 0 || q.h <= 0)
		return;
	if (rad > q.w / 2)
		rad = q.w / 2;
	if (rad > q.h / 2)
		rad = q.h / 2;
	set_color(r, c->color);
	if (rad <= 0) {
		fill_rect(r, q.x, q.y, q.w, q.h);
		return;
	}
	/* Flat parts as rectangles: middle band, left and right bands. */
	fill_rect(r, q.x + rad, q.y, q.w - 2 * rad, q.h);
	fill_rect(r, q.x, q.y + rad, rad, q.h - 2 * rad);
	fill_rect(r, q.x + q.w - rad, q.y + rad, rad, q.h - 2 * rad);
	/* Corners as anti-aliased quarter discs. */
	k.a = rad;
	for (i = 0; i < 4; i++) {
		k.b = i;
		mask_draw(r, &k, (i == 0 || i == 3) ? q.x : q.x + q.w - rad,
			  (i == 0 || i == 1) ? q.y : q.y + q.h - rad, c->color);
	}
}

/* Compute the coverage of k in the mask rows/columns of box b (mask
 * coordinates, padding included) and upload them into tex. */
static bool arc_fill(SDL_Texture *tex, const struct mask_key *k, SDL_Rect b)
{
	uint32_t *px = malloc((size_t)b.w * (size_t)b.h * 4);
	int x, y;

	if (!px)
		return false;
	for (y = 0; y < b.h; y++)
		for (x = 0; x < b.w; x++) {
			float d = mask_dist(k, (float)(b.x + x - 1) + 0.5f, (float)(b.y + y - 1) + 0.5f);
			uint32_t a = (uint32_t)(clamp01(0.5f - d) * 255.0f + 0.5f);

			px[y * b.w + x] = a << 24 | 0xFFFFFFu;
		}
	x = SDL_UpdateTexture(tex, &b, px, b.w * 4);
	free(px);
	return x == 0;
}

/*
 * An arc with an end: drawn from its geometry's slot, whose pixels are
 * recomputed only inside the sector the end moved through since the slot
 * was last drawn (a countdown's second: a few hundred pixels, not the
 * whole ring).
 */
static void arc_slot_draw(struct render *r, const struct mask_key *k, int x, int y,
			  struct draw_color c)
{
	struct arc_slot *e = NULL;
	int i, lru = 0, side = k->a + 2, box[4];
	float lo, hi;
	SDL_Rect all = { 0, 0, side, side }, dst = { x - 1, y - 1, side, side };

	for (i = 0; i < ARC_SLOTS; i++) {
		if (r->arcs[i].d == k->a && r->arcs[i].th == k->b && r->arcs[i].caps == k->e) {
			e = &r->arcs[i];
			break;
		}
		if (r->arcs[i].used < r->arcs[lru].used)
			lru = i;
	}
	if (!e) {
		e = &r->arcs[lru];
		if (e->tex)
			SDL_DestroyTexture(e->tex);
		memset(e, 0, sizeof(*e));
		if (k->a <= 0 || k->a > 4096)
			return;
		e->tex = SDL_CreateTexture(r->ren, SDL_PIXELFORMAT_ARGB8888,
					   SDL_TEXTUREACCESS_STATIC, side, side);
		if (!e->tex)
			return;
		SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
		if (!arc_fill(e->tex, k, all)) {
			SDL_DestroyTexture(e->tex);
			e->tex = NULL;
			return;
		}
		e->d = k->a;
		e->th = k->b;
		e->caps = k->e;
	} else if (e->start != k->c || e->sweep != k->d) {
		SDL_Rect b = all;

		if (arc_moved(e->start, e->sweep, k->c, k->d, &lo, &hi)) {
			SDL_Rect s;

			sector_box((float)side / 2.0f, (float)side / 2.0f, (float)k->a / 2.0f, k->b,
				   k->e != 0, lo, hi, box);
			s = (SDL_Rect){ box[0], box[1], box[2], box[3] };
			if (!SDL_IntersectRect(&s, &all, &b))
				b = all;
		}
		if (!arc_fill(e->tex, k, b)) {
			e->d = 0; /* rebuilt next time */
			return;
		}
	}
	e->start = k->c;
	e->sweep = k->d;
	e->used = ++r->mask_clock;
	SDL_SetTextureColorMod(e->tex, c.r, c.g, c.b);
	SDL_SetTextureAlphaMod(e->tex, c.a);
	SDL_RenderCopy(r->ren, e->tex, NULL, &dst);
}

/* A thick arc; angles in degrees, 0 = 12 o'clock, clockwise. */
static void draw_arc(struct render *r, const struct draw_cmd *c)
{
	struct mask_key k = { MASK_ARC, c->rect.w, c->u.arc.thickness, c->u.arc.start,
			      c->u.arc.sweep, c->u.arc.round_caps };

	if (c->u.arc.sweep <= 0 || c->rect.w <= 0 || c->u.arc.thickness <= 0)
		return;
	if (k.d >= 360) {
		k.c = k.e = 0;
		mask_draw(r, &k, c->rect.x, c->rect.y, c->color); /* a full ring: cached */
		return;
	}
	arc_slot_draw(r, &k, c->rect.x, c->rect.y, c->color);
}

/* A straight stroke with round ends. */
static void draw_line(struct render *r, const struct draw_cmd *c)
{
	int x1 = c->rect.x, y1 = c->rect.y, x2 = c->rect.w, y2 = c->rect.h, th = c->u.arc.thickness;
	struct mask_key k = { MASK_LINE, x2 - x1, y2 - y1, th, 0, 0 };
	int left = x1 < x2 ? x1 : x2, top = y1 < y2 ? y1 : y2;

	if (th <= 0)
		return;
	mask_draw(r, &k, left - th / 2, top - th / 2, c->color);
}

static void draw_bitmap(struct render *r, const struct draw_cmd *c, const struct draw_list *dl,
			uint64_t frame)
{
	const uint8_t *bits = draw_bits(dl, c);
	int w = c->u.bitmap.w, h = c->u.bitmap.h, i, lru = 0, x, y;
	uint64_t hash = 1469598103934665603ull;
	struct bm_entry *e = NULL;
	SDL_Surface *s;
	SDL_Rect dst = { c->rect.x, c->rect.y, w * c->u.bitmap.scale, h * c->u.bitmap.scale };

	hash = fnv(hash, bits, (size_t)w * (size_t)h);
	hash = fnv(hash, &c->u.bitmap.w, sizeof(c->u.bitmap.w));
	hash = fnv(hash, &c->u.bitmap.scale, sizeof(c->u.bitmap.scale));
	hash = fnv(hash, &c->color, sizeof(c->color));
	hash = fnv(hash, &c->u.bitmap.bg, sizeof(c->u.bitmap.bg));
	hash = hash ? hash : 1;
	for (i = 0; i < BM_MAX; i++) {
		if (r->bm[i].hash == hash) {
			e = &r->bm[i];
			break;
		}
		if (r->bm[i].used < r->bm[lru].used)
			lru = i;
	}
	if (!e) {
		e = &r->bm[lru];
		if (e->tex)
			SDL_DestroyTexture(e->tex);
		memset(e, 0, sizeof(*e));
		/* The texture is made at its final size, one block of scale x scale
		 * px per module: drawing it is a plain copy, crisp by construction. */
		s = SDL_CreateRGBSurfaceWithFormat(0, dst.w, dst.h, 32, SDL_PIXELFORMAT_ARGB8888);
		if (!s)
			return;
		for (y = 0; y < dst.h; y++) {
			uint32_t *row = (uint32_t *)((uint8_t *)s->pixels + y * s->pitch);
			int my = y / c->u.bitmap.scale;

			for (x = 0; x < dst.w; x++) {
				int mx = x / c->u.bitmap.scale;
				struct draw_color k = bits[my * w + mx] ? c->color : c->u.bitmap.bg;

				row[x] = (uint32_t)k.a << 24 | (uint32_t)k.r << 16 |
					 (uint32_t)k.g << 8 | k.b;
			}
		}
		e->tex = SDL_CreateTextureFromSurface(r->ren, s);
		SDL_FreeSurface(s);
		if (!e->tex)
			return;
		if (c->color.a == 255 && c->u.bitmap.bg.a == 255)
			SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_NONE);
		e->hash = hash;
	}
	e->used = frame;
	SDL_RenderCopy(r->ren, e->tex, NULL, &dst);
}

static struct draw_rect rect_clip(struct draw_rect a, struct draw_rect b);
static bool direct_ok(struct render *r);
static void wl_to_sdl(struct render *r);

/* The frame blend_text writes into: the software renderer's target. */
static SDL_Surface *direct_frame(struct render *r)
{
	return r->fb ? r->fb : SDL_GetWindowSurface(r->win);
}

/* x * 255-weights / 255, rounded, for x up to 255 * 255. */
static inline uint32_t div255(uint32_t x)
{
	return (x + 1 + ((x + 1) >> 8)) >> 8;
}

/*
 * Text as 8-bit coverage (1 byte a pixel in the cache, not 4), coloured
 * and blended here into the frame the software renderer draws (what
 * SDL_RenderCopy would do with the text's ARGB texture: colour * a +
 * frame * (1 - a), a = coverage * colour alpha). The renderer's queued
 * drawing goes first; the clip of set_clip_rect holds.
 */
static void blend_text(struct render *r, const struct tc_entry *e, int x0, int y0,
		       struct draw_color c)
{
	SDL_Surface *f;
	const SDL_PixelFormat *pf;
	struct draw_rect q = { x0, y0, e->w, e->h };
	uint32_t amask;
	int x, y;

	SDL_RenderFlush(r->ren);
	f = direct_frame(r);
	if (!f || !f->pixels)
		return;
	pf = f->format;
	amask = pf->Amask;
	q = rect_clip(q, (struct draw_rect){ 0, 0, f->w, f->h });
	if (r->clip_on)
		q = rect_clip(q, r->clip);
	for (y = q.y; y < q.y + q.h; y++) {
		const uint8_t *a = e->alpha + (size_t)(y - y0) * (size_t)e->w + (size_t)(q.x - x0);
		uint32_t *px = (uint32_t *)(void *)((uint8_t *)f->pixels + (size_t)y * (size_t)f->pitch) +
			       q.x;

		for (x = 0; x < q.w; x++) {
			uint32_t k = c.a == 255 ? a[x] : div255((uint32_t)a[x] * c.a), d, ik, cr, cg, cb;

			if (k == 0)
				continue;
			d = px[x];
			ik = 255 - k;
			cr = div255(c.r * k + ((d >> pf->Rshift) & 255) * ik);
			cg = div255(c.g * k + ((d >> pf->Gshift) & 255) * ik);
			cb = div255(c.b * k + ((d >> pf->Bshift) & 255) * ik);
			px[x] = (cr << pf->Rshift) | (cg << pf->Gshift) | (cb << pf->Bshift) |
				(amask ? (k + div255(((d & amask) >> pf->Ashift) * ik)) << pf->Ashift
				       : (d & ~(pf->Rmask | pf->Gmask | pf->Bmask)));
		}
	}
}

static void draw_text_cmd(struct render *r, const struct draw_cmd *c, const struct draw_list *dl)
{
	struct tc_entry *e = tc_get(r, c->u.text.font, c->u.text.size, c->color, draw_text(dl, c),
				    c->u.text.len);
	SDL_Rect dst;

	if (!e)
		return;
	if (e->alpha) {
		blend_text(r, e, c->rect.x, c->rect.y, c->color);
		return;
	}
	dst.x = c->rect.x;
	dst.y = c->rect.y;
	dst.w = e->w;
	dst.h = e->h;
	SDL_RenderCopy(r->ren, e->tex, NULL, &dst);
}

/* ---- damage: repaint only what changed ---- */

/* Commands touching less than this share of the screen (in %) are
 * repainted alone; above it a full repaint is as cheap. */
#define DAMAGE_MAX_PCT 50
/* Slack around a command's box, px (anti-aliased edges, glyph overhang). */
#define DAMAGE_SLACK   2
/* Rectangles repainted apart in one frame (more are merged). */
#define DAMAGE_RECTS   4
/* Two rects are painted as their union when it adds at most this many px. */
#define DAMAGE_MERGE_PX 4096

static struct draw_rect rect_union(struct draw_rect a, struct draw_rect b)
{
	int x0, y0, x1, y1;

	if (a.w <= 0 || a.h <= 0)
		return b;
	if (b.w <= 0 || b.h <= 0)
		return a;
	x0 = a.x < b.x ? a.x : b.x;
	y0 = a.y < b.y ? a.y : b.y;
	x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
	y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
	return (struct draw_rect){ x0, y0, x1 - x0, y1 - y0 };
}

static struct draw_rect rect_clip(struct draw_rect a, struct draw_rect b)
{
	int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
	int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
	int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;

	if (x1 <= x0 || y1 <= y0)
		return (struct draw_rect){ 0, 0, 0, 0 };
	return (struct draw_rect){ x0, y0, x1 - x0, y1 - y0 };
}

/* What c looks like, independent of where its payload sits in the pools:
 * two commands with the same hash paint the same pixels. */
static uint64_t cmd_hash(const struct draw_list *dl, const struct draw_cmd *c)
{
	struct draw_cmd k;
	uint64_t h = 1469598103934665603ull;

	memcpy(&k, c, sizeof(k));
	if (k.op == DRAW_TEXT) {
		k.u.text.off = 0;
		h = fnv(h, draw_text(dl, c), c->u.text.len);
	} else if (k.op == DRAW_BITMAP) {
		k.u.bitmap.off = 0;
		h = fnv(h, draw_bits(dl, c), (size_t)c->u.bitmap.w * c->u.bitmap.h);
	}
	return fnv(h, &k, sizeof(k));
}

/* The pixels c may touch (a clip touches none). */
static struct draw_rect cmd_box(const struct draw_cmd *c)
{
	struct draw_rect b = c->rect;
	int th = c->u.arc.thickness;

	switch (c->op) {
	case DRAW_BITMAP:
		b.w = c->u.bitmap.w * c->u.bitmap.scale;
		b.h = c->u.bitmap.h * c->u.bitmap.scale;
		break;
	case DRAW_ARC:
		b.h = b.w;
		break;
	case DRAW_LINE:
		b.x = (c->rect.x < c->rect.w ? c->rect.x : c->rect.w) - th / 2;
		b.y = (c->rect.y < c->rect.h ? c->rect.y : c->rect.h) - th / 2;
		b.w = abs(c->rect.w - c->rect.x) + th;
		b.h = abs(c->rect.h - c->rect.y) + th;
		break;
	case DRAW_CLIP:
		return (struct draw_rect){ 0, 0, 0, 0 };
	default:
		break;
	}
	if (b.w <= 0 || b.h <= 0)
		return (struct draw_rect){ 0, 0, 0, 0 };
	b.x -= DAMAGE_SLACK;
	b.y -= DAMAGE_SLACK;
	b.w += 2 * DAMAGE_SLACK;
	b.h += 2 * DAMAGE_SLACK;
	return b;
}

/*
 * The pixels that differ between two strokes of the same ring that differ
 * only in where one end lies (a countdown's arc, a second later): the
 * ring's sector between the old and the new end, with room for the round
 * cap and the anti-aliased edge. False when more than one end moved.
 */
static bool arc_change_box(const struct draw_cmd *o, const struct draw_cmd *n, struct draw_rect *out)
{
	struct draw_cmd a, b;
	float lo, hi, ro = (float)n->rect.w / 2.0f;
	int box[4];

	if (o->op != DRAW_ARC || n->op != DRAW_ARC)
		return false;
	/* memcpy, not assignment: the padding is compared too (the UI zeroes
	 * every command, so equal strokes have equal bytes). */
	memcpy(&a, o, sizeof(a));
	memcpy(&b, n, sizeof(b));
	a.u.arc.start = b.u.arc.start = 0;
	a.u.arc.sweep = b.u.arc.sweep = 0;
	if (memcmp(&a, &b, sizeof(a)) != 0 || o->u.arc.sweep <= 0 || n->u.arc.sweep <= 0 ||
	    o->u.arc.sweep >= 360 || n->u.arc.sweep >= 360 ||
	    !arc_moved(o->u.arc.start, o->u.arc.sweep, n->u.arc.start, n->u.arc.sweep, &lo, &hi))
		return false;
	sector_box((float)n->rect.x + ro, (float)n->rect.y + ro, ro, n->u.arc.thickness,
		   n->u.arc.round_caps != 0, lo, hi, box);
	*out = rect_clip((struct draw_rect){ box[0], box[1], box[2], box[3] }, cmd_box(n));
	return true;
}

static int64_t rect_area(struct draw_rect a)
{
	return a.w > 0 && a.h > 0 ? (int64_t)a.w * a.h : 0;
}

/* Add b to the damage list d (n rects, at most DAMAGE_RECTS): merged into
 * the rect whose union grows least when the list is full or when the
 * union costs little more than the two apart. */
static void damage_add(struct draw_rect *d, int *n, struct draw_rect b)
{
	int i, best = -1;
	int64_t grow_best = 0;

	if (rect_area(b) == 0)
		return;
	for (i = 0; i < *n; i++) {
		int64_t grow = rect_area(rect_union(d[i], b)) - rect_area(d[i]) - rect_area(b);

		if (best < 0 || grow < grow_best) {
			best = i;
			grow_best = grow;
		}
	}
	if (best >= 0 && (*n == DAMAGE_RECTS || grow_best <= DAMAGE_MERGE_PX)) {
		d[best] = rect_union(d[best], b);
		return;
	}
	d[(*n)++] = b;
}

/*
 * Fill r->cur for dl and work out what differs from the frame on screen.
 * Returns -1 when the whole screen must be painted, else the number of
 * rectangles in d (0: nothing changed) to repaint. Commands are compared
 * index by index: a change that shifts the list (one more row, a dialog)
 * changes the count or many boxes and falls back to a full repaint; the
 * usual idle change (a countdown's arc end and digits, a spinner, a caret)
 * is a few commands in small areas.
 */
static int frame_damage(struct render *r, const struct draw_list *dl,
			struct draw_rect d[DAMAGE_RECTS])
{
	struct draw_rect screen = { 0, 0, r->w, r->h }, b;
	int64_t area = 0;
	int i, n = 0, ow, oh;
	bool partial;

	for (i = 0; i < dl->n; i++) {
		r->cur[i].hash = cmd_hash(dl, &dl->cmds[i]);
		r->cur[i].box = cmd_box(&dl->cmds[i]);
		r->cur[i].cmd = dl->cmds[i];
	}
	partial = r->partial_ok && r->prev_valid && r->prev_n == dl->n &&
		  SDL_GetRendererOutputSize(r->ren, &ow, &oh) == 0 && ow == r->pw && oh == r->ph;
	for (i = 0; partial && i < dl->n; i++) {
		if (r->cur[i].hash == r->prev[i].hash)
			continue;
		if (dl->cmds[i].op == DRAW_CLIP) {
			partial = false; /* what is visible of everything after it moves */
			break;
		}
		if (!arc_change_box(&r->prev[i].cmd, &dl->cmds[i], &b)) {
			damage_add(d, &n, rect_clip(r->prev[i].box, screen));
			b = r->cur[i].box;
		}
		damage_add(d, &n, rect_clip(b, screen));
	}
	for (i = 0; partial && i < n; i++)
		area += rect_area(d[i]);
	if (!partial || area * 100 > (int64_t)r->w * r->h * DAMAGE_MAX_PCT)
		return -1;
	return n;
}

/* The frame just painted is what is on screen now. */
static void frame_commit(struct render *r, const struct draw_list *dl)
{
	struct cmd_seen *t = r->prev;

	r->prev = r->cur;
	r->cur = t;
	r->prev_n = dl->n;
	r->prev_valid = true;
}

/* Clip what follows to q (NULL: the screen), and always to the damage of
 * a partial repaint. */
static void set_clip_rect(struct render *r, const struct draw_rect *q)
{
	struct draw_rect c = q ? *q : (struct draw_rect){ 0, 0, r->w, r->h };
	SDL_Rect s;

	if (r->damaged)
		c = rect_clip(c, r->damage);
	r->clip = c;
	r->clip_on = true;
	if (!r->damaged && c.x <= 0 && c.y <= 0 && c.x + c.w >= r->w && c.y + c.h >= r->h) {
		SDL_RenderSetClipRect(r->ren, NULL);
		r->clip_on = false;
		return;
	}
	s.x = c.x;
	s.y = c.y;
	s.w = c.w > 0 ? c.w : 0;
	s.h = c.h > 0 ? c.h : 0;
	if (s.w == 0 || s.h == 0) {
		/* Nothing visible; SDL treats an empty rect as "no clip". */
		s.x = -10;
		s.y = -10;
		s.w = s.h = 1;
	}
	SDL_RenderSetClipRect(r->ren, &s);
}

/* Whether c fills the whole screen with a translucent colour (a scrim). */
static bool is_scrim(const struct render *r, const struct draw_cmd *c)
{
	return c->op == DRAW_RECT && c->color.a > 0 && c->color.a < 255 && c->rect.x <= 0 &&
	       c->rect.y <= 0 && c->rect.x + c->rect.w >= r->w && c->rect.y + c->rect.h >= r->h;
}

/* c seen through a scrim s: what blending would give, computed once. */
static struct draw_color tint(struct draw_color c, struct draw_color s)
{
	unsigned a = s.a, ia = 255 - a;
	struct draw_color o = {
		(uint8_t)((c.r * ia + s.r * a + 127) / 255),
		(uint8_t)((c.g * ia + s.g * a + 127) / 255),
		(uint8_t)((c.b * ia + s.b * a + 127) / 255),
		c.a,
	};
	return o;
}

/* Paint every command of dl in layer order; with r->damaged set, only
 * inside r->damage, skipping what lies wholly outside it. */
static void paint_pass(struct render *r, const struct draw_list *dl,
		       const struct draw_color scrim[DRAW_LAYERS], const int scrim_cmd[DRAW_LAYERS])
{
	int layer, i, k;

	set_clip_rect(r, NULL);
	/* Clear only when the list does not start by covering the screen. */
	if (dl->n == 0 || dl->cmds[0].op != DRAW_RECT || dl->cmds[0].color.a != 255 ||
	    dl->cmds[0].rect.x > 0 || dl->cmds[0].rect.y > 0 ||
	    dl->cmds[0].rect.x + dl->cmds[0].rect.w < r->w ||
	    dl->cmds[0].rect.y + dl->cmds[0].rect.h < r->h) {
		SDL_SetRenderDrawColor(r->ren, 0, 0, 0, 255);
		if (r->damaged) {
			SDL_SetRenderDrawBlendMode(r->ren, SDL_BLENDMODE_NONE);
			fill_rect(r, r->damage.x, r->damage.y, r->damage.w, r->damage.h);
		} else {
			SDL_RenderClear(r->ren);
		}
	}
	for (layer = 0; layer < DRAW_LAYERS; layer++) {
		set_clip_rect(r, NULL);
		for (i = 0; i < dl->n; i++) {
			struct draw_cmd cc;
			const struct draw_cmd *c = &dl->cmds[i];

			if (c->layer != layer || i == scrim_cmd[layer])
				continue;
			if (r->damaged && c->op != DRAW_CLIP &&
			    rect_area(rect_clip(r->cur[i].box, r->damage)) == 0)
				continue;
			cc = *c;
			for (k = layer + 1; k < DRAW_LAYERS; k++) {
				if (scrim_cmd[k] < 0)
					continue;
				cc.color = tint(cc.color, scrim[k]);
				if (cc.op == DRAW_BITMAP)
					cc.u.bitmap.bg = tint(cc.u.bitmap.bg, scrim[k]);
			}
			c = &cc;
			switch (c->op) {
			case DRAW_RECT:
				set_color(r, c->color);
				fill_rect(r, c->rect.x, c->rect.y, c->rect.w, c->rect.h);
				break;
			case DRAW_RRECT:
				draw_rrect(r, c);
				break;
			case DRAW_TEXT:
				draw_text_cmd(r, c, dl);
				break;
			case DRAW_BITMAP:
				draw_bitmap(r, c, dl, r->st.frames);
				break;
			case DRAW_ARC:
				draw_arc(r, c);
				break;
			case DRAW_LINE:
				draw_line(r, c);
				break;
			case DRAW_CLIP:
				set_clip_rect(r, &c->rect);
				break;
			default:
				break;
			}
		}
	}
}

/*
 * Execute the list onto the back buffer, layer by layer: the whole screen
 * (nd < 0) or only the nd damaged rectangles d (r->cur must hold the
 * list's boxes: frame_damage ran). A full-screen translucent rectangle
 * opening a layer (a dialog's scrim) is not blended over 2 million pixels:
 * the colours of the layers under it are tinted instead, which gives the
 * same picture (for text too: blending is linear) at no per-pixel cost.
 */
static void paint(struct render *r, const struct draw_list *dl, const struct draw_rect *d, int nd)
{
	struct draw_color scrim[DRAW_LAYERS];
	int scrim_cmd[DRAW_LAYERS], layer, i;

	for (layer = 0; layer < DRAW_LAYERS; layer++) {
		scrim_cmd[layer] = -1;
		for (i = 0; i < dl->n; i++) {
			if (dl->cmds[i].layer != layer || dl->cmds[i].op == DRAW_CLIP)
				continue;
			if (layer > 0 && is_scrim(r, &dl->cmds[i])) {
				scrim_cmd[layer] = i;
				scrim[layer] = dl->cmds[i].color;
			}
			break;
		}
	}
	if (nd < 0) {
		r->damaged = false;
		paint_pass(r, dl, scrim, scrim_cmd);
	}
	for (i = 0; i < nd; i++) {
		r->damaged = true;
		r->damage = d[i];
		paint_pass(r, dl, scrim, scrim_cmd);
	}
	r->damaged = false;
	SDL_RenderSetClipRect(r->ren, NULL);
	r->clip_on = false;
	r->st.frames++;
}

/*
 * Rotation: with [screen] rotate the UI is painted into r->canvas (w x h,
 * a target texture that keeps its pixels, so the partial repaint works
 * there as on the window) and the painted rectangles are copied onto the
 * panel turned clockwise by r->rotate degrees.
 */

/* The rectangle q of the UI turned onto the panel: where its pixels land. */
static struct draw_rect ui_to_panel(const struct render *r, struct draw_rect q)
{
	switch (r->rotate) {
	case 90:
		return (struct draw_rect){ r->h - q.y - q.h, q.x, q.h, q.w };
	case 180:
		return (struct draw_rect){ r->w - q.x - q.w, r->h - q.y - q.h, q.w, q.h };
	case 270:
		return (struct draw_rect){ q.y, r->w - q.x - q.w, q.h, q.w };
	default:
		return q;
	}
}

/* q clipped to the screen and, for a quarter turn, widened by a pixel
 * when w - h is odd: a quarter turn about the centre of a w x h rectangle
 * lands on whole pixels only when w - h is even. */
static struct draw_rect turnable(const struct render *r, struct draw_rect q)
{
	q = rect_clip(q, (struct draw_rect){ 0, 0, r->w, r->h });
	if (q.w > 0 && q.h > 0 && (r->rotate == 90 || r->rotate == 270) && ((q.w - q.h) & 1)) {
		if (q.x + q.w < r->w)
			q.w++;
		else if (q.x > 0)
			q.x--, q.w++;
		else if (q.y + q.h < r->h)
			q.h++;
		else
			q.y--, q.h++;
	}
	return q;
}

/* Copy the UI's rectangle q from the canvas onto the panel, turned. */
static void show_rect(struct render *r, struct draw_rect q)
{
	struct draw_rect p;
	SDL_Rect src;
	SDL_FRect dst;

	q = turnable(r, q);
	if (q.w <= 0 || q.h <= 0)
		return;
	p = ui_to_panel(r, q);
	src = (SDL_Rect){ q.x, q.y, q.w, q.h };
	/* SDL turns dst about its centre: centre it on the panel rectangle. */
	dst.w = (float)q.w;
	dst.h = (float)q.h;
	dst.x = (float)p.x + (float)(p.w - q.w) / 2.0f;
	dst.y = (float)p.y + (float)(p.h - q.h) / 2.0f;
	SDL_RenderCopyExF(r->ren, r->canvas, &src, &dst, (double)r->rotate, NULL, SDL_FLIP_NONE);
}

/* Paint on the canvas from here on (no-op without rotation). */
static void canvas_begin(struct render *r)
{
	if (r->canvas)
		SDL_SetRenderTarget(r->ren, r->canvas);
}

/* Back to the window, and show what was painted: the nd rectangles d, or
 * everything (nd < 0, or a renderer whose back buffer is undefined). */
static void canvas_end(struct render *r, const struct draw_rect *d, int nd)
{
	int i;

	if (!r->canvas)
		return;
	SDL_SetRenderTarget(r->ren, NULL);
	if (nd < 0 || !r->partial_ok) {
		SDL_SetRenderDrawColor(r->ren, 0, 0, 0, 255);
		SDL_RenderClear(r->ren); /* the letterbox bars too */
		show_rect(r, (struct draw_rect){ 0, 0, r->w, r->h });
		return;
	}
	for (i = 0; i < nd; i++)
		show_rect(r, d[i]);
}

/*
 * Show a partial frame of the software renderer: only its rectangles go
 * to the screen (on X11 an XShmPutImage of each, not of the whole 8 MiB
 * window every countdown second). The renderer draws into the window's
 * surface, so flushing its queue and updating those rectangles is what
 * SDL_RenderPresent would do for all of it. false: not done (the caller
 * presents the whole frame).
 */
static bool present_rects(struct render *r, const struct draw_rect *d, int nd)
{
	SDL_Rect s[DAMAGE_RECTS];
	int i, n = 0;

	if (!r->partial_ok || nd > DAMAGE_RECTS || SDL_RenderFlush(r->ren) != 0)
		return false;
	for (i = 0; i < nd; i++) {
		struct draw_rect p = ui_to_panel(r, turnable(r, d[i]));

		if (p.w > 0 && p.h > 0)
			s[n++] = (SDL_Rect){ p.x, p.y, p.w, p.h };
	}
	return n > 0 && SDL_UpdateWindowSurfaceRects(r->win, s, n) == 0;
}

/* Show the frame painted: its nd rectangles d of the UI, or all of it
 * (nd <= 0). */
static void show(struct render *r, const struct draw_rect *d, int nd)
{
	struct draw_rect p[DAMAGE_RECTS];
	int i;

	if (r->wl) {
		SDL_RenderFlush(r->ren);
		for (i = 0; i < nd && i < DAMAGE_RECTS; i++)
			p[i] = ui_to_panel(r, turnable(r, d[i]));
		if (!wlshm_end(r->wl, p, nd > 0 && nd <= DAMAGE_RECTS ? nd : -1))
			SDL_Log("the Wayland connection failed");
		r->wl_shown_ms = SDL_GetTicks64();
		return;
	}
	if (nd <= 0 || !present_rects(r, d, nd))
		SDL_RenderPresent(r->ren);
}

/* On Wayland without OpenGL, before anything is painted: the software
 * renderer's frame becomes the wl_shm buffer to paint (wlshm_begin). */
static void wl_begin(struct render *r)
{
	void *px;

	if (!r->wl)
		return;
	if (!wlshm_begin(r->wl, &px))
		SDL_Log("the Wayland connection failed");
	r->fb->pixels = px;
}

ca_err render_frame(struct render *r, const struct draw_list *dl)
{
	struct draw_rect d[DAMAGE_RECTS];
	int nd = frame_damage(r, dl, d), i;

	if (nd == 0) {
		frame_commit(r, dl);
		return CA_OK; /* the same pixels: nothing to paint or show */
	}
	wl_begin(r);
	canvas_begin(r);
	paint(r, dl, d, nd);
	canvas_end(r, d, nd);
	if (nd > 0) {
		r->st.partial_frames++;
		for (i = 0; i < nd; i++)
			r->st.partial_px += (uint64_t)rect_area(d[i]);
	}
	frame_commit(r, dl);
	show(r, d, nd);
	return CA_OK;
}

/* Write the w x h ARGB8888 pixels (pitch bytes a row) to f as an 8-bit
 * RGB PNG. libpng directly, not SDL_image: that library links the JPEG,
 * TIFF and WebP codecs too, about 0.6 MiB of the kiosk's PSS for nothing.
 * Compression level 1: screenshots are for tests and operators, and the
 * flow tests take many. */
static bool write_png(FILE *f, const uint8_t *px, int w, int h, int pitch)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *volatile row = NULL;
	bool ok = false;
	int x, y;

	if (!png || !info)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out; /* libpng reported an error */
	row = malloc((size_t)w * 3);
	if (!row)
		goto out;
	png_init_io(png, f);
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < h; y++) {
		const uint32_t *src = (const uint32_t *)(px + (size_t)y * (size_t)pitch);

		for (x = 0; x < w; x++) {
			row[3 * x] = (uint8_t)(src[x] >> 16);
			row[3 * x + 1] = (uint8_t)(src[x] >> 8);
			row[3 * x + 2] = (uint8_t)src[x];
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ok = true;
out:
	free(row);
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	return ok;
}

/* Save what the renderer holds now as a PNG (path.tmp, then renamed). */
static ca_err save_png(struct render *r, const char *path)
{
	SDL_Surface *s;
	struct filesave fs;
	char err[FILESAVE_PATH_MAX + 128] = "the PNG could not be written";
	int w, h;
	ca_err ret;

	if (SDL_GetRenderTarget(r->ren)) {
		w = r->w; /* the canvas: the UI as painted, before the turn */
		h = r->h;
	} else if (SDL_GetRendererOutputSize(r->ren, &w, &h) != 0) {
		return CA_ERR_IO;
	}
	s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return CA_ERR_NOMEM;
	if (SDL_RenderReadPixels(r->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0) {
		SDL_FreeSurface(s);
		return CA_ERR_IO;
	}
	ret = filesave_open(&fs, path, 0644, err, sizeof(err));
	if (ret == CA_OK) {
		if (write_png(fs.f, s->pixels, w, h, s->pitch)) {
			ret = filesave_commit(&fs, err, sizeof(err));
		} else {
			filesave_abort(&fs);
			ret = CA_ERR_IO;
		}
	}
	if (ret != CA_OK)
		SDL_Log("screenshot %s: %s", path, err);
	SDL_FreeSurface(s);
	return ret;
}

ca_err render_screenshot(struct render *r, const struct draw_list *dl, const char *path)
{
	struct draw_rect d[DAMAGE_RECTS];
	ca_err ret;

	frame_damage(r, dl, d); /* fills r->cur for paint */
	wl_begin(r);
	canvas_begin(r);
	paint(r, dl, NULL, -1);
	frame_commit(r, dl);
	ret = save_png(r, path); /* the UI, unturned */
	canvas_end(r, NULL, -1);
	show(r, NULL, -1);
	return ret;
}

ca_err render_save_shown(struct render *r, const char *path)
{
	return save_png(r, path);
}

/* When no input device can be watched, the wait polls SDL in slices this
 * long (the first touch after a quiet spell waits at most that long). */
#define WAIT_SLICE_MS 40

/* The longest single sleep: SDL turns SIGTERM into SDL_QUIT in its signal
 * handler, which may run on another thread and not interrupt our poll. */
#define WAIT_MAX_MS 1000

/* On Wayland without OpenGL: after this long without a frame, the wl_shm
 * buffer not shown gives its pages back (wlshm_trim; 8 MiB at 1080x1920,
 * half of it counted to the kiosk). Longer than a countdown's second, so
 * a ticking screen keeps both; an idle one (the attract screen most of
 * the day, a form while the person reads) holds one frame. */
#define WL_TRIM_QUIET_MS 3000

/* Wakes a wait in progress from any thread (an eventfd made by the first
 * render_open and kept for the life of the process; -1: none). */
static int wake_fd = -1;

/* ---- events ---- */

/* A point on the panel (its logical px, letterbox already taken off by
 * SDL) to the UI's px: the rotation undone, clamped to the screen. */
static void panel_to_ui(const struct render *r, float px, float py, int *x, int *y)
{
	float ux, uy;

	switch (r->rotate) {
	case 90:
		ux = py;
		uy = (float)r->h - px;
		break;
	case 180:
		ux = (float)r->w - px;
		uy = (float)r->h - py;
		break;
	case 270:
		ux = (float)r->w - py;
		uy = px;
		break;
	default:
		ux = px;
		uy = py;
		break;
	}
	*x = (int)lroundf(ux);
	*y = (int)lroundf(uy);
	*x = *x < 0 ? 0 : *x >= r->w ? r->w - 1 : *x;
	*y = *y < 0 ? 0 : *y >= r->h ? r->h - 1 : *y;
}

/*
 * Map a finger's position to the UI's px. SDL delivers it normalised to
 * the window; with a logical size set, SDL's own event watch (added with
 * the renderer) has already mapped it to the logical viewport, 0..1 over
 * the panel's logical size without the letterbox bars (a touch on a bar
 * is clamped to its edge). What is left is the rotation.
 */
static void finger_xy(struct render *r, const SDL_TouchFingerEvent *f, int *x, int *y)
{
	panel_to_ui(r, f->x * (float)r->pw, f->y * (float)r->ph, x, y);
}

void render_wake(void)
{
	SDL_Event e;
	uint64_t one = 1;

	memset(&e, 0, sizeof(e));
	e.type = SDL_USEREVENT;
	SDL_PushEvent(&e); /* thread-safe; a full queue wakes the loop anyway */
	if (wake_fd >= 0 && write(wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the wait wakes. */
	}
}

static void input_close(struct render *r)
{
	while (r->n_input > 0)
		close(r->input_fd[--r->n_input]);
}

/* Open every /dev/input/event* we may read, for wake-ups only: evdev
 * gives each open file its own copy of the events, so what we read and
 * drop here is not taken from SDL's own fds. */
static void input_scan(struct render *r)
{
	DIR *d;
	struct dirent *de;
	char path[300];
	int fd;

	input_close(r);
	r->input_scan_ms = SDL_GetTicks64();
	if (!(d = opendir("/dev/input")))
		return;
	while ((de = readdir(d)) != NULL && r->n_input < INPUT_FDS_MAX) {
		if (strncmp(de->d_name, "event", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", de->d_name);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			r->input_fd[r->n_input++] = fd;
	}
	closedir(d);
}

/* Read and drop what fd has (an input device or the wake eventfd); false
 * when the device is gone. */
static bool drain_fd(int fd)
{
	char buf[1024];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

/*
 * Sleep until something may have happened, at most ms (-1: no limit).
 *
 * Not SDL_WaitEventTimeout on every driver: where a video driver has no
 * native wait (the KMSDRM driver of a kiosk, the offscreen driver of the
 * tests) SDL 2.26 implements it as a loop that sleeps 1 ms, a thousand
 * wake-ups a second, which alone is more than the idle budget (docs/architecture.md,
 * Budgets).
 * There the loop blocks in poll(2) on the kernel's input devices (touch
 * panel, mouse, keys), opened read-only beside SDL's own fds, and on an
 * eventfd that render_wake() signals; SDL is then pumped to turn what
 * arrived into events. With no device to watch on a driver that has input
 * it falls back to slices of WAIT_SLICE_MS.
 */
static void sleep_until_event(struct render *r, int ms)
{
	struct pollfd p[INPUT_FDS_MAX + 1];
	int n = 0, i, got;

	if (r->wait_how == WAIT_POLL_INPUT &&
	    (r->input_scan_ms == 0 || SDL_GetTicks64() - r->input_scan_ms >= INPUT_RESCAN_MS))
		input_scan(r);
	if (r->wait_how == WAIT_POLL_INPUT && r->n_input == 0 && (ms < 0 || ms > WAIT_SLICE_MS))
		ms = WAIT_SLICE_MS;
	if (r->wl && wlshm_can_trim(r->wl)) {
		Uint64 now = SDL_GetTicks64(), at = r->wl_shown_ms + WL_TRIM_QUIET_MS;

		if (now >= at)
			(void)wlshm_trim(r->wl);
		else if (ms < 0 || (Uint64)ms > at - now)
			ms = (int)(at - now); /* wake to trim, then wait on */
	}
	if (ms < 0 || ms > WAIT_MAX_MS)
		ms = WAIT_MAX_MS;
	if (wake_fd >= 0)
		p[n++] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
	for (i = 0; r->wait_how == WAIT_POLL_INPUT && i < r->n_input; i++)
		p[n++] = (struct pollfd){ .fd = r->input_fd[i], .events = POLLIN };
	if (r->ww) {
		if (!wlwin_prepare(r->ww)) {
			wl_to_sdl(r);
			return;
		}
		p[n++] = (struct pollfd){ .fd = wlwin_fd(r->ww), .events = POLLIN };
	}
	got = poll(p, (nfds_t)n, ms);
	if (r->ww) {
		wlwin_read_after_poll(r->ww, got > 0 && (p[n - 1].revents & (POLLIN | POLLHUP | POLLERR)));
		wl_to_sdl(r);
		n--; /* not drained below: libwayland read it */
	}
	if (got < 0) {
		if (errno != EINTR)
			SDL_Delay((Uint32)(ms < 0 || ms > WAIT_SLICE_MS ? WAIT_SLICE_MS : ms));
		return;
	}
	for (i = 0; got > 0 && i < n; i++) {
		if (!(p[i].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)))
			continue;
		if (!drain_fd(p[i].fd) && p[i].fd != wake_fd)
			r->input_scan_ms = 0; /* a device went away: re-read the set */
	}
}

/*
 * What our own Wayland window reported, as the SDL events SDL's window
 * would have given: a finger as SDL_FINGER* (normalised to the panel, as
 * finger_xy expects), the left button as SDL_MOUSE* (panel px), a close
 * as SDL_QUIT.
 */
static void wl_to_sdl(struct render *r)
{
	struct wlwin_event we;
	SDL_Event e;

	while (wlwin_next(r->ww, &we)) {
		memset(&e, 0, sizeof(e));
		if (we.kind == WLWIN_LOST) {
			log_error("render", "the Wayland compositor closed the connection; quitting "
				  "(under systemd the kiosk starts again)");
			e.type = SDL_QUIT;
		} else if (we.kind == WLWIN_CLOSE) {
			e.type = SDL_QUIT;
		} else if (we.touch) {
			e.type = we.kind == WLWIN_DOWN ? SDL_FINGERDOWN :
				 we.kind == WLWIN_UP ? SDL_FINGERUP : SDL_FINGERMOTION;
			e.tfinger.touchId = 1;
			e.tfinger.fingerId = we.id;
			e.tfinger.x = (float)(we.x / r->pw);
			e.tfinger.y = (float)(we.y / r->ph);
			e.tfinger.pressure = 1.0f;
		} else if (we.kind == WLWIN_MOVE) {
			e.type = SDL_MOUSEMOTION;
			e.motion.x = (Sint32)we.x;
			e.motion.y = (Sint32)we.y;
		} else {
			e.type = we.kind == WLWIN_DOWN ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
			e.button.button = SDL_BUTTON_LEFT;
			e.button.state = we.kind == WLWIN_DOWN ? SDL_PRESSED : SDL_RELEASED;
			e.button.clicks = 1;
			e.button.x = (Sint32)we.x;
			e.button.y = (Sint32)we.y;
		}
		SDL_PushEvent(&e);
	}
}

/* Wait up to timeout_ms (-1: for ever) for the first event into *e. */
static int wait_event(struct render *r, SDL_Event *e, int timeout_ms)
{
	Uint64 start = SDL_GetTicks64(), now;

	for (;;) {
		if (SDL_PollEvent(e))
			return 1;
		now = SDL_GetTicks64();
		if (timeout_ms >= 0 && now - start >= (Uint64)timeout_ms)
			return 0;
		if (r->wait_how == WAIT_NATIVE)
			return SDL_WaitEventTimeout(e, timeout_ms < 0 ? -1 :
						    (int)(start + (Uint64)timeout_ms - now));
		sleep_until_event(r, timeout_ms < 0 ? -1 : (int)(start + (Uint64)timeout_ms - now));
	}
}

int render_wait(struct render *r, struct ui *ui, int timeout_ms)
{
	SDL_Event e;
	int flags = 0, got, x, y;

	if (r->ww && timeout_ms == 0) {
		(void)wlwin_pump(r->ww);
		wl_to_sdl(r);
	}
	got = timeout_ms == 0 ? SDL_PollEvent(&e) : wait_event(r, &e, timeout_ms);
	while (got) {
		bool edge = false;

		switch (e.type) {
		case SDL_QUIT:
			flags |= RENDER_QUIT;
			break;
		case SDL_WINDOWEVENT:
			if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED &&
			    direct_ok(r) != r->direct) {
				/* The frame is another now: cached text of the
				 * other kind would be drawn wrongly. */
				tc_release(r);
				r->direct = !r->direct;
			}
			if (e.window.event == SDL_WINDOWEVENT_EXPOSED ||
			    e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
				ui_invalidate(ui);
				flags |= RENDER_EXPOSE;
			}
			break;
		case SDL_MOUSEBUTTONDOWN:
		case SDL_MOUSEBUTTONUP:
			/* Touch also arrives as synthetic mouse events: skip those. */
			if (e.button.which == SDL_TOUCH_MOUSEID || e.button.button != SDL_BUTTON_LEFT)
				break;
			panel_to_ui(r, (float)e.button.x, (float)e.button.y, &x, &y);
			ui_input_pointer(ui, e.type == SDL_MOUSEBUTTONDOWN ? UI_POINTER_DOWN : UI_POINTER_UP,
					 x, y);
			flags |= RENDER_INPUT;
			edge = true;
			break;
		case SDL_MOUSEMOTION:
			if (e.motion.which == SDL_TOUCH_MOUSEID)
				break;
			panel_to_ui(r, (float)e.motion.x, (float)e.motion.y, &x, &y);
			ui_input_pointer(ui, UI_POINTER_MOVE, x, y);
			flags |= RENDER_INPUT;
			break;
		case SDL_MOUSEWHEEL:
			ui_input_wheel(ui, -e.wheel.y * theme_px(ui_theme(ui), 96));
			flags |= RENDER_INPUT;
			break;
		case SDL_FINGERDOWN:
			/* A finger still down (its release lost, or a second
			 * finger): its press ends with no tap, and this one
			 * takes over, so a lost release never blocks touches. */
			if (r->finger_down)
				ui_input_pointer(ui, UI_POINTER_CANCEL, 0, 0);
			r->finger_down = true;
			r->finger = e.tfinger.fingerId;
			finger_xy(r, &e.tfinger, &x, &y);
			ui_input_pointer(ui, UI_POINTER_DOWN, x, y);
			flags |= RENDER_INPUT;
			edge = true;
			break;
		case SDL_FINGERMOTION:
		case SDL_FINGERUP:
			if (!r->finger_down || e.tfinger.fingerId != r->finger)
				break;
			finger_xy(r, &e.tfinger, &x, &y);
			if (e.type == SDL_FINGERUP) {
				r->finger_down = false;
				ui_input_pointer(ui, UI_POINTER_UP, x, y);
				edge = true;
			} else {
				ui_input_pointer(ui, UI_POINTER_MOVE, x, y);
			}
			flags |= RENDER_INPUT;
			break;
		case SDL_USEREVENT:
			flags |= RENDER_WAKE;
			break;
		case SDL_TEXTINPUT:
			ui_input_text(ui, e.text.text);
			flags |= RENDER_INPUT;
			break;
		case SDL_KEYDOWN:
			if (e.key.keysym.sym == SDLK_BACKSPACE)
				ui_input_key(ui, UI_KEY_BACKSPACE);
			else if (e.key.keysym.sym == SDLK_RETURN || e.key.keysym.sym == SDLK_KP_ENTER)
				ui_input_key(ui, UI_KEY_ENTER);
			else
				break;
			flags |= RENDER_INPUT;
			break;
		default:
			break;
		}
		if (edge || (flags & RENDER_QUIT))
			break;
		got = SDL_PollEvent(&e);
	}
	if (flags & RENDER_EXPOSE)
		r->prev_valid = false;
	return flags;
}

/* ---- lifecycle ---- */

static void errf(char *err, size_t n, const char *what)
{
	if (err && n)
		snprintf(err, n, "%s: %s", what, SDL_GetError());
}

/* ---- display paths (docs/ui.md, Display paths) ---- */

static void describe(struct render *r, const SDL_RendererInfo *info, const char *tried);

/* SDL's name of a display path. */
static const char *const driver_names[] = {
	[RENDER_DRIVER_KMSDRM] = "kmsdrm",
	[RENDER_DRIVER_WAYLAND] = "wayland",
	[RENDER_DRIVER_X11] = "x11",
};

/* Append printf-style text to buf (size n), cutting at its end. */
static void appendf(char *buf, size_t n, const char *fmt, ...)
{
	size_t used = strnlen(buf, n);
	va_list ap;

	if (used + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, n - used, fmt, ap);
	va_end(ap);
}

/*
 * Why KMSDRM cannot work here, before SDL is asked (its own message is
 * only "kmsdrm not available"): no /dev/dri, no card in it, or no card
 * this user may open read-write (the kiosk user needs the video group).
 * NULL when a card opens; else the reason in buf.
 */
static const char *kmsdrm_problem(char *buf, size_t n)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *de;
	char path[300];
	int fd, e = 0, cards = 0;

	if (!d) {
		snprintf(buf, n, "no DRM device: /dev/dri: %s", strerror(errno));
		return buf;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "card", 4) != 0)
			continue;
		cards++;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			closedir(d);
			return NULL;
		}
		e = errno;
		snprintf(buf, n, "%s: %s%s", path, strerror(e),
			 e == EACCES ? " (is the kiosk user in the video group?)" : "");
	}
	closedir(d);
	if (!cards)
		snprintf(buf, n, "no DRM device: no /dev/dri/card*");
	return buf;
}

/* How the software renderer's window pixels reach the screen on video
 * driver drv: SDL's value for SDL_HINT_FRAMEBUFFER_ACCELERATION. X11
 * (MIT-SHM) and the offscreen driver have a native window framebuffer;
 * "0" keeps SDL from loading OpenGL for it. SDL 2.26's Wayland and
 * KMSDRM drivers have none: there the frame is shown through an OpenGL
 * ES 2 texture, uploaded at each present. */
static const char *fb_accel(const char *drv)
{
	return (!strcmp(drv, "x11") || !strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) ?
	       "0" : "opengles2";
}

/* The index of SDL's render driver name, -1 when this SDL has none. */
static int render_driver_index(const char *name)
{
	SDL_RendererInfo info;
	int i, n = SDL_GetNumRenderDrivers();

	for (i = 0; i < n; i++)
		if (SDL_GetRenderDriverInfo(i, &info) == 0 && !strcmp(info.name, name))
			return i;
	return -1;
}

/* Make r->ren on r->win with renderer which (not AUTO), or say why not
 * in why (size n). */
static bool open_renderer(struct render *r, enum render_renderer which, const char *drv,
			  char *why, size_t n)
{
	static const char *const names[] = {
		[RENDER_RENDERER_SOFTWARE] = "software",
		[RENDER_RENDERER_OPENGLES2] = "opengles2",
		[RENDER_RENDERER_OPENGL] = "opengl",
	};
	const char *name = names[which];
	int idx = render_driver_index(name);

	if (idx < 0) {
		snprintf(why, n, "%s: not in this SDL", name);
		return false;
	}
	SDL_SetHintWithPriority(SDL_HINT_RENDER_DRIVER, name, SDL_HINT_OVERRIDE);
	if (which == RENDER_RENDERER_SOFTWARE)
		SDL_SetHintWithPriority(SDL_HINT_FRAMEBUFFER_ACCELERATION, fb_accel(drv),
					SDL_HINT_OVERRIDE);
	r->ren = SDL_CreateRenderer(r->win, idx, which == RENDER_RENDERER_SOFTWARE ?
				    SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED);
	if (!r->ren) {
		snprintf(why, n, "%s: %s", name, SDL_GetError());
		return false;
	}
	return true;
}

/*
 * The software renderer over r->fb, a surface whose pixels are the
 * wl_shm buffer to paint (render_frame points it at the buffer
 * wlshm_begin gives before each frame). false with why (size n).
 */
static bool wl_frame(struct render *r, char *why, size_t n)
{
	int pitch;
	void *px = wlshm_pixels(r->wl, &pitch);

	r->fb = SDL_CreateRGBSurfaceWithFormatFrom(px, r->pw, r->ph, 32, pitch,
						   SDL_PIXELFORMAT_ARGB8888);
	if (!r->fb) {
		snprintf(why, n, "no frame: %s", SDL_GetError());
		return false;
	}
	if (!(r->ren = SDL_CreateSoftwareRenderer(r->fb))) {
		snprintf(why, n, "%s", SDL_GetError());
		return false;
	}
	return true;
}

/*
 * On Wayland: the software renderer drawing into r->fb, shown through
 * wl_shm buffers (wlshm.h), so that no OpenGL is loaded. Only when the
 * window has the panel's size (full screen on a panel of that size):
 * the buffer is shown unscaled. Nothing done (r->ren NULL) otherwise,
 * with why appended to tried (size n).
 */
static void open_wl_software(struct render *r, char *tried, size_t n)
{
	SDL_SysWMinfo wm;
	char why[RENDER_DESCRIBE_MAX] = "";
	int w = 0, h = 0;

	SDL_GetWindowSize(r->win, &w, &h);
	SDL_VERSION(&wm.version);
	if (w != r->pw || h != r->ph) {
		snprintf(why, sizeof(why), "window %dx%d, not the panel's %dx%d", w, h, r->pw, r->ph);
	} else if (!SDL_GetWindowWMInfo(r->win, &wm) || wm.subsystem != SDL_SYSWM_WAYLAND) {
		snprintf(why, sizeof(why), "no Wayland surface: %s", SDL_GetError());
	} else if ((r->wl = wlshm_open(wm.info.wl.display, wm.info.wl.surface, w, h, why,
				       sizeof(why))) != NULL) {
		(void)wl_frame(r, why, sizeof(why)); /* r->ren NULL on failure */
	}
	if (r->ren)
		return;
	wlshm_free(r->wl);
	r->wl = NULL;
	SDL_FreeSurface(r->fb);
	r->fb = NULL;
	appendf(tried, n, "%ssoftware in wl_shm buffers: %s", tried[0] ? "; " : "", why);
}

/* ---- start-up work on a second thread ---- */

/*
 * The first frame writes every pixel of a frame buffer that nothing has
 * touched yet (8 MiB at 1080x1920): one page fault per 4 KiB, about 5 ms
 * on the UI thread (docs/bench-kiosk.md). The kernel maps the pages
 * writable in one call (MADV_POPULATE_WRITE, Linux 5.14) on a thread of
 * its own while the UI thread lays out the first screen. Without that
 * call (an older kernel) the pages fault in as before.
 */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static void *prefault_job(void *arg)
{
	const struct render *r = arg;

	(void)madvise(r->prefault_p, r->prefault_n, MADV_POPULATE_WRITE);
	return NULL;
}

/* Start prefaulting the pixels the software renderer draws into. */
static void prefault_start(struct render *r)
{
	SDL_Surface *s = r->fb;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, e;

	if (!s && r->partial_ok && r->win)
		s = SDL_GetWindowSurface(r->win);
	if (!s || !s->pixels || page == 0 || (page & (page - 1)) || r->prefaulting)
		return;
	/* The whole pages inside the pixels: never a neighbour's page. */
	a = ((uintptr_t)s->pixels + page - 1) & ~(page - 1);
	e = ((uintptr_t)s->pixels + (size_t)s->pitch * (size_t)s->h) & ~(page - 1);
	if (e <= a)
		return;
	r->prefault_p = (void *)a;
	r->prefault_n = e - a;
	r->prefaulting = pthread_create(&r->prefault, NULL, prefault_job, r) == 0;
}

static void prefault_join(struct render *r)
{
	if (r->prefaulting)
		pthread_join(r->prefault, NULL);
	r->prefaulting = false;
}

/*
 * Open the two faces (FreeType reads their tables and HarfBuzz its own:
 * about 3 ms) on a thread of its own while the UI thread sets up the
 * display (SDL's video set-up, about 10 ms of round trips to an X server).
 * Nothing else uses FreeType meanwhile. An SDL thread, so that SDL frees
 * what it keeps per thread (its error text) when the thread ends.
 */
struct fonts_job {
	struct render *r;
	bool ok;                  /* both faces open */
	char err[256];            /* why not */
};

static int fonts_job(void *arg)
{
	struct fonts_job *j = arg;
	TTF_Font *probe = font_get(j->r, DRAW_FONT_REGULAR, 32);

	j->ok = probe && font_get(j->r, DRAW_FONT_BOLD, 32);
	if (!j->ok)
		snprintf(j->err, sizeof(j->err), "cannot open font %s (face %d): %s",
			 j->r->font_path[probe ? DRAW_FONT_BOLD : DRAW_FONT_REGULAR],
			 j->r->font_index, TTF_GetError());
	return 0;
}

/* Destroy the canvas, renderer and window, and stop SDL's video. */
static void close_display(struct render *r)
{
	prefault_join(r);
	if (r->canvas)
		SDL_DestroyTexture(r->canvas);
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	wlshm_free(r->wl);
	r->wl = NULL;
	SDL_FreeSurface(r->fb);
	r->fb = NULL;
	wlwin_free(r->ww);
	r->ww = NULL;
	if (r->win)
		SDL_DestroyWindow(r->win);
	if (r->win || r->ren)
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
	r->canvas = NULL;
	r->ren = NULL;
	r->win = NULL;
}

/*
 * Full screen on Wayland with the software renderer: a window of our own
 * (wlwin.h; no SDL video, so no EGL), the renderer drawing into r->fb,
 * shown through wl_shm buffers. false with why (size n), nothing left
 * open.
 */
static bool open_wlwin(struct render *r, char *why, size_t n)
{
	char e[RENDER_DESCRIBE_MAX] = "";

	r->ww = wlwin_open("CA kiosk", e, sizeof(e));
	if (!r->ww) {
		snprintf(why, n, "%s", e);
		return false;
	}
	r->wl = wlshm_open(wlwin_display(r->ww), wlwin_surface(r->ww), r->pw, r->ph, e,
			   sizeof(e));
	if (r->wl)
		(void)wl_frame(r, e, sizeof(e));
	if (!r->ren) {
		snprintf(why, n, "%s", e);
		close_display(r);
		return false;
	}
	snprintf(r->st.video, sizeof(r->st.video), "wayland");
	return true;
}

/*
 * Open the window and renderer on video driver drv (NULL: SDL's choice,
 * i.e. SDL_VIDEODRIVER). false with the reason in why (size n), SDL's
 * video stopped again.
 */
static bool try_path(struct render *r, const struct render_opts *o, const char *drv,
		     char *why, size_t n)
{
	static const enum render_renderer order[] = {
		RENDER_RENDERER_SOFTWARE, RENDER_RENDERER_OPENGLES2, RENDER_RENDERER_OPENGL,
	};
	Uint32 wflags = SDL_WINDOW_SHOWN;
	SDL_Rect bounds = { 0, 0, 0, 0 };
	int wx = (int)SDL_WINDOWPOS_CENTERED, wy = (int)SDL_WINDOWPOS_CENTERED;
	int ww = r->pw, wh = r->ph, pct = o->window_pct > 0 ? o->window_pct : 50;
	enum render_renderer want = o->mode == RENDER_HEADLESS ? RENDER_RENDERER_SOFTWARE :
				    o->renderer;
	const char *cur;
	char tried[RENDER_DESCRIBE_MAX] = "";
	size_t i;

	if (drv && !strcmp(drv, "kmsdrm") && kmsdrm_problem(why, n))
		return false;
	if (drv && !strcmp(drv, "wayland") && !getenv("WAYLAND_DISPLAY") &&
	    !getenv("XDG_RUNTIME_DIR")) {
		/* No socket to look for (libwayland would only print so). */
		snprintf(why, n, "no Wayland compositor to connect to (WAYLAND_DISPLAY and "
			 "XDG_RUNTIME_DIR unset)");
		return false;
	}
	if (drv && !strcmp(drv, "wayland") && o->mode == RENDER_FULLSCREEN &&
	    (want == RENDER_RENDERER_AUTO || want == RENDER_RENDERER_SOFTWARE))
		return open_wlwin(r, why, n);
	if (drv && !strcmp(drv, "wayland") && !wlshm_has_seat(why, n))
		return false;
	if (drv)
		SDL_SetHintWithPriority(SDL_HINT_VIDEODRIVER, drv, SDL_HINT_OVERRIDE);
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		if (drv && !strcmp(drv, "wayland"))
			snprintf(why, n, "no Wayland compositor to connect to (WAYLAND_DISPLAY %s%s)",
				 getenv("WAYLAND_DISPLAY") ? "is " : "unset",
				 getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "");
		else if (drv && !strcmp(drv, "x11"))
			snprintf(why, n, "no X server to connect to (DISPLAY %s%s)",
				 getenv("DISPLAY") ? "is " : "unset",
				 getenv("DISPLAY") ? getenv("DISPLAY") : "");
		else
			snprintf(why, n, "%s", SDL_GetError());
		return false;
	}
	cur = SDL_GetCurrentVideoDriver();
	if (o->mode == RENDER_FULLSCREEN && cur && !strcmp(cur, "x11") &&
	    SDL_GetDisplayBounds(0, &bounds) == 0) {
		/* A borderless window over the whole screen: SDL's fullscreen
		 * request on X11 waits about 100 ms for a window manager to
		 * answer, and a kiosk's X server has none. */
		wflags |= SDL_WINDOW_BORDERLESS;
		ww = bounds.w;
		wh = bounds.h;
	} else if (o->mode == RENDER_FULLSCREEN) {
		wflags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	} else if (o->mode == RENDER_WINDOW) {
		ww = o->win_w > 0 && o->win_h > 0 ? o->win_w : r->pw * pct / 100;
		wh = o->win_w > 0 && o->win_h > 0 ? o->win_h : r->ph * pct / 100;
		wflags |= SDL_WINDOW_ALLOW_HIGHDPI;
	}
	if (wflags & SDL_WINDOW_BORDERLESS) {
		wx = bounds.x;
		wy = bounds.y;
	}
	r->win = SDL_CreateWindow("CA kiosk", wx, wy, ww, wh, wflags);
	if (!r->win) {
		snprintf(why, n, "no window: %s", SDL_GetError());
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		return false;
	}
	if (cur && !strcmp(cur, "wayland") && (want == RENDER_RENDERER_AUTO ||
						want == RENDER_RENDERER_SOFTWARE))
		open_wl_software(r, tried, sizeof(tried));
	/* A deliberate choice is tried alone; AUTO goes down the list. */
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && !r->ren; i++) {
		char one[RENDER_DESCRIBE_MAX];

		if (want != RENDER_RENDERER_AUTO && order[i] != want)
			continue;
		if (!open_renderer(r, order[i], cur ? cur : "", one, sizeof(one)))
			appendf(tried, sizeof(tried), "%s%s", tried[0] ? "; " : "", one);
	}
	if (!r->ren) {
		snprintf(why, n, "no renderer: %s", tried);
		close_display(r);
		return false;
	}
	snprintf(r->st.video, sizeof(r->st.video), "%s", cur ? cur : "?");
	if (tried[0])
		appendf(r->how, sizeof(r->how), "(renderers that failed: %s) ", tried);
	return true;
}

/*
 * Open the window and renderer on the first display path that works
 * (see enum render_driver), then the canvas of a rotation. false with
 * every path tried and why it failed in err (size errlen).
 */
static bool open_display(struct render *r, const struct render_opts *o, char *err, size_t errlen)
{
	static const enum render_driver order[] = {
		RENDER_DRIVER_WAYLAND, RENDER_DRIVER_X11, RENDER_DRIVER_KMSDRM,
	};
	const char *env = getenv("SDL_VIDEODRIVER");
	char tried[RENDER_DESCRIBE_MAX] = "", why[RENDER_DESCRIBE_MAX], fails[RENDER_DESCRIBE_MAX];
	SDL_RendererInfo info;
	bool ok = false;
	size_t i;

	fails[0] = '\0';
	/* On Wayland, no libdecor: a full-screen kiosk draws no window
	 * decorations, and under cage (which offers server-side ones) SDL
	 * 2.26 with libdecor destroyed its new toplevel again and never made
	 * another, so nothing of the kiosk was shown (docs/bench-kiosk.md). */
	SDL_SetHint(SDL_HINT_VIDEO_WAYLAND_ALLOW_LIBDECOR, "0");
	if (o->mode == RENDER_HEADLESS || (o->driver == RENDER_DRIVER_AUTO && env && *env)) {
		/* Headless (offscreen), or the environment's choice. */
		snprintf(tried, sizeof(tried), "%s", env && *env ? env : "offscreen");
		ok = try_path(r, o, tried, why, sizeof(why));
		if (!ok)
			appendf(fails, sizeof(fails), "%s (SDL_VIDEODRIVER): %s", tried, why);
	} else {
		for (i = 0; i < sizeof(order) / sizeof(order[0]) && !ok; i++) {
			const char *name = driver_names[order[i]];

			if (o->driver != RENDER_DRIVER_AUTO && o->driver != order[i])
				continue;
			appendf(tried, sizeof(tried), "%s%s", tried[0] ? ", " : "", name);
			ok = try_path(r, o, name, why, sizeof(why));
			if (!ok)
				appendf(fails, sizeof(fails), "%s%s: %s", fails[0] ? "; " : "",
					name, why);
		}
	}
	if (!ok) {
		if (err && errlen) {
			err[0] = '\0';
			appendf(err, errlen, "no display path works (tried %s): %s", tried, fails);
		}
		return false;
	}
	/* The UI works in logical px whatever the window or panel is. */
	SDL_RenderSetLogicalSize(r->ren, r->pw, r->ph);
	if (SDL_GetRendererInfo(r->ren, &info) == 0)
		snprintf(r->st.driver, sizeof(r->st.driver), "%s", info.name);
	/* SDL's software renderer draws into the window surface, which keeps
	 * the last frame: a frame may repaint only what changed. Accelerated
	 * renderers swap buffers whose content is undefined after a present. */
	r->partial_ok = !strcmp(r->st.driver, "software") && !o->full_frames;
	if (r->rotate) {
		r->canvas = SDL_CreateTexture(r->ren, SDL_PIXELFORMAT_ARGB8888,
					      SDL_TEXTUREACCESS_TARGET, r->w, r->h);
		if (!r->canvas) {
			if (err && errlen)
				snprintf(err, errlen, "rotate %d: no %dx%d canvas: %s", r->rotate,
					 r->w, r->h, SDL_GetError());
			close_display(r);
			return false;
		}
		SDL_SetTextureBlendMode(r->canvas, SDL_BLENDMODE_NONE);
		SDL_SetTextureScaleMode(r->canvas, SDL_ScaleModeNearest);
	}
	r->direct = direct_ok(r);
	if (o->mode == RENDER_FULLSCREEN)
		SDL_ShowCursor(SDL_DISABLE);
	/* How render_wait sleeps: drivers with a native wait use it; the
	 * offscreen and dummy drivers have no input to wait for; the rest
	 * (KMSDRM on a kiosk) watch the kernel's input devices. */
	if (r->ww)
		r->wait_how = WAIT_WLWIN;
	else if (!strcmp(r->st.video, "x11") || !strcmp(r->st.video, "wayland") ||
	    !strcmp(r->st.video, "windows") || !strcmp(r->st.video, "cocoa"))
		r->wait_how = WAIT_NATIVE;
	else if (!strcmp(r->st.video, "offscreen") || !strcmp(r->st.video, "dummy"))
		r->wait_how = WAIT_NO_INPUT;
	else
		r->wait_how = WAIT_POLL_INPUT;
	describe(r, &info, tried);
	return true;
}

/* Whether blend_text may write into the frame: see r->direct. */
static bool direct_ok(struct render *r)
{
	SDL_Surface *f;
	const SDL_PixelFormat *pf;
	int ow = 0, oh = 0;
	float sx = 0, sy = 0;
	SDL_Rect vp;

	if (strcmp(r->st.driver, "software") != 0 || r->canvas ||
	    SDL_GetRendererOutputSize(r->ren, &ow, &oh) != 0 || ow != r->pw || oh != r->ph)
		return false;
	SDL_RenderGetScale(r->ren, &sx, &sy);
	SDL_RenderGetViewport(r->ren, &vp);
	if (sx != 1.0f || sy != 1.0f || vp.x != 0 || vp.y != 0)
		return false;
	f = direct_frame(r);
	if (!f || f->w != r->pw || f->h != r->ph || SDL_MUSTLOCK(f))
		return false;
	pf = f->format;
	return pf->BytesPerPixel == 4 && pf->Rmask == 0xffu << pf->Rshift &&
	       pf->Gmask == 0xffu << pf->Gshift && pf->Bmask == 0xffu << pf->Bshift &&
	       (pf->Amask == 0 || pf->Amask == 0xffu << pf->Ashift);
}

/* Fill r->how (after what try_path put there) for render_describe. */
static void describe(struct render *r, const SDL_RendererInfo *info, const char *tried)
{
	char fails[RENDER_DESCRIBE_MAX];
	int ow = 0, oh = 0;
	const char *fb = SDL_GetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);

	snprintf(fails, sizeof(fails), "%s", r->how);
	SDL_GetRendererOutputSize(r->ren, &ow, &oh);
	r->how[0] = '\0';
	appendf(r->how, sizeof(r->how), "path %s (tried %s), renderer %s %s(flags:%s%s%s%s)",
		 r->st.video, tried, r->st.driver, fails,
		 info->flags & SDL_RENDERER_SOFTWARE ? " software" : "",
		 info->flags & SDL_RENDERER_ACCELERATED ? " accelerated" : "",
		 info->flags & SDL_RENDERER_PRESENTVSYNC ? " vsync" : "",
		 info->flags & SDL_RENDERER_TARGETTEXTURE ? " target-texture" : "");
	if (r->wl)
		appendf(r->how, sizeof(r->how), ", %swindow pixels in wl_shm buffers (no OpenGL)",
			r->ww ? "a window of its own (xdg-shell), " : "");
	else if (!strcmp(r->st.driver, "software"))
		appendf(r->how, sizeof(r->how), ", window pixels %s",
			fb && !strcmp(fb, "0") ? "native (no OpenGL)" : "through an OpenGL ES 2 texture");
	appendf(r->how, sizeof(r->how), ", partial repaint %s, text %s, output %dx%d, UI %dx%d "
		"rotate %d", r->partial_ok ? "on" : "off",
		r->direct ? "A8 (blended into the frame)" : "textures", ow, oh, r->w, r->h, r->rotate);
}

void render_describe(const struct render *r, char *buf, size_t n)
{
	snprintf(buf, n, "%s", r->how);
}

ca_err render_open(struct render **out, const struct render_opts *o, char *err, size_t errlen)
{
	struct render *r;
	ca_err r_ret = CA_ERR_IO;
	int i;
	const char *fr = o->font_regular ? o->font_regular : RENDER_FONT_REGULAR;
	const char *fb = o->font_bold ? o->font_bold : RENDER_FONT_BOLD;
	struct fonts_job fj = { 0 };
	SDL_Thread *fonts_tid;
	bool shown;

	*out = NULL;
	if (o->w <= 0 || o->h <= 0 ||
	    (o->rotate != 0 && o->rotate != 90 && o->rotate != 180 && o->rotate != 270)) {
		if (err && errlen)
			snprintf(err, errlen, "bad screen %dx%d or rotation %d", o->w, o->h, o->rotate);
		return CA_ERR_ARG;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return CA_ERR_NOMEM;
	r->w = o->w;
	r->h = o->h;
	r->mode = o->mode;
	r->rotate = o->rotate;
	r->pw = o->rotate % 180 ? o->h : o->w;
	r->ph = o->rotate % 180 ? o->w : o->h;
	r->font_index = o->font_index >= 0 ? o->font_index : RENDER_FONT_INDEX;
	snprintf(r->font_path[DRAW_FONT_REGULAR], sizeof(r->font_path[0]), "%s", fr);
	snprintf(r->font_path[DRAW_FONT_BOLD], sizeof(r->font_path[0]), "%s", fb);
	r->tc_max = o->text_cache_max > 0 ? o->text_cache_max : 512;
	r->tc_px_max = o->text_cache_px > 0 ? o->text_cache_px : (size_t)4 << 20;
	r->tc = calloc((size_t)r->tc_max, sizeof(*r->tc));
	r->mc = calloc(MC_SLOTS, sizeof(*r->mc));
	r->prev = calloc(DRAW_CMDS_MAX, sizeof(*r->prev));
	r->cur = calloc(DRAW_CMDS_MAX, sizeof(*r->cur));
	if (!r->tc || !r->mc || !r->prev || !r->cur) {
		r_ret = CA_ERR_NOMEM;
		goto fail_mem;
	}
	tc_init(r);

	if (o->mode == RENDER_HEADLESS)
		setenv("SDL_VIDEODRIVER", "offscreen", 0);
	SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
	if (SDL_Init(SDL_INIT_EVENTS) != 0) {
		errf(err, errlen, "SDL_Init");
		goto fail_mem;
	}
	if (TTF_Init() != 0) {
		errf(err, errlen, "TTF_Init");
		goto fail_sdl;
	}
	/* On X11, SDL opens an X input method for keyboard text, which makes
	 * libX11 parse the locale's Compose table (5,700 lines, twice:
	 * some 5 ms before the first frame). The kiosk types with its own
	 * keyboard and pinyin engine, so an empty table will do; a table
	 * named in the environment (a development desktop) is kept. Set
	 * before the fonts thread starts: setenv beside a reading thread is
	 * not safe. */
	setenv("XCOMPOSEFILE", "/dev/null", 0);
	fj.r = r;
	fonts_tid = SDL_CreateThread(fonts_job, "fonts", &fj);
	if (!fonts_tid)
		fonts_job(&fj);
	shown = open_display(r, o, err, errlen);
	if (fonts_tid)
		SDL_WaitThread(fonts_tid, NULL);
	if (!shown)
		goto fail_fonts;
	if (wake_fd < 0)
		wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	/* Fail now, with the path, when a font cannot be opened. */
	if (!fj.ok) {
		if (err && errlen)
			snprintf(err, errlen, "%s", fj.err);
		close_display(r);
		goto fail_fonts;
	}
	prefault_start(r);
	*out = r;
	return CA_OK;

fail_fonts:
	for (i = 0; i < DRAW_FONT__N; i++)
		if (r->fonts[i].font)
			TTF_CloseFont(r->fonts[i].font);
	TTF_Quit();
fail_sdl:
	SDL_Quit();
fail_mem:
	free(r->tc);
	free(r->mc);
	free(r->prev);
	free(r->cur);
	free(r);
	return r_ret;
}

void render_forget(struct render *r)
{
	int i;

	if (!r)
		return;
	tc_release(r); /* entries zeroed (tc_drop), keys zeroed as freed (zfree.c) */
	if (r->mc)
		explicit_bzero(r->mc, sizeof(*r->mc) * MC_SLOTS);
	for (i = 0; i < BM_MAX; i++) {
		if (r->bm[i].tex)
			SDL_DestroyTexture(r->bm[i].tex);
		explicit_bzero(&r->bm[i], sizeof(r->bm[i]));
	}
	if (r->prev)
		explicit_bzero(r->prev, sizeof(*r->prev) * DRAW_CMDS_MAX);
	if (r->cur)
		explicit_bzero(r->cur, sizeof(*r->cur) * DRAW_CMDS_MAX);
	r->prev_valid = false;
	r->prev_n = 0;
}

void render_free(struct render *r)
{
	int i;

	if (!r)
		return;
	input_close(r);
	/* wake_fd stays open: a worker may still call render_wake(), and a
	 * closed number could by then name another file. */
	tc_release(r);
	for (i = 0; i < BM_MAX; i++)
		if (r->bm[i].tex)
			SDL_DestroyTexture(r->bm[i].tex);
	for (i = 0; i < MASK_MAX; i++)
		if (r->masks[i].tex)
			SDL_DestroyTexture(r->masks[i].tex);
	for (i = 0; i < ARC_SLOTS; i++)
		if (r->arcs[i].tex)
			SDL_DestroyTexture(r->arcs[i].tex);
	for (i = 0; i < DRAW_FONT__N; i++)
		if (r->fonts[i].font)
			TTF_CloseFont(r->fonts[i].font);
	close_display(r);
	TTF_Quit();
	SDL_Quit();
	free(r->tc);
	free(r->mc);
	free(r->prev);
	free(r->cur);
	free(r);
}

void render_get_stats(const struct render *r, struct render_stats *s)
{
	struct wlshm_stats w;

	*s = r->st;
	if (r->wl) {
		wlshm_get_stats(r->wl, &w);
		s->wl_reused = w.reused;
		s->wl_switched = w.switched;
		s->wl_copied_px = w.copied_px;
		s->wl_trims = w.trims;
	}
}

const char *render_video_driver(void)
{
	const char *d = SDL_GetCurrentVideoDriver();

	return d ? d : "none";
}

int64_t render_ticks_ms(void)
{
	return (int64_t)SDL_GetTicks64();
}
