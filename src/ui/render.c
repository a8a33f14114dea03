/*
 * render.c - executes draw-command lists with SDL2: the frame path of the
 * renderer (render.h; the pieces are listed in render_int.h).
 *
 * Start reading at render_frame(): it works out what changed since the
 * frame on screen (frame_damage, render_damage.c), paints layer 0, 1, 2 of
 * the list in order, only inside the damaged rectangles when there are few
 * (paint; text in render_text.c, shapes in render_shape.c), turns the
 * painted rectangles onto the panel when the screen is rotated, and shows
 * them (on X11 only those rectangles; on Wayland without OpenGL through
 * wl_shm buffers, wlshm.c).
 */
#include "render_int.h"

#include <string.h>

/* Fill r->cur for dl and work out what differs from the frame on screen
 * (damage_diff): -1 to paint the whole screen, else the number of
 * rectangles in d to repaint (0: nothing changed). */
static int frame_damage(struct render *r, const struct draw_list *dl,
			struct draw_rect d[DAMAGE_RECTS])
{
	int ow, oh;
	bool comparable = r->partial_ok && r->prev_valid && r->prev_n == dl->n &&
			  SDL_GetRendererOutputSize(r->ren, &ow, &oh) == 0 && ow == r->pw &&
			  oh == r->ph;

	return damage_diff(dl, r->cur, r->prev, comparable, r->w, r->h, d);
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
