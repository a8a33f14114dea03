/*
 * app_script.c - the flow-script runner: script_ops over the real UI, the
 * executor of `ca-kiosk [--headless] --script FILE` (docs/flows.md).
 *
 * It drives the UI the way a finger does: a tap is a pointer press and a
 * release at the widget's centre through ui_input_pointer, each followed by
 * a frame (app_frame, app.c), so a script sees exactly what a person would.
 * Start at app_run_script() at the end, then the op_* functions it names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "flow/script.h"
#include "app.h"
#include "kiosk/store/store.h"

/* A frame period: the script's `frame` blocks about this long. */
#define APP_FRAME_MS 16
/* How long a script's `sync` waits for the outbox to drain. */
#define APP_SYNC_WAIT_MS 30000

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

/* Draw a frame for a script step; 1 with a reason when it fails. */
static int step_frame(struct app *a, char *why, size_t whylen)
{
	if (app_frame(a) != CA_OK) {
		snprintf(why, whylen, "the frame could not be drawn");
		return 1;
	}
	if (a->restart_now) {
		/* A script run restarts like the event loop (app_run_script). */
		snprintf(why, whylen, "restarting: the hub asked for it and the kiosk is idle");
		return 1;
	}
	return 0;
}

/* Press and release at (x, y), one frame each, as render_wait hands a
 * real touch to the UI. */
static int press_release(struct app *a, int x, int y, char *why, size_t whylen)
{
	int ret = 1;

	/* A worker's result that moves the layout must not land between the
	 * registry the tap was aimed with and the frame that takes it: the
	 * press and release frames leave results for the next frame. */
	a->input_frame = true;
	a->last_input_ms = app_now_ms(a);
	ui_input_pointer(a->ui, UI_POINTER_DOWN, x, y);
	if (step_frame(a, why, whylen))
		goto out;
	ui_input_pointer(a->ui, UI_POINTER_UP, x, y);
	if (step_frame(a, why, whylen))
		goto out;
	ret = 0;
out:
	a->input_frame = false;
	return ret;
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
	a->last_input_ms = app_now_ms(a);
	ui_input_text(a->ui, text);
	return step_frame(a, why, whylen);
}

/* Tap the keyboard key with widget id "kb.NAME". */
static int tap_key(struct app *a, const char *name, char *why, size_t whylen)
{
	char id[UI_ID_MAX + 1], what[96];

	snprintf(id, sizeof(id), "kb.%s", name);
	snprintf(what, sizeof(what), "@%s (on-screen keyboard)", id);
	return tap_widget(a, ui_find_id(a->ui, id), what, why, whylen);
}

/* pinyin "letters" N: tap each letter on the on-screen keyboard in 中
 * mode, then page the candidate bar to candidate N and tap it. */
static int op_pinyin(void *ctx, const char *letters, int cand, char *why, size_t whylen)
{
	struct app *a = ctx;
	size_t want = (size_t)cand - 1, first, count;
	char name[16];
	const char *p;
	int guard;

	if (!app_kb_open(a)) {
		snprintf(why, whylen, "the on-screen keyboard is not open (tap a field first)");
		return 1;
	}
	if (!kb_zh(&a->kb) || kb_layout_shown(&a->kb) != KB_LAYOUT_PINYIN) {
		snprintf(why, whylen, "the keyboard is not in 中 (pinyin) mode for this field");
		return 1;
	}
	for (p = letters; *p; p++) {
		snprintf(name, sizeof(name), "%c", *p == '\'' ? '\'' : *p);
		if (tap_key(a, name, why, whylen))
			return 1;
	}
	for (guard = 0; guard < 200; guard++) {
		first = kb_page_first(&a->kb);
		count = kb_page_count(&a->kb);
		if (count == 0) {
			snprintf(why, whylen, "no candidates for \"%s\"", letters);
			return 1;
		}
		if (want >= first && want < first + count) {
			snprintf(name, sizeof(name), "cand.%zu", want - first);
			return tap_key(a, name, why, whylen);
		}
		if (want >= first + count && !kb_has_next_page(&a->kb)) {
			snprintf(why, whylen, "\"%s\" has only %zu candidates, not %d", letters,
				 first + count, cand);
			return 1;
		}
		if (tap_key(a, want >= first + count ? "next" : "prev", why, whylen))
			return 1;
	}
	snprintf(why, whylen, "candidate %d not reached", cand);
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
	return step_frame(a, why, whylen);
}

static int op_wait_ms(void *ctx, long ms, char *why, size_t whylen)
{
	struct app *a = ctx;
	int64_t end = ca_mono_ms() + ms, left;

	while ((left = end - ca_mono_ms()) > 0) {
		int w = app_wait_ms(a);

		if (w >= 0 && w < left)
			left = w;
		render_wait(a->r, a->ui, (int)left);
		if (step_frame(a, why, whylen))
			return 1;
	}
	return 0;
}

static int op_advance_s(void *ctx, long secs, char *why, size_t whylen)
{
	struct app *a = ctx;

	a->clock_offset_ms += (int64_t)secs * 1000;
	return step_frame(a, why, whylen);
}

/* Wait until the outbox is drained and the hub has answered after this
 * step began (so the feed, too, has been asked once), or fail. */
static int op_sync(void *ctx, char *why, size_t whylen)
{
	struct app *a = ctx;
	int64_t t0 = ca_wall_ms(), end = ca_mono_ms() + APP_SYNC_WAIT_MS;
	int pending = 0, parked0 = 0, parked = 0;

	if (store_outbox_depth(a->st, &pending, &parked0) != CA_OK) {
		snprintf(why, whylen, "the outbox cannot be read: %s", store_errmsg(a->st));
		return 1;
	}
	if (!a->sync) {
		if (pending == 0)
			return 0;
		snprintf(why, whylen, "no hub configured ([kiosk] secret_file): %d "
			 "record(s) cannot be drained", pending);
		return 1;
	}
	sync_wake(a->sync);
	while (ca_mono_ms() < end) {
		render_wait(a->r, a->ui, 50);
		if (step_frame(a, why, whylen))
			return 1;
		if (store_outbox_depth(a->st, &pending, &parked) != CA_OK)
			continue;
		if (parked > parked0) {
			snprintf(why, whylen, "the hub refused %d record(s) for good: %s",
				 parked - parked0, a->sync_st.last_error);
			return 1;
		}
		if (pending == 0 && a->sync_seen && a->sync_st.online &&
		    a->sync_st.last_success_ms >= t0) {
			app_apps_dirty(a);
			return step_frame(a, why, whylen);
		}
	}
	snprintf(why, whylen, "%d record(s) still queued after %d s; last error: %s",
		 pending, APP_SYNC_WAIT_MS / 1000,
		 a->sync_st.last_error[0] ? a->sync_st.last_error : "(none)");
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

/* stall: the UI thread sleeps, no events, no frames, no watchdog pings:
 * what a hung UI looks like from outside (tests/hub/test_notify). */
static int op_stall_ms(void *ctx, long ms, char *why, size_t whylen)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	(void)ctx;
	(void)why;
	(void)whylen;
	log_warn("script", "stall: the UI thread blocks for %ld ms", ms);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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
		.stall_ms = op_stall_ms,
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
	return a->restart_now ? APP_EXIT_RESTART : status;
}
