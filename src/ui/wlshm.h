/*
 * wlshm.h - show software-rendered frames on a Wayland surface through
 * wl_shm buffers, without OpenGL.
 *
 * SDL 2.26's Wayland driver has no window framebuffer: its software
 * renderer reaches the screen through an OpenGL ES texture, which loads
 * Mesa (llvmpipe on a machine without a GPU: about 70 MiB more PSS, and a
 * whole-frame upload at every countdown second). render.c instead has its
 * software renderer draw straight into one of two shared-memory buffers
 * that the compositor reads (no frame of its own beside them), attached
 * to the window's wl_surface with the changed rectangles as damage: the
 * kiosk's own full-screen window (wlwin.h), or SDL's when SDL keeps the
 * window (a window that is not full screen); SDL never attaches a buffer
 * of its own because it has no renderer on the window.
 *
 * Events of these objects go to a queue of their own, dispatched here, so
 * SDL's event pump never sees them. One thread (the UI's).
 */
#ifndef CA_WLSHM_H
#define CA_WLSHM_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

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

/* The pixels the first frame is painted into (and, between frames, the
 * newest frame's): w x h ARGB8888, *pitch bytes a row. */
void *wlshm_pixels(const struct wlshm *o, int *pitch);

/* Before a frame is painted: *px becomes the buffer to paint, holding the
 * newest frame (the one shown, if the compositor has released it; else
 * the other, brought up to date). Paint only the rectangles then handed
 * to wlshm_end. Waits for a released buffer. false when the connection
 * failed (*px is the newest frame's buffer then: painting it is harmless,
 * nothing is shown). */
bool wlshm_begin(struct wlshm *o, void **px);

/* Show the buffer wlshm_begin gave, of which only the nd rectangles d
 * were painted (nd < 0: all of it). false when the connection failed. */
bool wlshm_end(struct wlshm *o, const struct draw_rect *d, int nd);

/* Whether a buffer other than the newest frame's holds pages that
 * wlshm_trim could give back (and it was not tried since the last frame). */
bool wlshm_can_trim(const struct wlshm *o);

/* Give the pages of the buffers not holding the newest frame back to the
 * kernel, once the compositor has released them (one round trip to learn
 * it, when needed): they read as zeros and count as nobody's memory until
 * the next wlshm_begin paints there, which first copies the whole frame
 * in (about 8 MiB and its page faults at 1080x1920). For a screen that has
 * been quiet a while (render_input.c: WL_TRIM_QUIET_MS). The buffers given back. */
int wlshm_trim(struct wlshm *o);

/* What the buffers did (render_get_stats, tests/ui/test_wlshm.c). */
struct wlshm_stats {
	uint64_t frames;      /* shown (wlshm_end) */
	uint64_t reused;      /* painted over the newest frame's buffer, released */
	uint64_t switched;    /* painted in the other buffer, brought up to date */
	uint64_t full_copies; /* ... by copying all of it (it missed too much) */
	uint64_t copied_px;   /* pixels copied to bring buffers up to date */
	uint64_t trims;       /* buffers whose pages wlshm_trim gave back */
};
void wlshm_get_stats(const struct wlshm *o, struct wlshm_stats *st);

/* Destroy the buffers; wlshm_free(NULL) is fine. */
void wlshm_free(struct wlshm *o);

#endif
