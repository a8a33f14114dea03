/*
 * render_mask.c - the coverage maths of the renderer's shapes: signed
 * distances, mask sizes and pixels, the sector an arc's end sweeps (no
 * SDL; see render_mask.h). Start at mask_fill().
 */
#include "render_mask.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

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

void mask_size(const struct mask_key *k, int *w, int *h)
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

void mask_fill(const struct mask_key *k, int ox, int oy, uint32_t *px, int w, int h, int pitch)
{
	int x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			float d = mask_dist(k, (float)(ox + x) + 0.5f, (float)(oy + y) + 0.5f);
			uint32_t a = (uint32_t)(clamp01(0.5f - d) * 255.0f + 0.5f);

			px[(size_t)y * (size_t)pitch + (size_t)x] = a << 24 | 0xFFFFFFu;
		}
}

bool arc_moved(int s0, int w0, int s1, int w1, float *lo, float *hi)
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

void sector_box(float cx, float cy, float ro, int th, bool caps, float lo, float hi, int out[4])
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

