/*
 * wlwin.h - a full-screen Wayland window of the kiosk's own (xdg-shell),
 * with touch and pointer input, and no OpenGL.
 *
 * SDL 2.26 loads EGL for every Wayland window, even one that never draws
 * with OpenGL: without a GPU that is Mesa's software driver and libLLVM,
 * about 20 MiB of PSS and tens of ms at start (docs/bench-kiosk.md). It
 * also loses its window under cage with libdecor, and dies on a
 * compositor without a wl_seat. The kiosk on Wayland needs little of it:
 * one full-screen toplevel, frames in wl_shm buffers (wlshm.h), touches
 * and clicks. This is that; render_input.c turns what it reports into SDL
 * events, so the rest of the UI does not know which window it has.
 *
 * One thread (the UI's). Events of this window go to the display's
 * default queue; wlshm.c keeps its own.
 */
#ifndef CA_WLWIN_H
#define CA_WLWIN_H

#include <stdbool.h>
#include <stddef.h>

struct wl_display;
struct wl_surface;
struct wlwin;

/* What the window reports (surface coordinates, px). */
enum wlwin_kind {
	WLWIN_DOWN,     /* a finger or the left button went down */
	WLWIN_UP,       /* ... came up */
	WLWIN_MOVE,     /* ... moved */
	WLWIN_CLOSE,    /* the compositor asks the window to close */
	WLWIN_LOST,     /* the connection broke (the compositor is gone); once */
};

struct wlwin_event {
	enum wlwin_kind kind;
	bool touch;     /* a finger (id), else the pointer */
	int id;         /* the finger's id */
	double x, y;    /* where */
};

/* Connect to the compositor (WAYLAND_DISPLAY), open a full-screen
 * toplevel titled title and wait for its first configure. NULL with the
 * reason in why (size n). */
struct wlwin *wlwin_open(const char *title, char *why, size_t n);

struct wl_display *wlwin_display(struct wlwin *w);
struct wl_surface *wlwin_surface(struct wlwin *w);

/* The connection's file descriptor, for poll(2). */
int wlwin_fd(const struct wlwin *w);

/* Before poll(2): dispatch what is queued and flush requests; true when
 * the caller may poll wlwin_fd (then wlwin_read_after_poll must follow). */
bool wlwin_prepare(struct wlwin *w);

/* After poll(2) (readable: whether wlwin_fd was): read and dispatch. */
void wlwin_read_after_poll(struct wlwin *w, bool readable);

/* Take the oldest event into *ev; false when there is none. Never
 * blocks (the events arrive through prepare/read, or wlwin_pump). */
bool wlwin_next(struct wlwin *w, struct wlwin_event *ev);

/* Read and dispatch whatever has arrived, without blocking. false when
 * the connection broke. */
bool wlwin_pump(struct wlwin *w);

void wlwin_free(struct wlwin *w);

#endif
