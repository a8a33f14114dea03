/*
 * render.h - the renderer: the only module that talks to SDL.
 *
 * It opens the window (full screen on a kiosk, a scaled window for
 * development, SDL's offscreen driver when headless) on a display path
 * (KMSDRM, Wayland, X11: render_open tries them and says why each one it
 * tried failed) with a renderer chosen for it, executes a frame's
 * draw-command list (draw.h), measures text for the UI (render_metrics),
 * turns SDL mouse and touch events into ui_input_* calls (render_wait), and
 * saves screenshots as PNG. Text is drawn from a cache of textures keyed by
 * (font role, size, colour, text) with an LRU cap.
 *
 * Typical loop (see docs/ui.md):
 *
 *	for (;;) {
 *		int64_t d = ui_next_deadline(ui);
 *		if (render_wait(r, ui, d < 0 ? -1 : (int)(d - now())) & RENDER_QUIT)
 *			break;
 *		do { ui_begin(ui, now()); screen(ui); dirty |= ui_end(ui); } while (ui_rerun(ui));
 *		if (dirty) render_frame(r, ui_draw_list(ui));
 *	}
 */
#ifndef CA_RENDER_H
#define CA_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "draw.h"
#include "ui.h"

/* Default fonts: Noto Sans CJK, Simplified Chinese face (fonts/README.md). */
#define RENDER_FONT_REGULAR "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
#define RENDER_FONT_BOLD    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
#define RENDER_FONT_INDEX   2

/* The display path: SDL's video driver for a window (docs/ui.md, Display
 * paths). Headless always uses SDL's offscreen driver. */
enum render_driver {
	RENDER_DRIVER_AUTO,    /* SDL_VIDEODRIVER if set, else wayland, x11, kmsdrm */
	RENDER_DRIVER_KMSDRM,  /* the bare screen: DRM/KMS, no display server */
	RENDER_DRIVER_WAYLAND, /* a client of a compositor (cage) */
	RENDER_DRIVER_X11,     /* a client of an X server */
};

/* The SDL renderer. Software is the one the partial repaint is built for
 * (its back buffer keeps the last frame); the accelerated ones repaint
 * every frame whole. */
enum render_renderer {
	RENDER_RENDERER_AUTO,      /* software, else opengles2, else opengl */
	RENDER_RENDERER_SOFTWARE,  /* SDL's software renderer */
	RENDER_RENDERER_OPENGLES2, /* SDL's OpenGL ES 2 renderer */
	RENDER_RENDERER_OPENGL,    /* SDL's OpenGL renderer */
};

/* Longest render_describe() line, and render_open's error message. */
#define RENDER_DESCRIBE_MAX 384

enum render_mode {
	RENDER_HEADLESS,   /* SDL offscreen driver, software renderer, no display */
	RENDER_WINDOW,     /* a window (scaled by window_pct), for development */
	RENDER_FULLSCREEN, /* full screen, for the kiosk */
};

struct render_opts {
	int w, h;                  /* logical screen size (1080x1920 or 1920x1080) */
	enum render_mode mode;     /* see above */
	int window_pct;            /* RENDER_WINDOW: window size in % of the panel (0: 50) */
	int win_w, win_h;          /* RENDER_WINDOW: window size in px instead (0: window_pct);
				    * another shape is letterboxed (tests) */
	const char *font_regular;  /* NULL: RENDER_FONT_REGULAR */
	const char *font_bold;     /* NULL: RENDER_FONT_BOLD */
	int font_index;            /* face in the collection; -1: RENDER_FONT_INDEX */
	enum render_driver driver; /* display path (not headless); AUTO: see above */
	enum render_renderer renderer; /* AUTO: software; headless is always software */
	int rotate;                /* 0, 90, 180, 270: the UI (w x h) turned clockwise
				    * onto the panel; 90 and 270 need an h x w panel */
	int text_cache_max;        /* cached texts (0: 512) */
	size_t text_cache_px;      /* their pixels at most (0: 4 Mpx); 1 byte a pixel
				    * where text is blended straight into the frame
				    * (render_describe says "text A8"), else 4 */
	bool full_frames;          /* always repaint the whole screen (tests, bench) */
};

/* Counters, for tests and the benchmark. */
struct render_stats {
	uint64_t frames;          /* frames painted (whole or in part) */
	uint64_t partial_frames;  /* of them, repainted only where they changed */
	uint64_t partial_px;      /* pixels those repainted, summed */
	uint64_t text_hits;       /* text drawn from the cache */
	uint64_t text_misses;     /* text rasterised */
	uint64_t text_evictions;  /* cached textures dropped by the LRU cap */
	int text_entries;         /* texts cached now */
	size_t text_bytes;        /* their pixel bytes */
	size_t text_px;           /* their pixels */
	uint64_t measure_hits;    /* widths answered from the measure cache */
	uint64_t measure_misses;  /* widths asked of SDL_ttf */
	uint64_t font_resizes;    /* a role's face set to another size */
	/* Wayland without OpenGL (wlshm.h), else 0: frames painted over the
	 * shown buffer (the compositor had released it), frames painted in
	 * the other one, and the pixels copied to bring it up to date. */
	uint64_t wl_reused, wl_switched, wl_copied_px;
	uint64_t wl_trims;        /* ... and buffers whose pages went back when quiet */
	char driver[32];          /* SDL render driver in use */
	char video[16];           /* SDL video driver (display path) in use */
};

/* render_wait result flags. */
enum {
	RENDER_QUIT   = 1 << 0, /* the window was closed (or SDL_QUIT) */
	RENDER_INPUT  = 1 << 1, /* input went to the ui */
	RENDER_EXPOSE = 1 << 2, /* the window needs a redraw (ui invalidated) */
	RENDER_WAKE   = 1 << 3, /* render_wake() was called */
};

struct render;

/*
 * Initialise SDL and SDL_ttf; open the window and renderer on the first
 * display path that works, and the fonts. CA_OK with *out set, or an
 * error with a message in err (size errlen; when no path works it names
 * each path tried and why it failed: CA_ERR_IO). CA_ERR_ARG for a bad
 * size or rotation. Caller owns *out: render_free().
 */
ca_err render_open(struct render **out, const struct render_opts *o, char *err, size_t errlen);

/* Close everything and quit SDL; render_free(NULL) is fine. */
void render_free(struct render *r);

/*
 * Forget every text and image of past frames: the text cache (its textures
 * and its keys), the measure cache, the bitmap (QR) textures and what damage
 * tracking kept of the last frame. The next render_frame repaints the whole
 * screen. For the end of a session (docs/privacy.md); the fonts and shape
 * masks stay.
 */
void render_forget(struct render *r);

/* Text measuring for ui_new(). Valid while r lives. */
struct ui_metrics render_metrics(struct render *r);

/* Draw dl and show it. With the software renderer only the area whose
 * commands changed since the last frame is repainted (unless the options
 * asked for full frames); the picture is the same as a full repaint. */
ca_err render_frame(struct render *r, const struct draw_list *dl);

/* Draw dl, save it as a PNG at path (written to path.tmp, then renamed),
 * and show it. The PNG has the logical size in headless mode. */
ca_err render_screenshot(struct render *r, const struct draw_list *dl, const char *path);

/* Save the pixels on screen now, as render_frame left them (a test
 * compares a partly repainted frame with a full one). */
ca_err render_save_shown(struct render *r, const char *path);

/*
 * Wait up to timeout_ms (-1: forever, 0: poll) for events and hand them to
 * ui: mouse button 1 and the first finger as the pointer, wheel, text and
 * Backspace/Enter keys (for development), window exposure. Returns after
 * the first pointer press or release so that each gets its own frame.
 * Returns RENDER_* flags (0: timed out).
 */
int render_wait(struct render *r, struct ui *ui, int timeout_ms);

/* Wake a render_wait in progress (or the next one) from any thread: a
 * worker has a result for the UI. */
void render_wake(void);

/* One line for the start log: the display path, what was tried before it,
 * the renderer with its flags, how the window's pixels reach the screen,
 * whether frames are repainted in part, the panel and the rotation. */
void render_describe(const struct render *r, char *buf, size_t n);

/* Current counters. */
void render_get_stats(const struct render *r, struct render_stats *s);
/* The SDL video driver in use ("x11", "wayland", "kmsdrm", "offscreen"),
 * "none" before render_open. Static text (the kiosk's heartbeat). */
const char *render_video_driver(void);

/* Monotonic milliseconds (SDL's clock), for loops that have no other. */
int64_t render_ticks_ms(void);

#endif
