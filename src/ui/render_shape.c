/*
 * render_shape.c - shapes for the renderer: rounded rectangles, arcs and
 * lines as anti-aliased coverage masks (cached textures, tinted per
 * command; the maths in render_mask.c), arcs with an end in slots updated
 * where the end moved, and QR bitmaps as cached textures. Big flat areas
 * stay plain rectangle fills, which the software renderer does fastest.
 * Start at draw_rrect().
 */
#include "render_int.h"

#include <stdlib.h>
#include <string.h>

/* Destroy *t (if any) and clear it. */
static void tex_drop(SDL_Texture **t)
{
	if (*t)
		SDL_DestroyTexture(*t);
	*t = NULL;
}

/* The entry of cache (n entries) holding hash, or NULL with *lru the least
 * recently used entry (an empty one, never used, first). */
static struct tex_entry *tex_lookup(struct tex_entry *cache, int n, uint64_t hash,
				    struct tex_entry **lru)
{
	int i;

	*lru = &cache[0];
	for (i = 0; i < n; i++) {
		if (cache[i].hash == hash)
			return &cache[i];
		if (cache[i].used < (*lru)->used)
			*lru = &cache[i];
	}
	return NULL;
}

/* The cached mask texture for k (made on first use); *pad gets the border
 * of extra pixels around the shape's box. NULL on failure. */
static SDL_Texture *mask_get(struct render *r, const struct mask_key *k, int *pad)
{
	uint64_t h = draw_hash(DRAW_HASH_SEED, k, sizeof(*k));
	int w, hh, p = k->kind == MASK_CORNER ? 0 : 1;
	struct tex_entry *e, *lru;
	SDL_Surface *s;

	h = h ? h : 1;
	*pad = p;
	e = tex_lookup(r->masks, MASK_MAX, h, &lru);
	if (e) {
		e->used = ++r->mask_clock;
		return e->tex;
	}
	mask_size(k, &w, &hh);
	if (w <= 0 || hh <= 0 || w > 4096 || hh > 4096)
		return NULL;
	s = SDL_CreateRGBSurfaceWithFormat(0, w + 2 * p, hh + 2 * p, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return NULL;
	mask_fill(k, -p, -p, s->pixels, s->w, s->h, s->pitch / 4);
	e = lru;
	tex_drop(&e->tex);
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

void set_color(struct render *r, struct draw_color c)
{
	/* Opaque fills copy; only translucent ones blend (much slower in the
	 * software renderer). */
	SDL_SetRenderDrawBlendMode(r->ren, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
	SDL_SetRenderDrawColor(r->ren, c.r, c.g, c.b, c.a);
}

void fill_rect(struct render *r, int x, int y, int w, int h)
{
	SDL_Rect q = { x, y, w, h };

	if (w > 0 && h > 0)
		SDL_RenderFillRect(r->ren, &q);
}

void draw_rrect(struct render *r, const struct draw_cmd *c)
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
	int rc;

	if (!px)
		return false;
	mask_fill(k, b.x - 1, b.y - 1, px, b.w, b.h, b.w);
	rc = SDL_UpdateTexture(tex, &b, px, b.w * 4);
	free(px);
	return rc == 0;
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
		tex_drop(&e->tex);
		memset(e, 0, sizeof(*e));
		if (k->a <= 0 || k->a > 4096)
			return;
		e->tex = SDL_CreateTexture(r->ren, SDL_PIXELFORMAT_ARGB8888,
					   SDL_TEXTUREACCESS_STATIC, side, side);
		if (!e->tex)
			return;
		SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
		if (!arc_fill(e->tex, k, all)) {
			tex_drop(&e->tex);
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
void draw_arc(struct render *r, const struct draw_cmd *c)
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
void draw_line(struct render *r, const struct draw_cmd *c)
{
	int x1 = c->rect.x, y1 = c->rect.y, x2 = c->rect.w, y2 = c->rect.h, th = c->u.arc.thickness;
	struct mask_key k = { MASK_LINE, x2 - x1, y2 - y1, th, 0, 0 };
	int left = x1 < x2 ? x1 : x2, top = y1 < y2 ? y1 : y2;

	if (th <= 0)
		return;
	mask_draw(r, &k, left - th / 2, top - th / 2, c->color);
}

void draw_bitmap(struct render *r, const struct draw_cmd *c, const struct draw_list *dl,
		 uint64_t frame)
{
	const uint8_t *bits = draw_bits(dl, c);
	int w = c->u.bitmap.w, h = c->u.bitmap.h, x, y;
	uint64_t hash = DRAW_HASH_SEED;
	struct tex_entry *e, *lru;
	SDL_Surface *s;
	SDL_Rect dst = { c->rect.x, c->rect.y, w * c->u.bitmap.scale, h * c->u.bitmap.scale };

	hash = draw_hash(hash, bits, (size_t)w * (size_t)h);
	hash = draw_hash(hash, &c->u.bitmap.w, sizeof(c->u.bitmap.w));
	hash = draw_hash(hash, &c->u.bitmap.scale, sizeof(c->u.bitmap.scale));
	hash = draw_hash(hash, &c->color, sizeof(c->color));
	hash = draw_hash(hash, &c->u.bitmap.bg, sizeof(c->u.bitmap.bg));
	hash = hash ? hash : 1;
	e = tex_lookup(r->bm, BM_MAX, hash, &lru);
	if (!e) {
		e = lru;
		tex_drop(&e->tex);
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

void shape_release(struct render *r, bool all)
{
	int i;

	for (i = 0; i < BM_MAX; i++) {
		tex_drop(&r->bm[i].tex);
		explicit_bzero(&r->bm[i], sizeof(r->bm[i]));
	}
	for (i = 0; all && i < MASK_MAX; i++)
		tex_drop(&r->masks[i].tex);
	for (i = 0; all && i < ARC_SLOTS; i++)
		tex_drop(&r->arcs[i].tex);
}
