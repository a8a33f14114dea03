/*
 * render_text.c - text for the renderer: one open face per font role
 * (font_get), the measure cache the UI lays out with (render_metrics), and
 * the text cache (tc_*): a hash table over a fixed pool of entries with an
 * LRU list, capped by count and pixel bytes. Entries are textures, or with
 * r->direct 8-bit coverage that blend_text colours straight into the
 * software renderer's frame. Start at draw_text_cmd().
 */
#include "render_int.h"

#include <stdlib.h>
#include <string.h>

/* Longest text measured through the stack buffer. */
#define MEASURE_BUF   1024

static uint64_t text_key(int font, int size, struct draw_color c, const char *s, size_t len)
{
	uint64_t h = DRAW_HASH_SEED;
	uint8_t k[7] = { (uint8_t)font, (uint8_t)size, (uint8_t)(size >> 8), c.r, c.g, c.b, c.a };

	h = draw_hash(h, k, sizeof(k));
	h = draw_hash(h, s, len);
	return h ? h : 1;
}

TTF_Font *font_get(struct render *r, int role, int size)
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
	uint64_t h = DRAW_HASH_SEED;
	uint8_t k[3] = { (uint8_t)font, (uint8_t)size, (uint8_t)(size >> 8) };
	struct mc_slot *slot;
	char stack[MEASURE_BUF], *buf = stack;
	TTF_Font *f;
	int w = 0, hh = 0;

	if (len == 0)
		return 0;
	h = draw_hash(draw_hash(h, k, sizeof(k)), s, len);
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

void tc_init(struct render *r)
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

void tc_release(struct render *r)
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

void draw_text_cmd(struct render *r, const struct draw_cmd *c, const struct draw_list *dl)
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

bool direct_ok(struct render *r)
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
