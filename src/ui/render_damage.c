/*
 * render_damage.c - damage tracking of the renderer: per command a hash of
 * what it paints and the box it may touch, compared with the frame on
 * screen into a few rectangles to repaint (no SDL; see render_damage.h).
 * Start at damage_diff().
 */
#include "render_damage.h"

#include <stdlib.h>
#include <string.h>

#include "render_mask.h"

/* Commands touching less than this share of the screen (in %) are
 * repainted alone; above it a full repaint is as cheap. */
#define DAMAGE_MAX_PCT 50
/* Slack around a command's box, px (anti-aliased edges, glyph overhang). */
#define DAMAGE_SLACK   2
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

struct draw_rect rect_clip(struct draw_rect a, struct draw_rect b)
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
	uint64_t h = DRAW_HASH_SEED;

	memcpy(&k, c, sizeof(k));
	if (k.op == DRAW_TEXT) {
		k.u.text.off = 0;
		h = draw_hash(h, draw_text(dl, c), c->u.text.len);
	} else if (k.op == DRAW_BITMAP) {
		k.u.bitmap.off = 0;
		h = draw_hash(h, draw_bits(dl, c), (size_t)c->u.bitmap.w * c->u.bitmap.h);
	}
	return draw_hash(h, &k, sizeof(k));
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

int64_t rect_area(struct draw_rect a)
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

int damage_diff(const struct draw_list *dl, struct cmd_seen *cur, const struct cmd_seen *prev,
		bool comparable, int w, int h, struct draw_rect d[DAMAGE_RECTS])
{
	struct draw_rect screen = { 0, 0, w, h }, b;
	int64_t area = 0;
	int i, n = 0;
	bool partial = comparable;

	for (i = 0; i < dl->n; i++) {
		cur[i].hash = cmd_hash(dl, &dl->cmds[i]);
		cur[i].box = cmd_box(&dl->cmds[i]);
		cur[i].cmd = dl->cmds[i];
	}
	for (i = 0; partial && i < dl->n; i++) {
		if (cur[i].hash == prev[i].hash)
			continue;
		if (dl->cmds[i].op == DRAW_CLIP) {
			partial = false; /* what is visible of everything after it moves */
			break;
		}
		if (!arc_change_box(&prev[i].cmd, &dl->cmds[i], &b)) {
			damage_add(d, &n, rect_clip(prev[i].box, screen));
			b = cur[i].box;
		}
		damage_add(d, &n, rect_clip(b, screen));
	}
	for (i = 0; partial && i < n; i++)
		area += rect_area(d[i]);
	if (!partial || area * 100 > (int64_t)w * h * DAMAGE_MAX_PCT)
		return -1;
	return n;
}
