/*
 * wlshm.h - show software-rendered frames on a Wayland surface through
 * wl_shm buffers, without OpenGL.
 *
 * SDL 2.26's Wayland driver has no window framebuffer: its software
 * renderer reaches the screen through an OpenGL ES texture, which loads
 * Mesa (llvmpipe on a machine without a GPU: about 70 MiB more PSS, and a
 * whole-frame upload at every countdown second). render.c instead draws
 * into a plain surface of its own and hands the changed rectangles here;
 * they are copied into one of two shared-memory buffers that the
 * compositor reads, and attached to the window's wl_surface: the kiosk's
 * own full-screen window (wlwin.h), or SDL's when SDL keeps the window
 * (a window that is not full screen); SDL never attaches a buffer of its
 * own because it has no renderer on the window.
 *
 * Events of these objects go to a queue of their own, dispatched here, so
 * SDL's event pump never sees them. One thread (the UI's).
 */
#ifndef CA_WLSHM_H
#define CA_WLSHM_H

#include <stdbool.h>
#include <stddef.h>

#include "draw.h"

struct wl_display;
struct wl_surface;
struct wlshm;

/* Whether the compositor (WAYLAND_DISPLAY) offers a wl_seat, asked on a
 * connection of its own that is closed again. SDL 2.26 dereferences a
 * NULL seat while creating a window on a compositor without one (weston's
 * headless backend, a compositor without input devices): the kiosk
 * would die of SIGSEGV instead of trying the next display path. false
 * with the reason in why (size n); true also when the question could not
 * be asked (SDL then says why it cannot connect). */
bool wlshm_has_seat(char *why, size_t n);

/* Two w x h ARGB8888 buffers for surf on dpy (both borrowed, they must
 * outlive it). NULL with the reason in err (size n). */
struct wlshm *wlshm_open(struct wl_display *dpy, struct wl_surface *surf, int w, int h,
			 char *err, size_t n);

/* Show the frame at px (w x h ARGB8888, pitch bytes a row), of which only
 * the nd rectangles d changed since the last frame shown (nd < 0: all
 * of it). Waits for a buffer the compositor has released. false when the
 * connection failed. */
bool wlshm_show(struct wlshm *o, const void *px, int pitch, const struct draw_rect *d, int nd);

/* Destroy the buffers; wlshm_free(NULL) is fine. */
void wlshm_free(struct wlshm *o);

#endif
