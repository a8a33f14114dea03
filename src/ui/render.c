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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

/* Fonts opened at once (role x size). */
#define FONTS_MAX     24
/* Text cache hash buckets (power of two). */
#define TC_BUCKETS    1024
/* Measure cache slots (power of two). */
#define MC_SLOTS      4096
/* Bitmap (QR) textures kept. */
#define BM_MAX        4
/* Longest text measured through the stack buffer. */
#define MEASURE_BUF   1024

struct font_slot {
	int role;         /* enum draw_font */
	int size;         /* px */
	TTF_Font *font;   /* owned */
};

/* One cached text texture. */
struct tc_entry {
	uint64_t hash;        /* of the key */
	uint8_t font;         /* key: role */
	uint16_t size;        /* key: px */
	struct draw_color color; /* key: colour */
	char *text;           /* key: text (owned), NULL when the slot is free */
	size_t len;           /* its bytes */
	SDL_Texture *tex;     /* owned */
	int w, h;             /* texture size */
	size_t bytes;         /* w * h * 4 */
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

struct bm_entry {
	uint64_t hash;        /* of modules and colours; 0 = empty */
	SDL_Texture *tex;     /* owned */
	uint64_t used;        /* frame last used */
};

struct render {
	SDL_Window *win;          /* owned */
	SDL_Renderer *ren;        /* owned */
	int w, h;                 /* logical size */
	enum render_mode mode;    /* how it was opened */
	char font_path[DRAW_FONT__N][512]; /* per role */
	int font_index;           /* face in the collection */
	struct font_slot fonts[FONTS_MAX]; /* opened fonts */
	int nfonts;               /* used */

	struct tc_entry *tc;      /* text cache pool (tc_max entries) */
	int tc_max;               /* pool size */
	size_t tc_bytes_max;      /* pixel byte cap */
	int buckets[TC_BUCKETS];  /* heads of hash chains */
	int lru_head, lru_tail;   /* most / least recently used */
	int free_head;            /* free entries, chained by next */

	struct mc_slot *mc;       /* measure cache (MC_SLOTS) */
	struct bm_entry bm[BM_MAX]; /* bitmap textures */
	struct mask_entry masks[MASK_MAX]; /* shape masks */
	uint64_t mask_clock;      /* LRU clock of masks */

	SDL_FingerID finger;      /* the finger acting as the pointer */
	bool finger_down;         /* one is */
	Uint64 last_event_ms;     /* SDL ticks of the last event render_wait took */
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
	TTF_Font *f;
	int i;

	for (i = 0; i < r->nfonts; i++)
		if (r->fonts[i].role == role && r->fonts[i].size == size)
			return r->fonts[i].font;
	if (role < 0 || role >= DRAW_FONT__N || size <= 0)
		return NULL;
	f = TTF_OpenFontIndex(r->font_path[role], size, r->font_index);
	if (!f)
		return NULL;
	TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
	if (r->nfonts == FONTS_MAX) {
		/* Rare (every size is a theme size): reuse the oldest slot. */
		TTF_CloseFont(r->fonts[0].font);
		memmove(&r->fonts[0], &r->fonts[1], sizeof(r->fonts[0]) * (FONTS_MAX - 1));
		r->nfonts--;
	}
	r->fonts[r->nfonts].role = role;
	r->fonts[r->nfonts].size = size;
	r->fonts[r->nfonts].font = f;
	r->nfonts++;
	return f;
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
	free(e->text);
	r->st.text_entries--;
	r->st.text_bytes -= e->bytes;
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

/* The cached texture of a DRAW_TEXT command, rasterising it on a miss. */
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
	surf = TTF_RenderUTF8_Blended(f, s, col);
	if (!surf)
		return NULL;
	while (r->free_head < 0 ||
	       (r->lru_tail >= 0 && r->st.text_bytes + (size_t)surf->w * (size_t)surf->h * 4 >
					    r->tc_bytes_max)) {
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
	e->tex = SDL_CreateTextureFromSurface(r->ren, surf);
	if (!e->text || !e->tex) {
		free(e->text);
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
	e->bytes = (size_t)surf->w * (size_t)surf->h * 4;
	SDL_FreeSurface(surf);
	e->next = r->buckets[h & (TC_BUCKETS - 1)];
	r->buckets[h & (TC_BUCKETS - 1)] = i;
	e->prev_lru = e->next_lru = -1;
	lru_push_front(r, i);
	r->st.text_entries++;
	r->st.text_bytes += e->bytes;
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

/* A thick arc; angles in degrees, 0 = 12 o'clock, clockwise. */
static void draw_arc(struct render *r, const struct draw_cmd *c)
{
	struct mask_key k = { MASK_ARC, c->rect.w, c->u.arc.thickness, c->u.arc.start,
			      c->u.arc.sweep, c->u.arc.round_caps };

	if (c->u.arc.sweep <= 0 || c->rect.w <= 0 || c->u.arc.thickness <= 0)
		return;
	if (k.d >= 360)
		k.c = k.e = 0;
	mask_draw(r, &k, c->rect.x, c->rect.y, c->color);
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

static void draw_text_cmd(struct render *r, const struct draw_cmd *c, const struct draw_list *dl)
{
	struct tc_entry *e = tc_get(r, c->u.text.font, c->u.text.size, c->color, draw_text(dl, c),
				    c->u.text.len);
	SDL_Rect dst;

	if (!e)
		return;
	dst.x = c->rect.x;
	dst.y = c->rect.y;
	dst.w = e->w;
	dst.h = e->h;
	SDL_RenderCopy(r->ren, e->tex, NULL, &dst);
}

static void set_clip_rect(struct render *r, const struct draw_rect *q)
{
	SDL_Rect s;

	if (!q || (q->x <= 0 && q->y <= 0 && q->x + q->w >= r->w && q->y + q->h >= r->h)) {
		SDL_RenderSetClipRect(r->ren, NULL);
		return;
	}
	s.x = q->x;
	s.y = q->y;
	s.w = q->w > 0 ? q->w : 0;
	s.h = q->h > 0 ? q->h : 0;
	if (s.w == 0 || s.h == 0) {
		/* Nothing visible; SDL treats an empty rect as "no clip". */
		s.x = -10;
		s.y = -10;
		s.w = s.h = 1;
	}
	SDL_RenderSetClipRect(r->ren, &s);
}

/* Execute the list onto the back buffer. */
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

/*
 * Execute the list onto the back buffer, layer by layer. A full-screen
 * translucent rectangle opening a layer (a dialog's scrim) is not blended
 * over 2 million pixels: the colours of the layers under it are tinted
 * instead, which gives the same picture (for text too: blending is linear)
 * at no per-pixel cost.
 */
static void paint(struct render *r, const struct draw_list *dl)
{
	struct draw_color scrim[DRAW_LAYERS];
	int scrim_cmd[DRAW_LAYERS], layer, i, k;

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
	SDL_RenderSetClipRect(r->ren, NULL);
	/* Clear only when the list does not start by covering the screen. */
	if (dl->n == 0 || dl->cmds[0].op != DRAW_RECT || dl->cmds[0].color.a != 255 ||
	    dl->cmds[0].rect.x > 0 || dl->cmds[0].rect.y > 0 ||
	    dl->cmds[0].rect.x + dl->cmds[0].rect.w < r->w ||
	    dl->cmds[0].rect.y + dl->cmds[0].rect.h < r->h) {
		SDL_SetRenderDrawColor(r->ren, 0, 0, 0, 255);
		SDL_RenderClear(r->ren);
	}
	for (layer = 0; layer < DRAW_LAYERS; layer++) {
		set_clip_rect(r, NULL);
		for (i = 0; i < dl->n; i++) {
			struct draw_cmd cc;
			const struct draw_cmd *c = &dl->cmds[i];

			if (c->layer != layer || i == scrim_cmd[layer])
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
	SDL_RenderSetClipRect(r->ren, NULL);
	r->st.frames++;
}

ca_err render_frame(struct render *r, const struct draw_list *dl)
{
	paint(r, dl);
	SDL_RenderPresent(r->ren);
	return CA_OK;
}

ca_err render_screenshot(struct render *r, const struct draw_list *dl, const char *path)
{
	SDL_Surface *s;
	char tmp[1024];
	int w, h;
	ca_err ret = CA_OK;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return CA_ERR_TOO_LONG;
	paint(r, dl);
	if (SDL_GetRendererOutputSize(r->ren, &w, &h) != 0)
		return CA_ERR_IO;
	s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return CA_ERR_NOMEM;
	if (SDL_RenderReadPixels(r->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0 ||
	    IMG_SavePNG(s, tmp) != 0 || rename(tmp, path) != 0) {
		remove(tmp);
		ret = CA_ERR_IO;
	}
	SDL_FreeSurface(s);
	SDL_RenderPresent(r->ren);
	return ret;
}

/* render_wait's sleep slices (see wait_event). */
#define WAIT_SLICE_BUSY_MS 8    /* while events are coming */
#define WAIT_SLICE_IDLE_MS 40   /* after WAIT_QUIET_MS without one */
#define WAIT_QUIET_MS      2000

/* ---- events ---- */

/* Map a finger's normalised position to logical px. */
static void finger_xy(struct render *r, const SDL_TouchFingerEvent *f, int *x, int *y)
{
	*x = (int)lroundf(f->x * (float)r->w);
	*y = (int)lroundf(f->y * (float)r->h);
}

void render_wake(void)
{
	SDL_Event e;

	memset(&e, 0, sizeof(e));
	e.type = SDL_USEREVENT;
	SDL_PushEvent(&e); /* thread-safe; a full queue wakes the loop anyway */
}

/*
 * Wait up to timeout_ms (-1: for ever) for the first event into *e.
 *
 * Not SDL_WaitEventTimeout: on video drivers without a native wait (the
 * offscreen driver, KMSDRM on a kiosk) SDL 2.26 implements it as a loop
 * that sleeps 1 ms, a thousand wake-ups a second, which alone is more than
 * the idle budget of BRIEF §8. Here the loop sleeps in slices: short while
 * the screen is being touched, WAIT_SLICE_IDLE_MS once it has been quiet
 * for a while (the first touch after a pause waits at most that long;
 * later ones at most WAIT_SLICE_BUSY_MS).
 */
static int wait_event(struct render *r, SDL_Event *e, int timeout_ms)
{
	Uint64 start = SDL_GetTicks64(), now;
	int slice;

	for (;;) {
		if (SDL_PollEvent(e))
			return 1;
		now = SDL_GetTicks64();
		if (timeout_ms >= 0 && now - start >= (Uint64)timeout_ms)
			return 0;
		slice = now - r->last_event_ms < WAIT_QUIET_MS ? WAIT_SLICE_BUSY_MS
							       : WAIT_SLICE_IDLE_MS;
		if (timeout_ms >= 0 && (Uint64)slice > start + (Uint64)timeout_ms - now)
			slice = (int)(start + (Uint64)timeout_ms - now);
		SDL_Delay((Uint32)slice);
	}
}

int render_wait(struct render *r, struct ui *ui, int timeout_ms)
{
	SDL_Event e;
	int flags = 0, got, x, y;

	got = timeout_ms == 0 ? SDL_PollEvent(&e) : wait_event(r, &e, timeout_ms);
	if (got)
		r->last_event_ms = SDL_GetTicks64();
	while (got) {
		bool edge = false;

		switch (e.type) {
		case SDL_QUIT:
			flags |= RENDER_QUIT;
			break;
		case SDL_WINDOWEVENT:
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
			ui_input_pointer(ui, e.type == SDL_MOUSEBUTTONDOWN ? UI_POINTER_DOWN : UI_POINTER_UP,
					 e.button.x, e.button.y);
			flags |= RENDER_INPUT;
			edge = true;
			break;
		case SDL_MOUSEMOTION:
			if (e.motion.which == SDL_TOUCH_MOUSEID)
				break;
			ui_input_pointer(ui, UI_POINTER_MOVE, e.motion.x, e.motion.y);
			flags |= RENDER_INPUT;
			break;
		case SDL_MOUSEWHEEL:
			ui_input_wheel(ui, -e.wheel.y * theme_px(ui_theme(ui), 96));
			flags |= RENDER_INPUT;
			break;
		case SDL_FINGERDOWN:
			if (r->finger_down)
				break; /* a second finger is ignored */
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
	return flags;
}

/* ---- lifecycle ---- */

static void errf(char *err, size_t n, const char *what)
{
	if (err && n)
		snprintf(err, n, "%s: %s", what, SDL_GetError());
}

ca_err render_open(struct render **out, const struct render_opts *o, char *err, size_t errlen)
{
	struct render *r;
	Uint32 wflags = SDL_WINDOW_SHOWN;
	int ww = o->w, wh = o->h, pct = o->window_pct > 0 ? o->window_pct : 50;
	const char *fr = o->font_regular ? o->font_regular : RENDER_FONT_REGULAR;
	const char *fb = o->font_bold ? o->font_bold : RENDER_FONT_BOLD;
	SDL_RendererInfo info;
	TTF_Font *probe;

	*out = NULL;
	if (o->w <= 0 || o->h <= 0)
		return CA_ERR_ARG;
	r = calloc(1, sizeof(*r));
	if (!r)
		return CA_ERR_NOMEM;
	r->w = o->w;
	r->h = o->h;
	r->mode = o->mode;
	r->font_index = o->font_index >= 0 ? o->font_index : RENDER_FONT_INDEX;
	snprintf(r->font_path[DRAW_FONT_REGULAR], sizeof(r->font_path[0]), "%s", fr);
	snprintf(r->font_path[DRAW_FONT_BOLD], sizeof(r->font_path[0]), "%s", fb);
	r->tc_max = o->text_cache_max > 0 ? o->text_cache_max : 512;
	r->tc_bytes_max = o->text_cache_bytes > 0 ? o->text_cache_bytes : (size_t)16 << 20;
	r->tc = calloc((size_t)r->tc_max, sizeof(*r->tc));
	r->mc = calloc(MC_SLOTS, sizeof(*r->mc));
	if (!r->tc || !r->mc) {
		free(r->tc);
		free(r->mc);
		free(r);
		return CA_ERR_NOMEM;
	}
	tc_init(r);

	if (o->mode == RENDER_HEADLESS)
		setenv("SDL_VIDEODRIVER", "offscreen", 0);
	if (o->mode == RENDER_HEADLESS || o->software) {
		SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
		/* Without this, SDL backs the window surface with a GL texture,
		 * loading Mesa (slow to start, and it leaks at exit). */
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	}
	SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
	if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
		errf(err, errlen, "SDL_Init");
		goto fail_mem;
	}
	if (TTF_Init() != 0) {
		errf(err, errlen, "TTF_Init");
		goto fail_sdl;
	}
	if ((IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG) == 0) {
		errf(err, errlen, "IMG_Init");
		goto fail_ttf;
	}
	if (o->mode == RENDER_FULLSCREEN)
		wflags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	else if (o->mode == RENDER_WINDOW) {
		ww = o->w * pct / 100;
		wh = o->h * pct / 100;
		wflags |= SDL_WINDOW_ALLOW_HIGHDPI;
	}
	r->win = SDL_CreateWindow("CA kiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
				  ww, wh, wflags);
	if (!r->win) {
		errf(err, errlen, "SDL_CreateWindow");
		goto fail_img;
	}
	r->ren = SDL_CreateRenderer(r->win, -1,
				    (o->mode == RENDER_HEADLESS || o->software) ?
				    SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED);
	if (!r->ren)
		r->ren = SDL_CreateRenderer(r->win, -1, SDL_RENDERER_SOFTWARE);
	if (!r->ren) {
		errf(err, errlen, "SDL_CreateRenderer");
		goto fail_win;
	}
	/* The UI works in logical px whatever the window or panel is. */
	SDL_RenderSetLogicalSize(r->ren, o->w, o->h);
	if (SDL_GetRendererInfo(r->ren, &info) == 0)
		snprintf(r->st.driver, sizeof(r->st.driver), "%s", info.name);
	if (o->mode == RENDER_FULLSCREEN)
		SDL_ShowCursor(SDL_DISABLE);
	/* Fail now, with the path, when a font cannot be opened. */
	probe = font_get(r, DRAW_FONT_REGULAR, 32);
	if (!probe || !font_get(r, DRAW_FONT_BOLD, 32)) {
		if (err && errlen)
			snprintf(err, errlen, "cannot open font %s (face %d): %s",
				 probe ? fb : fr, r->font_index, TTF_GetError());
		goto fail_fonts;
	}
	*out = r;
	return CA_OK;

fail_fonts:
	while (r->nfonts > 0)
		TTF_CloseFont(r->fonts[--r->nfonts].font);
	SDL_DestroyRenderer(r->ren);
fail_win:
	SDL_DestroyWindow(r->win);
fail_img:
	IMG_Quit();
fail_ttf:
	TTF_Quit();
fail_sdl:
	SDL_Quit();
fail_mem:
	free(r->tc);
	free(r->mc);
	free(r);
	return CA_ERR_IO;
}

void render_free(struct render *r)
{
	int i;

	if (!r)
		return;
	tc_release(r);
	for (i = 0; i < BM_MAX; i++)
		if (r->bm[i].tex)
			SDL_DestroyTexture(r->bm[i].tex);
	for (i = 0; i < MASK_MAX; i++)
		if (r->masks[i].tex)
			SDL_DestroyTexture(r->masks[i].tex);
	for (i = 0; i < r->nfonts; i++)
		TTF_CloseFont(r->fonts[i].font);
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	if (r->win)
		SDL_DestroyWindow(r->win);
	IMG_Quit();
	TTF_Quit();
	SDL_Quit();
	free(r->tc);
	free(r->mc);
	free(r);
}

void render_get_stats(const struct render *r, struct render_stats *s)
{
	*s = r->st;
}

int64_t render_ticks_ms(void)
{
	return (int64_t)SDL_GetTicks64();
}
