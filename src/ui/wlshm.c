/*
 * wlshm.c - software frames on a Wayland surface through wl_shm buffers
 * (see wlshm.h for why).
 *
 * Two buffers in one memfd pool, and the renderer draws straight into
 * them: no frame of our own beside them. Before a frame is painted,
 * wlshm_begin picks the buffer to paint: the one holding the newest frame
 * when the compositor has released it (a compositor that copies what it
 * is given, as GL-based ones do for wl_shm, so the second buffer is never
 * touched and costs no memory), else the other one, brought up to date
 * first by copying from the newest what the frames it missed changed (the
 * rectangles of the frames since then, kept for HIST frames; older than
 * that, all of it). wlshm_end attaches, damages and commits it. When the
 * screen has been quiet for a while, wlshm_trim gives the pages of the
 * buffer not shown back to the kernel (MADV_REMOVE on the memfd): an idle
 * kiosk holds one frame, not two.
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
	bool resident;            /* painted since its pages were last given back */
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
	int cur;                  /* the buffer painted now, or holding the newest frame */
	uint64_t trim_seq;        /* the newest frame when wlshm_trim last ran */
	uint64_t seq;             /* frames shown */
	struct frame_rects hist[HIST]; /* by seq % HIST */
	struct wlshm_stats st;
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

/* Copy rectangle q (clipped) of buffer from into buffer to. */
static void copy_rect(struct wlshm *o, struct shm_buf *to, const struct shm_buf *from,
		      struct draw_rect q)
{
	int y, x0 = q.x < 0 ? 0 : q.x, y0 = q.y < 0 ? 0 : q.y;
	int x1 = q.x + q.w > o->w ? o->w : q.x + q.w, y1 = q.y + q.h > o->h ? o->h : q.y + q.h;

	if (x0 < x1 && y0 < y1)
		o->st.copied_px += (uint64_t)(x1 - x0) * (uint64_t)(y1 - y0);
	for (y = y0; y < y1 && x0 < x1; y++)
		memcpy(to->px + (size_t)y * (size_t)o->stride + (size_t)x0 * 4,
		       from->px + (size_t)y * (size_t)o->stride + (size_t)x0 * 4,
		       (size_t)(x1 - x0) * 4);
}

void *wlshm_pixels(const struct wlshm *o, int *pitch)
{
	*pitch = o->stride;
	return o->b[o->cur].px;
}

bool wlshm_begin(struct wlshm *o, void **px)
{
	struct shm_buf *b = NULL, *newest = &o->b[o->cur];
	uint64_t s;
	int i, tries;
	bool all;

	*px = newest->px;
	newest->resident = true;
	for (tries = 0; tries < 100; tries++) {
		if (wl_display_dispatch_queue_pending(o->dpy, o->q) < 0)
			return false;
		/* The newest frame's buffer, released: paint over it. */
		if (!newest->busy) {
			o->st.reused++;
			return true;
		}
		for (i = 0; i < BUFS; i++)
			if (!o->b[i].busy && (!b || o->b[i].seq < b->seq))
				b = &o->b[i];
		if (b)
			break;
		if (wl_display_roundtrip_queue(o->dpy, o->q) < 0)
			return false;
	}
	if (!b)
		return false;
	/* What b missed: every frame after the one it holds. */
	all = b->seq == 0 || o->seq - b->seq > HIST;
	for (s = b->seq + 1; !all && s <= o->seq; s++)
		all = o->hist[s % HIST].n < 0;
	o->st.switched++;
	if (all) {
		o->st.full_copies++;
		copy_rect(o, b, newest, (struct draw_rect){ 0, 0, o->w, o->h });
	} else {
		for (s = b->seq + 1; s <= o->seq; s++)
			for (i = 0; i < o->hist[s % HIST].n; i++)
				copy_rect(o, b, newest, o->hist[s % HIST].r[i]);
	}
	b->seq = o->seq;
	b->resident = true;
	o->cur = (int)(b - o->b);
	*px = b->px;
	return true;
}

bool wlshm_can_trim(const struct wlshm *o)
{
	int i;

	if (o->trim_seq == o->seq)
		return false;
	for (i = 0; i < BUFS; i++)
		if (i != o->cur && o->b[i].resident)
			return true;
	return false;
}

int wlshm_trim(struct wlshm *o)
{
	long page = sysconf(_SC_PAGESIZE);
	int i, n = 0;

	o->trim_seq = o->seq;
	if (page <= 0 || wl_display_dispatch_queue_pending(o->dpy, o->q) < 0)
		return 0;
	for (i = 0; i < BUFS; i++) {
		struct shm_buf *b = &o->b[i];
		uintptr_t a, e;

		if (i == o->cur || !b->resident)
			continue;
		/* Its release may still be on the way: ask once. */
		if (b->busy && wl_display_roundtrip_queue(o->dpy, o->q) < 0)
			return n;
		if (b->busy)
			continue;
		/* Whole pages inside the buffer (never the neighbour's): the
		 * memfd's pages go back to the kernel, for the compositor's
		 * mapping too; they read as zeros until painted again. */
		a = ((uintptr_t)b->px + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
		e = ((uintptr_t)b->px + (size_t)o->stride * (size_t)o->h) & ~((uintptr_t)page - 1);
		if (e > a && madvise((void *)a, e - a, MADV_REMOVE) != 0)
			continue;
		b->resident = false;
		b->seq = 0; /* all of it is copied before it is painted again */
		o->st.trims++;
		n++;
	}
	return n;
}

bool wlshm_end(struct wlshm *o, const struct draw_rect *d, int nd)
{
	struct shm_buf *b = &o->b[o->cur];
	struct frame_rects *f;
	int i;

	o->seq++;
	o->st.frames++;
	f = &o->hist[o->seq % HIST];
	f->n = nd < 0 || nd > RECTS_MAX ? -1 : nd;
	for (i = 0; i < f->n; i++)
		f->r[i] = d[i];
	b->seq = o->seq;
	b->busy = true;
	wl_surface_attach(o->surf, b->buf, 0, 0);
	if (f->n < 0) {
		wl_surface_damage(o->surf, 0, 0, o->w, o->h);
	} else {
		for (i = 0; i < f->n; i++)
			wl_surface_damage(o->surf, f->r[i].x, f->r[i].y, f->r[i].w, f->r[i].h);
	}
	wl_surface_commit(o->surf);
	return wl_display_flush(o->dpy) >= 0 || errno == EAGAIN;
}

void wlshm_get_stats(const struct wlshm *o, struct wlshm_stats *st)
{
	*st = o->st;
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
