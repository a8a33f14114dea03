/*
 * app.c - the kiosk application's lifecycle, its event loop, and the flow
 * script runner (the script_ops of `ca-kiosk --headless --script`).
 *
 * The loop sleeps in render_wait until an event or the UI's next deadline
 * and draws only when a frame's picture changed (ui_end hashes it). The
 * script runner drives the same UI the same way a finger does: a tap is a
 * pointer press and a release at the widget's centre through
 * ui_input_pointer, each followed by a frame, exactly as render_wait hands
 * real touches over. Start reading at app_run(), then app_run_script().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/log.h"
#include "../ui/script.h"
#include "app.h"

/* Frames run at most this many times for one input (reruns, screen changes). */
#define APP_RERUNS_MAX 8
/* A frame period: the script's `frame` blocks about this long. */
#define APP_FRAME_MS 16

/* Monotonic real time, ms. */
static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t app_now_ms(const struct app *a)
{
	return mono_ms() + a->clock_offset_ms;
}

ca_err app_init(struct app *a, const struct app_opts *o, char *err, size_t errlen)
{
	struct render_opts ro = { .w = o->w, .h = o->h, .mode = o->mode,
				  .font_regular = o->font, .font_index = -1 };
	struct ui_metrics m;
	ca_err rc;

	memset(a, 0, sizeof(*a));
	a->screen = APP_SCREEN_ATTRACT;
	a->outbox_pending = o->outbox_pending;
	rc = render_open(&a->r, &ro, err, errlen);
	if (rc != CA_OK)
		goto out;
	m = render_metrics(a->r);
	a->ui = ui_new(o->w, o->h, &m);
	if (!a->ui) {
		snprintf(err, errlen, "out of memory for the UI");
		rc = CA_ERR_NOMEM;
		goto out;
	}
	rc = app_frame(a);
out:
	return rc;
}

void app_release(struct app *a)
{
	ui_free(a->ui);
	render_free(a->r);
	a->ui = NULL;
	a->r = NULL;
}

ca_err app_frame(struct app *a)
{
	bool dirty = false;
	int i;

	for (i = 0; i < APP_RERUNS_MAX; i++) {
		a->changed = false;
		ui_begin(a->ui, app_now_ms(a));
		app_screen(a);
		dirty |= ui_end(a->ui);
		if (!ui_rerun(a->ui) && !a->changed)
			break;
	}
	if (!dirty)
		return CA_OK;
	return render_frame(a->r, ui_draw_list(a->ui));
}

int app_run(struct app *a)
{
	for (;;) {
		int64_t d = ui_next_deadline(a->ui), wait = -1;

		if (d >= 0) {
			wait = d - app_now_ms(a);
			if (wait < 0)
				wait = 0;
			if (wait > 60000)
				wait = 60000;
		}
		if (render_wait(a->r, a->ui, (int)wait) & RENDER_QUIT)
			break;
		if (app_frame(a) != CA_OK) {
			log_error("kiosk", "a frame could not be drawn; stopping");
			return 1;
		}
	}
	return 0;
}

/* ---- flow scripts: script_ops over the real UI ---- */

/* Append the labels of visible widgets to buf (for "on screen: ..."). */
static void on_screen(const struct app *a, char *buf, size_t len, bool tappable_only)
{
	int n = 0, i, shown = 0;
	const struct ui_widget *w = ui_widgets(a->ui, &n);
	size_t used = strlen(buf);

	for (i = 0; i < n && used + 8 < len; i++) {
		if (!w[i].visible || !w[i].label[0])
			continue;
		if (tappable_only && !ui_tappable(&w[i]))
			continue;
		snprintf(buf + used, len - used, "%s%s", shown++ ? ", " : "", w[i].label);
		used = strlen(buf);
	}
	if (!shown && used + 8 < len)
		snprintf(buf + used, len - used, "(nothing)");
}

/* Press and release at (x, y), one frame each, as render_wait hands a
 * real touch to the UI. */
static int press_release(struct app *a, int x, int y, char *why, size_t whylen)
{
	ui_input_pointer(a->ui, UI_POINTER_DOWN, x, y);
	if (app_frame(a) != CA_OK)
		goto fail;
	ui_input_pointer(a->ui, UI_POINTER_UP, x, y);
	if (app_frame(a) != CA_OK)
		goto fail;
	return 0;
fail:
	snprintf(why, whylen, "the frame could not be drawn");
	return 1;
}

/* Tap w (found as what, for messages), or say why it cannot be tapped. */
static int tap_widget(struct app *a, const struct ui_widget *w, const char *what,
		      char *why, size_t whylen)
{
	int x, y;

	if (!w) {
		snprintf(why, whylen, "no widget %s; tappable now: ", what);
		on_screen(a, why, whylen, true);
		return 1;
	}
	if (!ui_tappable(w)) {
		snprintf(why, whylen, "%s cannot be tapped: %s", what,
			 !w->enabled ? "it is disabled" :
			 !w->visible ? "it is scrolled off screen" :
			 w->blocked ? "it is under a dialog" : "it is not a control");
		return 1;
	}
	ui_widget_center(w, &x, &y);
	return press_release(a, x, y, why, whylen);
}

static int op_tap_label(void *ctx, const char *label, char *why, size_t whylen)
{
	struct app *a = ctx;
	char what[96];

	snprintf(what, sizeof(what), "labelled \"%.80s\"", label);
	return tap_widget(a, ui_find_label(a->ui, label), what, why, whylen);
}

static int op_tap_id(void *ctx, const char *id, char *why, size_t whylen)
{
	struct app *a = ctx;
	char what[96];

	snprintf(what, sizeof(what), "with id @%.70s", id);
	return tap_widget(a, ui_find_id(a->ui, id), what, why, whylen);
}

static int op_tap_xy(void *ctx, int x, int y, char *why, size_t whylen)
{
	struct app *a = ctx;

	if (x >= a->ui->w || y >= a->ui->h) {
		snprintf(why, whylen, "%d,%d is off the %dx%d screen", x, y, a->ui->w,
			 a->ui->h);
		return 1;
	}
	return press_release(a, x, y, why, whylen);
}

static int op_type(void *ctx, const char *text, char *why, size_t whylen)
{
	struct app *a = ctx;

	if (!ui_focused(a->ui)) {
		snprintf(why, whylen, "no field has focus (tap a field first)");
		return 1;
	}
	ui_input_text(a->ui, text);
	if (app_frame(a) != CA_OK) {
		snprintf(why, whylen, "the frame could not be drawn");
		return 1;
	}
	return 0;
}

static int op_pinyin(void *ctx, const char *letters, int cand, char *why, size_t whylen)
{
	(void)ctx;
	(void)letters;
	(void)cand;
	snprintf(why, whylen, "pinyin is not supported yet: this version has no "
		 "on-screen keyboard on any screen");
	return 1;
}

static int op_expect(void *ctx, const char *text, bool *present, char *why, size_t whylen)
{
	struct app *a = ctx;

	*present = ui_text_visible(a->ui, text);
	snprintf(why, whylen, "on screen: ");
	on_screen(a, why, whylen, false);
	return 0;
}

static int op_frame(void *ctx, char *why, size_t whylen)
{
	struct app *a = ctx;

	/* Blocks about a frame period: settle is not a busy loop. */
	render_wait(a->r, a->ui, APP_FRAME_MS);
	if (app_frame(a) != CA_OK) {
		snprintf(why, whylen, "the frame could not be drawn");
		return 1;
	}
	return 0;
}

static int op_wait_ms(void *ctx, long ms, char *why, size_t whylen)
{
	struct app *a = ctx;
	int64_t end = mono_ms() + ms, left;

	while ((left = end - mono_ms()) > 0) {
		int64_t d = ui_next_deadline(a->ui);

		if (d >= 0 && d - app_now_ms(a) < left)
			left = d - app_now_ms(a) < 0 ? 0 : d - app_now_ms(a);
		render_wait(a->r, a->ui, (int)left);
		if (app_frame(a) != CA_OK) {
			snprintf(why, whylen, "the frame could not be drawn");
			return 1;
		}
	}
	return 0;
}

static int op_advance_s(void *ctx, long secs, char *why, size_t whylen)
{
	struct app *a = ctx;

	a->clock_offset_ms += (int64_t)secs * 1000;
	if (app_frame(a) != CA_OK) {
		snprintf(why, whylen, "the frame could not be drawn");
		return 1;
	}
	return 0;
}

/* There is no sync engine in this build of the UI: `sync` holds only when
 * the outbox is already empty. */
static int op_sync(void *ctx, char *why, size_t whylen)
{
	struct app *a = ctx;

	if (a->outbox_pending == 0)
		return 0;
	snprintf(why, whylen, "no sync engine in this build: %d record(s) in the "
		 "outbox cannot be drained", a->outbox_pending);
	return 1;
}

static int op_shot(void *ctx, const char *name, char *why, size_t whylen)
{
	struct app *a = ctx;
	char path[APP_PATH_MAX + SCRIPT_SHOT_MAX + 2];
	ca_err rc;

	if (!a->shots_dir[0]) {
		snprintf(why, whylen, "no --shots DIR given");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", a->shots_dir, name);
	rc = render_screenshot(a->r, ui_draw_list(a->ui), path);
	if (rc != CA_OK) {
		snprintf(why, whylen, "cannot write %s (%s)", path, ca_strerror(rc));
		return 1;
	}
	printf("%s\n", path);
	fflush(stdout);
	return 0;
}

static void op_trace(void *ctx, const char *file, int line, const char *src)
{
	(void)ctx;
	log_debug("script", "%s:%d: %s", file, line, src);
}

int app_run_script(struct app *a, const char *path, const char *shots_dir)
{
	static const struct script_ops ops = {
		.tap_label = op_tap_label,
		.tap_id = op_tap_id,
		.tap_xy = op_tap_xy,
		.type = op_type,
		.pinyin = op_pinyin,
		.expect = op_expect,
		.wait_ms = op_wait_ms,
		.advance_s = op_advance_s,
		.sync = op_sync,
		.shot = op_shot,
		.frame = op_frame,
		.trace = op_trace,
	};
	char err[SCRIPT_ERR_MAX];
	int status;

	a->shots_dir[0] = '\0';
	if (shots_dir) {
		if (strlen(shots_dir) >= sizeof(a->shots_dir)) {
			fprintf(stderr, "ca-kiosk: --shots: path too long\n");
			return SCRIPT_EXIT_BAD_SCRIPT;
		}
		strcpy(a->shots_dir, shots_dir);
	}
	err[0] = '\0';
	status = script_exec_file(path, &ops, a, err, sizeof(err));
	if (err[0])
		fprintf(stderr, "%s\n", err);
	return status;
}
