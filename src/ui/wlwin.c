/*
 * wlwin.c - the kiosk's own full-screen Wayland window (see wlwin.h).
 *
 * Globals: wl_compositor, xdg_wm_base and wl_seat (its pointer and touch).
 * The toplevel asks for full screen; the frames (wlshm.c) have the
 * panel's size whatever the configure says, and a compositor shows a
 * smaller full-screen surface centred on black, as xdg-shell asks.
 * Input becomes wlwin_events in a small ring; a full ring drops the
 * oldest motion first, never a down or an up.
 */
#include "wlwin.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/input-event-codes.h>
#include <wayland-client.h>

#include "xdg-shell-client-protocol.h"

#define RING 64                   /* events kept between two reads */
#define FINGERS 10                /* fingers followed at once */

struct wlwin {
	struct wl_display *dpy;   /* owned */
	struct wl_registry *reg;  /* owned */
	struct wl_compositor *comp;
	struct xdg_wm_base *wm;
	struct wl_seat *seat;
	struct wl_pointer *ptr;   /* while the seat has one */
	struct wl_touch *touch;   /* likewise */
	struct wl_surface *surf;
	struct xdg_surface *xs;
	struct xdg_toplevel *top;
	bool configured;          /* the first configure was acknowledged */
	bool lost;                /* the connection broke (WLWIN_LOST reported) */
	double px, py;            /* the pointer, surface coordinates */
	struct {
		int id;           /* -1: free */
		double x, y;
	} fingers[FINGERS];
	struct wlwin_event ring[RING];
	int head, n;              /* oldest, count */
};

/* ---- the event ring ---- */

static void push(struct wlwin *w, enum wlwin_kind kind, bool touch, int id, double x, double y)
{
	struct wlwin_event *e;
	int i;

	if (w->n == RING) {
		/* Full: drop the oldest motion, or else the oldest event. */
		for (i = 0; i < RING && w->ring[(w->head + i) % RING].kind != WLWIN_MOVE; i++)
			;
		if (i == RING)
			i = 0;
		for (; i > 0; i--)
			w->ring[(w->head + i) % RING] = w->ring[(w->head + i - 1) % RING];
		w->head = (w->head + 1) % RING;
		w->n--;
	}
	e = &w->ring[(w->head + w->n) % RING];
	*e = (struct wlwin_event){ kind, touch, id, x, y };
	w->n++;
}

bool wlwin_next(struct wlwin *w, struct wlwin_event *ev)
{
	if (w->n == 0)
		return false;
	*ev = w->ring[w->head];
	w->head = (w->head + 1) % RING;
	w->n--;
	return true;
}

/* ---- xdg-shell ---- */

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = { wm_ping };

static void xs_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct wlwin *w = data;

	xdg_surface_ack_configure(xs, serial);
	w->configured = true;
}

static const struct xdg_surface_listener xs_listener = { xs_configure };

static void top_configure(void *data, struct xdg_toplevel *top, int32_t width, int32_t height,
			  struct wl_array *states)
{
	(void)data;
	(void)top;
	(void)width;
	(void)height;
	(void)states;
}

static void top_close(void *data, struct xdg_toplevel *top)
{
	(void)top;
	push(data, WLWIN_CLOSE, false, 0, 0, 0);
}

static void top_bounds(void *data, struct xdg_toplevel *top, int32_t width, int32_t height)
{
	(void)data;
	(void)top;
	(void)width;
	(void)height;
}

static void top_caps(void *data, struct xdg_toplevel *top, struct wl_array *caps)
{
	(void)data;
	(void)top;
	(void)caps;
}

static const struct xdg_toplevel_listener top_listener = {
	top_configure, top_close, top_bounds, top_caps,
};

/* ---- pointer ---- */

static void ptr_enter(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s,
		      wl_fixed_t x, wl_fixed_t y)
{
	struct wlwin *w = data;

	(void)s;
	wl_pointer_set_cursor(p, serial, NULL, 0, 0); /* a kiosk shows no cursor */
	w->px = wl_fixed_to_double(x);
	w->py = wl_fixed_to_double(y);
}

static void ptr_leave(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s)
{
	(void)data;
	(void)p;
	(void)serial;
	(void)s;
}

static void ptr_motion(void *data, struct wl_pointer *p, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
	struct wlwin *w = data;

	(void)p;
	(void)time;
	w->px = wl_fixed_to_double(x);
	w->py = wl_fixed_to_double(y);
	push(w, WLWIN_MOVE, false, 0, w->px, w->py);
}

static void ptr_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t time,
		       uint32_t button, uint32_t state)
{
	struct wlwin *w = data;

	(void)p;
	(void)serial;
	(void)time;
	if (button != BTN_LEFT)
		return;
	push(w, state == WL_POINTER_BUTTON_STATE_PRESSED ? WLWIN_DOWN : WLWIN_UP, false, 0, w->px,
	     w->py);
}

static void ptr_axis(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis, wl_fixed_t v)
{
	(void)data;
	(void)p;
	(void)time;
	(void)axis;
	(void)v;
}

static void ptr_frame(void *data, struct wl_pointer *p)
{
	(void)data;
	(void)p;
}

static void ptr_axis_source(void *data, struct wl_pointer *p, uint32_t source)
{
	(void)data;
	(void)p;
	(void)source;
}

static void ptr_axis_stop(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis)
{
	(void)data;
	(void)p;
	(void)time;
	(void)axis;
}

static void ptr_axis_discrete(void *data, struct wl_pointer *p, uint32_t axis, int32_t discrete)
{
	(void)data;
	(void)p;
	(void)axis;
	(void)discrete;
}

/* Version 1 of the seat sends none after axis; named so that a newer
 * libwayland's members are NULL on purpose. */
static const struct wl_pointer_listener ptr_listener = {
	.enter = ptr_enter,
	.leave = ptr_leave,
	.motion = ptr_motion,
	.button = ptr_button,
	.axis = ptr_axis,
	.frame = ptr_frame,
	.axis_source = ptr_axis_source,
	.axis_stop = ptr_axis_stop,
	.axis_discrete = ptr_axis_discrete,
};

/* ---- touch ---- */

static int finger_slot(struct wlwin *w, int id, bool take)
{
	int i;

	for (i = 0; i < FINGERS; i++)
		if (w->fingers[i].id == id)
			return i;
	for (i = 0; take && i < FINGERS; i++)
		if (w->fingers[i].id < 0) {
			w->fingers[i].id = id;
			return i;
		}
	return -1;
}

static void touch_down(void *data, struct wl_touch *t, uint32_t serial, uint32_t time,
		       struct wl_surface *s, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	struct wlwin *w = data;
	int k = finger_slot(w, id, true);

	(void)t;
	(void)serial;
	(void)time;
	(void)s;
	if (k < 0)
		return; /* more fingers than followed: ignored */
	w->fingers[k].x = wl_fixed_to_double(x);
	w->fingers[k].y = wl_fixed_to_double(y);
	push(w, WLWIN_DOWN, true, id, w->fingers[k].x, w->fingers[k].y);
}

static void touch_up(void *data, struct wl_touch *t, uint32_t serial, uint32_t time, int32_t id)
{
	struct wlwin *w = data;
	int k = finger_slot(w, id, false);

	(void)t;
	(void)serial;
	(void)time;
	if (k < 0)
		return;
	push(w, WLWIN_UP, true, id, w->fingers[k].x, w->fingers[k].y);
	w->fingers[k].id = -1;
}

static void touch_motion(void *data, struct wl_touch *t, uint32_t time, int32_t id, wl_fixed_t x,
			 wl_fixed_t y)
{
	struct wlwin *w = data;
	int k = finger_slot(w, id, false);

	(void)t;
	(void)time;
	if (k < 0)
		return;
	w->fingers[k].x = wl_fixed_to_double(x);
	w->fingers[k].y = wl_fixed_to_double(y);
	push(w, WLWIN_MOVE, true, id, w->fingers[k].x, w->fingers[k].y);
}

static void touch_frame(void *data, struct wl_touch *t)
{
	(void)data;
	(void)t;
}

/* The compositor took the touches (a gesture of its own): every finger
 * comes up where it was, so that no press stays half done. */
static void touch_cancel(void *data, struct wl_touch *t)
{
	struct wlwin *w = data;
	int i;

	(void)t;
	for (i = 0; i < FINGERS; i++)
		if (w->fingers[i].id >= 0) {
			push(w, WLWIN_UP, true, w->fingers[i].id, w->fingers[i].x, w->fingers[i].y);
			w->fingers[i].id = -1;
		}
}

static void touch_shape(void *data, struct wl_touch *t, int32_t id, wl_fixed_t a, wl_fixed_t b)
{
	(void)data;
	(void)t;
	(void)id;
	(void)a;
	(void)b;
}

static void touch_orientation(void *data, struct wl_touch *t, int32_t id, wl_fixed_t o)
{
	(void)data;
	(void)t;
	(void)id;
	(void)o;
}

static const struct wl_touch_listener touch_listener = {
	touch_down, touch_up, touch_motion, touch_frame, touch_cancel, touch_shape,
	touch_orientation,
};

/* ---- seat and globals ---- */

static void seat_caps(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct wlwin *w = data;

	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !w->ptr) {
		w->ptr = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(w->ptr, &ptr_listener, w);
	} else if (!(caps & WL_SEAT_CAPABILITY_POINTER) && w->ptr) {
		wl_pointer_destroy(w->ptr);
		w->ptr = NULL;
	}
	if ((caps & WL_SEAT_CAPABILITY_TOUCH) && !w->touch) {
		w->touch = wl_seat_get_touch(seat);
		wl_touch_add_listener(w->touch, &touch_listener, w);
	} else if (!(caps & WL_SEAT_CAPABILITY_TOUCH) && w->touch) {
		touch_cancel(w, w->touch);
		wl_touch_destroy(w->touch);
		w->touch = NULL;
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
	(void)data;
	(void)seat;
	(void)name;
}

static const struct wl_seat_listener seat_listener = { seat_caps, seat_name };

static void on_global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
		      uint32_t version)
{
	struct wlwin *w = data;

	if (!w->comp && strcmp(iface, "wl_compositor") == 0) {
		w->comp = wl_registry_bind(reg, name, &wl_compositor_interface, 1);
	} else if (!w->wm && strcmp(iface, "xdg_wm_base") == 0) {
		w->wm = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(w->wm, &wm_listener, w);
	} else if (!w->seat && strcmp(iface, "wl_seat") == 0) {
		/* Version 1: the events above, nothing newer to answer. */
		(void)version;
		w->seat = wl_registry_bind(reg, name, &wl_seat_interface, 1);
		wl_seat_add_listener(w->seat, &seat_listener, w);
	}
}

static void on_global_remove(void *data, struct wl_registry *reg, uint32_t name)
{
	(void)data;
	(void)reg;
	(void)name;
}

static const struct wl_registry_listener reg_listener = { on_global, on_global_remove };

/* ---- the window ---- */

struct wlwin *wlwin_open(const char *title, char *why, size_t n)
{
	struct wlwin *w = calloc(1, sizeof(*w));
	int i;

	if (!w) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	for (i = 0; i < FINGERS; i++)
		w->fingers[i].id = -1;
	w->dpy = wl_display_connect(NULL);
	if (!w->dpy) {
		snprintf(why, n, "no Wayland compositor to connect to (WAYLAND_DISPLAY %s%s): %s",
			 getenv("WAYLAND_DISPLAY") ? "is " : "unset",
			 getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "", strerror(errno));
		goto fail;
	}
	w->reg = wl_display_get_registry(w->dpy);
	wl_registry_add_listener(w->reg, &reg_listener, w);
	/* The globals, then the seat's capabilities. */
	if (wl_display_roundtrip(w->dpy) < 0 || wl_display_roundtrip(w->dpy) < 0) {
		snprintf(why, n, "the compositor closed the connection");
		goto fail;
	}
	if (!w->comp || !w->wm || !w->seat) {
		snprintf(why, n, "the compositor offers no %s",
			 !w->comp ? "wl_compositor" : !w->wm ? "xdg_wm_base (xdg-shell)" :
			 "wl_seat (no touch, pointer or keyboard)");
		goto fail;
	}
	w->surf = wl_compositor_create_surface(w->comp);
	w->xs = xdg_wm_base_get_xdg_surface(w->wm, w->surf);
	xdg_surface_add_listener(w->xs, &xs_listener, w);
	w->top = xdg_surface_get_toplevel(w->xs);
	xdg_toplevel_add_listener(w->top, &top_listener, w);
	xdg_toplevel_set_title(w->top, title);
	xdg_toplevel_set_app_id(w->top, "ca-kiosk");
	xdg_toplevel_set_fullscreen(w->top, NULL);
	wl_surface_commit(w->surf);
	for (i = 0; i < 50 && !w->configured; i++)
		if (wl_display_roundtrip(w->dpy) < 0)
			break;
	if (!w->configured) {
		snprintf(why, n, "the compositor never configured the window");
		goto fail;
	}
	return w;
fail:
	wlwin_free(w);
	return NULL;
}

struct wl_display *wlwin_display(struct wlwin *w)
{
	return w->dpy;
}

struct wl_surface *wlwin_surface(struct wlwin *w)
{
	return w->surf;
}

int wlwin_fd(const struct wlwin *w)
{
	return wl_display_get_fd(w->dpy);
}

/* The connection broke: say so once (the caller quits; under systemd
 * the kiosk is started again and finds the compositor back). */
static void set_lost(struct wlwin *w)
{
	if (!w->lost)
		push(w, WLWIN_LOST, false, 0, 0, 0);
	w->lost = true;
}

bool wlwin_prepare(struct wlwin *w)
{
	if (w->lost)
		return false;
	while (wl_display_prepare_read(w->dpy) != 0)
		if (wl_display_dispatch_pending(w->dpy) < 0) {
			set_lost(w);
			return false;
		}
	if (wl_display_flush(w->dpy) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(w->dpy);
		set_lost(w);
		return false;
	}
	return true;
}

void wlwin_read_after_poll(struct wlwin *w, bool readable)
{
	if (readable) {
		if (wl_display_read_events(w->dpy) < 0)
			set_lost(w);
	} else {
		wl_display_cancel_read(w->dpy);
	}
	if (wl_display_dispatch_pending(w->dpy) < 0)
		set_lost(w);
}

bool wlwin_pump(struct wlwin *w)
{
	struct pollfd p = { .fd = wl_display_get_fd(w->dpy), .events = POLLIN };

	if (!wlwin_prepare(w))
		return false;
	wlwin_read_after_poll(w, poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)));
	return !w->lost;
}

void wlwin_free(struct wlwin *w)
{
	if (!w)
		return;
	if (w->top)
		xdg_toplevel_destroy(w->top);
	if (w->xs)
		xdg_surface_destroy(w->xs);
	if (w->surf)
		wl_surface_destroy(w->surf);
	if (w->ptr)
		wl_pointer_destroy(w->ptr);
	if (w->touch)
		wl_touch_destroy(w->touch);
	if (w->seat)
		wl_seat_destroy(w->seat);
	if (w->wm)
		xdg_wm_base_destroy(w->wm);
	if (w->comp)
		wl_compositor_destroy(w->comp);
	if (w->reg)
		wl_registry_destroy(w->reg);
	if (w->dpy)
		wl_display_disconnect(w->dpy);
	free(w);
}
