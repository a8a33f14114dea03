/*
 * wlshm.c - software frames on a Wayland surface through wl_shm buffers
 * (see wlshm.h for why).
 *
 * Two buffers in one memfd pool. A frame is copied into a buffer the
 * compositor has released: only what changed since that buffer was last
 * written (the rectangles of the frames since then, kept for HIST frames;
 * older than that, all of it), then attached, damaged and committed.
 */
#include "wlshm.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#define BUFS      2   /* buffers: one shown, one being written */
#define HIST      4   /* frames whose rectangles are kept */
#define RECTS_MAX 8   /* rectangles a frame may have (more: all of it) */

/* One shared-memory buffer. */
struct shm_buf {
	struct wl_buffer *buf;    /* owned */
	uint8_t *px;              /* its pixels in the pool's mapping */
	bool busy;                /* the compositor may read it */
	uint64_t seq;             /* frame written into it last (0: none) */
};

/* What one frame changed. */
struct frame_rects {
	int n;                    /* rectangles; -1: all of it */
	struct draw_rect r[RECTS_MAX];
};

struct wlshm {
	struct wl_display *dpy;   /* SDL's, borrowed */
	struct wl_surface *surf;  /* SDL's window surface, borrowed */
	struct wl_event_queue *q; /* owned: our objects' events */
	struct wl_display *wrap;  /* owned: dpy wrapper whose new objects go to q */
	struct wl_registry *reg;  /* owned, on q */
	struct wl_shm *shm;       /* owned, on q */
	int w, h, stride;         /* buffer size in px, bytes a row */
	size_t size;              /* the pool's bytes (BUFS buffers) */
	void *map;                /* its mapping (owned) */
	struct shm_buf b[BUFS];
	uint64_t seq;             /* frames shown */
	struct frame_rects hist[HIST]; /* by seq % HIST */
};

static void on_global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
		      uint32_t version)
{
	struct wlshm *o = data;

	(void)version;
	if (!o->shm && strcmp(iface, "wl_shm") == 0)
		o->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
}

static void on_global_remove(void *data, struct wl_registry *reg, uint32_t name)
{
	(void)data;
	(void)reg;
	(void)name;
}

static const struct wl_registry_listener registry_listener = { on_global, on_global_remove };

static void on_release(void *data, struct wl_buffer *buf)
{
	struct shm_buf *b = data;

	(void)buf;
	b->busy = false;
}

static const struct wl_buffer_listener buffer_listener = { on_release };

static void on_seat_global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
			   uint32_t version)
{
	bool *seen = data;

	(void)reg;
	(void)name;
	(void)version;
	if (strcmp(iface, "wl_seat") == 0)
		*seen = true;
}

static const struct wl_registry_listener seat_listener = { on_seat_global, on_global_remove };

bool wlshm_has_seat(char *why, size_t n)
{
	struct wl_display *dpy = wl_display_connect(NULL);
	struct wl_registry *reg;
	bool seen = false, asked;

	if (!dpy)
		return true;
	reg = wl_display_get_registry(dpy);
	wl_registry_add_listener(reg, &seat_listener, &seen);
	asked = wl_display_roundtrip(dpy) >= 0;
	wl_registry_destroy(reg);
	wl_display_disconnect(dpy);
	if (asked && !seen)
		snprintf(why, n, "the compositor offers no wl_seat (no touch, pointer or keyboard); "
			 "SDL cannot open a window there");
	return !asked || seen;
}

struct wlshm *wlshm_open(struct wl_display *dpy, struct wl_surface *surf, int w, int h,
			 char *err, size_t n)
{
	struct wlshm *o = calloc(1, sizeof(*o));
	struct wl_shm_pool *pool = NULL;
	int fd = -1, i;

	if (!o) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	o->dpy = dpy;
	o->surf = surf;
	o->w = w;
	o->h = h;
	o->stride = w * 4;
	o->size = (size_t)o->stride * (size_t)h * BUFS;
	o->q = wl_display_create_queue(dpy);
	o->wrap = o->q ? wl_proxy_create_wrapper(dpy) : NULL;
	if (!o->wrap) {
		snprintf(err, n, "no Wayland event queue");
		goto fail;
	}
	wl_proxy_set_queue((struct wl_proxy *)o->wrap, o->q);
	o->reg = wl_display_get_registry(o->wrap);
	wl_registry_add_listener(o->reg, &registry_listener, o);
	if (wl_display_roundtrip_queue(dpy, o->q) < 0 || !o->shm) {
		snprintf(err, n, "the compositor offers no wl_shm");
		goto fail;
	}
	fd = memfd_create("ca-kiosk-frame", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)o->size) != 0) {
		snprintf(err, n, "shared memory for the frame: %s", strerror(errno));
		goto fail;
	}
	o->map = mmap(NULL, o->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (o->map == MAP_FAILED) {
		o->map = NULL;
		snprintf(err, n, "mapping the frame: %s", strerror(errno));
		goto fail;
	}
	pool = wl_shm_create_pool(o->shm, fd, (int32_t)o->size);
	for (i = 0; i < BUFS; i++) {
		o->b[i].px = (uint8_t *)o->map + (size_t)i * (size_t)o->stride * (size_t)h;
		o->b[i].buf = wl_shm_pool_create_buffer(pool, i * o->stride * h, w, h, o->stride,
							WL_SHM_FORMAT_ARGB8888);
		wl_buffer_add_listener(o->b[i].buf, &buffer_listener, &o->b[i]);
	}
	wl_shm_pool_destroy(pool); /* the buffers keep the memory */
	close(fd);
	return o;
fail:
	if (fd >= 0)
		close(fd);
	wlshm_free(o);
	return NULL;
}

/* Copy rectangle q (clipped) of the frame at px into buffer b. */
static void copy_rect(const struct wlshm *o, struct shm_buf *b, const void *px, int pitch,
		      struct draw_rect q)
{
	int y, x0 = q.x < 0 ? 0 : q.x, y0 = q.y < 0 ? 0 : q.y;
	int x1 = q.x + q.w > o->w ? o->w : q.x + q.w, y1 = q.y + q.h > o->h ? o->h : q.y + q.h;

	for (y = y0; y < y1 && x0 < x1; y++)
		memcpy(b->px + (size_t)y * (size_t)o->stride + (size_t)x0 * 4,
		       (const uint8_t *)px + (size_t)y * (size_t)pitch + (size_t)x0 * 4,
		       (size_t)(x1 - x0) * 4);
}

bool wlshm_show(struct wlshm *o, const void *px, int pitch, const struct draw_rect *d, int nd)
{
	struct frame_rects *cur;
	struct shm_buf *b = NULL;
	uint64_t s;
	int i, tries;
	bool all;

	/* A buffer the compositor is done with (the older one first). */
	for (tries = 0; !b && tries < 100; tries++) {
		if (wl_display_dispatch_queue_pending(o->dpy, o->q) < 0)
			return false;
		for (i = 0; i < BUFS; i++)
			if (!o->b[i].busy && (!b || o->b[i].seq < b->seq))
				b = &o->b[i];
		if (!b && wl_display_roundtrip_queue(o->dpy, o->q) < 0)
			return false;
	}
	if (!b)
		return false;
	o->seq++;
	cur = &o->hist[o->seq % HIST];
	cur->n = nd < 0 || nd > RECTS_MAX ? -1 : nd;
	for (i = 0; i < cur->n; i++)
		cur->r[i] = d[i];
	/* What this buffer missed: every frame after the one it holds. */
	all = b->seq == 0 || o->seq - b->seq > HIST;
	for (s = b->seq + 1; !all && s <= o->seq; s++)
		all = o->hist[s % HIST].n < 0;
	if (all) {
		copy_rect(o, b, px, pitch, (struct draw_rect){ 0, 0, o->w, o->h });
	} else {
		for (s = b->seq + 1; s <= o->seq; s++)
			for (i = 0; i < o->hist[s % HIST].n; i++)
				copy_rect(o, b, px, pitch, o->hist[s % HIST].r[i]);
	}
	b->seq = o->seq;
	b->busy = true;
	wl_surface_attach(o->surf, b->buf, 0, 0);
	if (cur->n < 0) {
		wl_surface_damage(o->surf, 0, 0, o->w, o->h);
	} else {
		for (i = 0; i < cur->n; i++)
			wl_surface_damage(o->surf, cur->r[i].x, cur->r[i].y, cur->r[i].w, cur->r[i].h);
	}
	wl_surface_commit(o->surf);
	return wl_display_flush(o->dpy) >= 0 || errno == EAGAIN;
}

void wlshm_free(struct wlshm *o)
{
	int i;

	if (!o)
		return;
	for (i = 0; i < BUFS; i++)
		if (o->b[i].buf)
			wl_buffer_destroy(o->b[i].buf);
	if (o->map)
		munmap(o->map, o->size);
	if (o->shm)
		wl_shm_destroy(o->shm);
	if (o->reg)
		wl_registry_destroy(o->reg);
	if (o->wrap)
		wl_proxy_wrapper_destroy(o->wrap);
	if (o->q)
		wl_event_queue_destroy(o->q);
	free(o);
}
