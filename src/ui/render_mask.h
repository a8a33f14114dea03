/*
 * render_mask.h - the coverage maths of the renderer's shapes (no SDL
 * here): the signed distance that gives a mask pixel's alpha, a mask's
 * size, and the box an arc's moving end sweeps. render_shape.c turns
 * masks into cached textures.
 *
 * Shapes are coverage masks: white pixels whose alpha is the share of the
 * pixel inside the shape (from the signed distance at the pixel centre),
 * drawn with the command's colour as colour/alpha modulation. Masks are
 * cached by shape, so a frame that repeats a shape only blits. (SDL's
 * software renderer snaps SDL_RenderGeometry vertices to whole pixels, so
 * feathered triangles cannot give clean edges there; masks can.)
 */
#ifndef CA_RENDER_MASK_H
#define CA_RENDER_MASK_H

#include <stdbool.h>
#include <stdint.h>

enum mask_kind {
	MASK_CORNER = 1, /* quarter disc: a = radius, b = corner (0 tl, 1 tr, 2 br, 3 bl) */
	MASK_ARC,        /* ring arc: a = diameter, b = thickness, c = start, d = sweep, e = caps */
	MASK_LINE,       /* capsule: a = dx, b = dy, c = thickness */
};

/* A shape, as the key of its mask (fields per kind: see enum mask_kind). */
struct mask_key {
	int kind;                 /* enum mask_kind */
	int a, b, c, d, e;        /* its parameters */
};

/* Size of the mask of k, without padding. */
void mask_size(const struct mask_key *k, int *w, int *h);

/* Fill the w x h ARGB8888 pixels px (pitch pixels a row) with k's mask:
 * white, alpha = coverage; pixel (x, y) is the mask's pixel (ox + x,
 * oy + y), the origin being the shape's box (a padded mask starts at -pad). */
void mask_fill(const struct mask_key *k, int ox, int oy, uint32_t *px, int w, int h, int pitch);

/* The ends' move between arc (s0, w0) and arc (s1, w1) as an angle range
 * [*lo, *hi], degrees; false when both ends moved (or none). */
bool arc_moved(int s0, int w0, int s1, int w1, float *lo, float *hi);

/*
 * The box (x, y, w, h) of the sector [lo, hi] degrees (0 = 12 o'clock,
 * clockwise) of the ring of outer radius ro and thickness th centred at
 * (cx, cy), grown by what a round cap reaches past an end, the edge's
 * coverage and slack: the pixels a move of an arc's end from lo to hi
 * can change.
 */
void sector_box(float cx, float cy, float ro, int th, bool caps, float lo, float hi, int out[4]);

#endif
