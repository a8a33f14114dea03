/*
 * app.h - the kiosk application: its state, its screens and its loop.
 *
 * The app owns the renderer and the UI context. Each frame the screen
 * function of the current screen (screens.c) reads struct app and emits
 * widgets; a tap changes struct app (app_go) and the frame is run again.
 * Nothing here talks to SDL: render.h does.
 *
 * Time: the app's clock is monotonic time plus clock_offset_ms, so that a
 * flow script's `advance 60s` moves countdowns and idle timers without
 * waiting (app_now_ms). The UI is always given this clock.
 *
 * Two ways to drive it:
 *   - app_run: the event loop for a person at the screen. It sleeps in
 *     render_wait (SDL_WaitEventTimeout) until an event or the UI's next
 *     deadline, and draws only when the frame's picture changed.
 *   - app_run_script: a flow script (docs/flows.md) through script_ops
 *     callbacks that tap through the UI's input path, read the registry
 *     and take PNG screenshots.
 *
 * This slice has three screens: attract, the notice, and a placeholder
 * that says the form comes in a later version.
 */
#ifndef CA_KIOSK_APP_H
#define CA_KIOSK_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../ui/render.h"
#include "../ui/ui.h"

/* Room for the shots directory path. */
#define APP_PATH_MAX 1024

/* The screens of this version. */
enum app_screen {
	APP_SCREEN_ATTRACT,    /* idle: product name and "touch to start" */
	APP_SCREEN_NOTICE,     /* CA网上办理告知及确认书, 同意 after reading to the end */
	APP_SCREEN_FORM_LATER, /* placeholder: the form arrives in a later version */
	APP_SCREEN__N
};

/* How to open the app. */
struct app_opts {
	int w, h;               /* logical screen size */
	enum render_mode mode;  /* headless, window or full screen */
	const char *font;       /* regular CJK font file; NULL: the default */
	int outbox_pending;     /* records waiting for the hub (see app.sync) */
};

struct app {
	struct render *r;          /* the renderer (owned) */
	struct ui *ui;             /* the UI context (owned) */
	enum app_screen screen;    /* what is shown */
	bool changed;              /* the screen changed during this frame: run it again */
	bool notice_end_seen;      /* the notice was scrolled to its end on this visit */
	int64_t clock_offset_ms;   /* virtual clock: app time = monotonic + this */
	int outbox_pending;        /* outbox depth at start; nothing in this
	                            * version adds to it or drains it */
	char shots_dir[APP_PATH_MAX]; /* where `shot` writes ("" none) */
};

/*
 * Open the renderer and the UI and show the attract screen. CA_OK, or an
 * error with a message in err (size errlen). Release with app_release even
 * after a failure.
 */
ca_err app_init(struct app *a, const struct app_opts *o, char *err, size_t errlen);

/* Free what a owns (not a itself). */
void app_release(struct app *a);

/* The app's clock, ms: monotonic plus the virtual offset. */
int64_t app_now_ms(const struct app *a);

/* Switch to screen s (from a widget's tap, during a frame). */
void app_go(struct app *a, enum app_screen s);

/* Run the UI until the frame is stable and draw it if it changed. */
ca_err app_frame(struct app *a);

/* The event loop until the window is closed. Returns an exit status. */
int app_run(struct app *a);

/*
 * Run the flow script at path, screenshots into shots_dir (NULL: `shot`
 * fails). Returns the exit status of script_exec_file (0, 1 a line failed,
 * 2 the script is unreadable or has syntax errors); messages on stderr.
 */
int app_run_script(struct app *a, const char *path, const char *shots_dir);

/* The current screen's widgets for one frame (screens.c). */
void app_screen(struct app *a);

#endif
