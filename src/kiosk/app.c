/*
 * app.c - the kiosk application's lifecycle, event loop, shared screen
 * helpers and the idle rule. The flow-script runner that drives the same
 * UI is beside it, in app_script.c.
 *
 * The loop sleeps in render_wait until an event, the UI's next deadline,
 * a worker's wake-up (render_wake from the online worker) or at most a
 * second (to take the sync engine's reports), and draws only when a frame's
 * picture changed (ui_end hashes it).
 *
 * Start reading at app_run(), then app_frame() and app_screen().
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sdnotify.h"
#include "core/clock.h"
#include "core/cst.h"
#include "core/log.h"
#include "core/money.h"
#include "core/uuid.h"
#include "common/wipe.h"
#include "ime/ime.h"
#include "app.h"
#include "kiosk/store/store.h"

/* Frames run at most this many times for one input (reruns, screen changes). */
#define APP_RERUNS_MAX 8
/* The loop looks at the sync engine's reports at least this often. */
#define APP_SYNC_POLL_MS 1000
/* Pixels of cached text: a screen's texts with room to spare (a full
 * portrait form with the keyboard is under 0.5 Mpx; the notice's pages
 * and the application's details need about 1 Mpx between them: the demo
 * plan misses 60 % more often at 0.5 Mpx). 1 MiB where the renderer
 * blends text into the frame itself (8-bit coverage), 4 MiB where it
 * keeps textures (docs/bench-kiosk.md). */
#define APP_TEXT_CACHE_PX (1024u * 1024)
/* A toast's life. */
#define APP_TOAST_MS 3000
/* The first purge of finished orders after the start (store_purge_finished). */
#define APP_PURGE_DELAY_MS 5000

/* ---- clocks ---- */

int64_t app_now_ms(const struct app *a)
{
	return ca_mono_ms() + a->clock_offset_ms;
}

int64_t app_unix_ms(const struct app *a)
{
	return ca_wall_ms() + a->clock_offset_ms;
}

int app_today(const struct app *a)
{
	return ca_cst_day(app_unix_ms(a));
}

/* ---- lifecycle ---- */

/* The online worker has a result: wake the loop (any thread). */
static void wake_loop(void *ctx)
{
	(void)ctx;
	render_wake();
}

/* Start the hub side: the sync engine and the online worker. A failure is
 * logged; the kiosk goes on offline (drafts still save). */
static void start_workers(struct app *a, const struct app_opts *o)
{
	struct sync_opts so = { .db_path = o->db_path, .cfg = a->cfg,
				.secret = o->secret, .feed_wait_s = -1 };
	struct online_opts oo = { .cfg = a->cfg, .secret = o->secret,
				  .notify = wake_loop };
	ca_err rc;

	rc = sync_start(&so, &a->sync);
	if (rc != CA_OK)
		log_error("kiosk", "the sync engine did not start (%s); changes "
			  "stay queued", ca_strerror(rc));
	rc = online_start(&oo, &a->net);
	if (rc != CA_OK)
		log_error("kiosk", "the online worker did not start (%s); login "
			  "and payment are unavailable", ca_strerror(rc));
}

/* The pickup worker's clock: the app's (virtual in flow tests), so its
 * rows are stamped like the UI thread's. */
static int64_t pickup_clock(void *ctx)
{
	return app_unix_ms(ctx);
}

/* Start the dispenser worker when the kiosk has a dispenser ([dispenser]
 * driver sim or serial). A failure is logged; on-site orders then show the
 * pickup code for the counter. */
static void start_dispenser(struct app *a, const struct app_opts *o)
{
	struct pickup_opts po = { .cfg = a->cfg, .db_path = o->db_path,
				  .notify = wake_loop, .clock = pickup_clock,
				  .clock_ctx = a };
	ca_err rc;

	if (a->cfg->disp_driver == CONFIG_DISP_NONE)
		return;
	rc = pickup_start(&po, &a->disp);
	if (rc != CA_OK) {
		a->disp = NULL;
		log_error("kiosk", "the dispenser worker did not start (%s); on-site "
			  "orders show the pickup code", ca_strerror(rc));
	}
}

ca_err app_init(struct app *a, const struct app_opts *o, char *err, size_t errlen)
{
	/* The config's enums list the same choices in the same order. */
	static const enum render_driver drivers[] = {
		[CONFIG_VIDEO_AUTO] = RENDER_DRIVER_AUTO,
		[CONFIG_VIDEO_KMSDRM] = RENDER_DRIVER_KMSDRM,
		[CONFIG_VIDEO_WAYLAND] = RENDER_DRIVER_WAYLAND,
		[CONFIG_VIDEO_X11] = RENDER_DRIVER_X11,
	};
	static const enum render_renderer renderers[] = {
		[CONFIG_RENDERER_AUTO] = RENDER_RENDERER_AUTO,
		[CONFIG_RENDERER_SOFTWARE] = RENDER_RENDERER_SOFTWARE,
		[CONFIG_RENDERER_OPENGLES2] = RENDER_RENDERER_OPENGLES2,
		[CONFIG_RENDERER_OPENGL] = RENDER_RENDERER_OPENGL,
	};
	struct render_opts ro = { .w = o->w, .h = o->h, .mode = o->mode,
				  .font_regular = o->cfg->font, .font_index = -1,
				  .text_cache_px = APP_TEXT_CACHE_PX,
				  .driver = drivers[o->cfg->video],
				  .renderer = renderers[o->cfg->renderer],
				  .rotate = o->cfg->rotate };
	char how[RENDER_DESCRIBE_MAX];
	struct ui_metrics m;
	ca_err rc;

	memset(a, 0, sizeof(*a));
	a->cfg = o->cfg;
	a->screen = APP_SCREEN_ATTRACT;
	app_apps_dirty(a);
	a->apps = calloc(APP_APPS_MAX, sizeof(*a->apps));
	a->invs = calloc(APP_APPS_MAX, sizeof(*a->invs));
	if (!a->apps || !a->invs) {
		snprintf(err, errlen, "out of memory for the application list");
		rc = CA_ERR_NOMEM;
		goto out;
	}
	rc = store_open(o->db_path, &a->st, err, errlen);
	if (rc != CA_OK)
		goto out;
	rc = render_open(&a->r, &ro, err, errlen);
	if (rc != CA_OK)
		goto out;
	render_describe(a->r, how, sizeof(how));
	log_info("kiosk", "display: %s", how);
	m = render_metrics(a->r);
	a->ui = ui_new(o->w, o->h, &m);
	if (!a->ui) {
		snprintf(err, errlen, "out of memory for the UI");
		rc = CA_ERR_NOMEM;
		goto out;
	}
	a->last_input_ms = app_now_ms(a);
	/* The first purge of finished orders a few seconds after the start,
	 * not before the first frame. */
	a->purge_at_ms = app_unix_ms(a) + APP_PURGE_DELAY_MS;
	/* The first frame before anything slow: the dictionary and the
	 * workers come after the screen is up. */
	rc = app_frame(a);
	if (rc != CA_OK) {
		snprintf(err, errlen, "the first frame could not be drawn");
		goto out;
	}
	log_info("kiosk", "first frame after %lld ms",
		 (long long)(ca_mono_ms() - o->started_ms));
	if (ime_open(&a->ime, NULL) != CA_OK)
		log_error("kiosk", "the pinyin dictionary did not load; the "
			  "keyboard types letters only");
	kb_init(&a->kb, a->ime);
	if (o->secret && *o->secret)
		start_workers(a, o);
	else
		log_warn("kiosk", "no device secret ([kiosk] secret_file): no hub, "
			 "login and payment are unavailable");
	start_dispenser(a, o);
	/* Under systemd (ca-kiosk.service, Type=notify): the screen is up.
	 * The watchdog is pinged from app_frame, on this thread only, so a
	 * UI loop that hangs stops the pings and systemd restarts the kiosk. */
	a->wd_ms = sdnotify_watchdog_init("kiosk");
	if (sdnotify_send("READY=1\nSTATUS=on screen", err, errlen) != 0) {
		log_error("kiosk", "%s", err);
		err[0] = '\0';
	}
out:
	return rc;
}

void app_release(struct app *a)
{
	struct render_stats rs;

	if (a->r) {
		render_get_stats(a->r, &rs);
		log_info("kiosk", "frames %llu (%llu partial, %llu Mpx), text cache %d entries "
			 "%zu KiB (%llu hits, %llu misses, %llu evictions), font resizes %llu",
			 (unsigned long long)rs.frames, (unsigned long long)rs.partial_frames,
			 (unsigned long long)(rs.partial_px / 1000000), rs.text_entries,
			 rs.text_bytes / 1024, (unsigned long long)rs.text_hits,
			 (unsigned long long)rs.text_misses, (unsigned long long)rs.text_evictions,
			 (unsigned long long)rs.font_resizes);
		if (rs.wl_reused + rs.wl_switched > 0)
			log_info("kiosk", "wl_shm buffers: %llu frames over the shown one, %llu in "
				 "the other (%llu Mpx copied to bring it up to date), the other's "
				 "pages given back %llu times when quiet",
				 (unsigned long long)rs.wl_reused,
				 (unsigned long long)rs.wl_switched,
				 (unsigned long long)(rs.wl_copied_px / 1000000),
				 (unsigned long long)rs.wl_trims);
	}
	online_stop(a->net);
	sync_stop(a->sync);
	pickup_stop(a->disp);
	a->disp = NULL;
	a->net = NULL;
	a->sync = NULL;
	app_end_session(a);
	ime_close(a->ime);
	a->ime = NULL;
	ui_free(a->ui);
	render_free(a->r);
	store_close(a->st);
	free(a->apps);
	free(a->invs);
	a->ui = NULL;
	a->r = NULL;
	a->st = NULL;
	a->apps = NULL;
	a->invs = NULL;
}

/* ---- navigation and session ---- */

void app_go(struct app *a, enum app_screen s)
{
	app_kb_close(a);
	a->dialog = APP_DLG_NONE;
	a->screen = s;
	a->changed = true;
	a->trim = true;
	app_apps_dirty(a);
	/* A result nobody waits for any more must not block the next request. */
	a->net_seq = 0;
	a->net_res_ready = false;
}

void app_dialog(struct app *a, enum app_dialog d)
{
	app_kb_close(a);
	a->dialog = d;
	a->changed = true;
}

/* Wipe the screens' own state (struct app_screens): the invoice page's
 * address and the pickup's application are the person's. */
static void screens_forget(struct app *a)
{
	explicit_bzero(&a->scr, sizeof(a->scr));
	a->scr.apply.form_err = MSG_NONE;
	a->scr.maint.restock = MSG_NONE;
	a->scr.invoice.error = MSG_NONE;
}

void app_end_session(struct app *a)
{
	bool had = a->session.active;

	/* End the session at the hub too: forgotten here at once (below), the
	 * token goes out through the outbox, now or when the network is back
	 * (also after a restart). */
	if (had && a->session.token[0] && a->st) {
		ca_err rc = store_logout_queue(a->st, a->session.token, app_unix_ms(a), NULL);

		if (rc != CA_OK)
			log_error("kiosk", "the logout could not be queued for the hub: %s (%s); "
				  "the session ends there when it expires", store_errmsg(a->st),
				  ca_strerror(rc));
		else if (a->sync)
			sync_wake(a->sync);
	}
	/* What this person's session deleted leaves the write-ahead log now,
	 * not at some later checkpoint (store_scrub: a few ms, once). */
	if (had && a->st)
		store_scrub(a->st);

	app_kb_close(a);
	kb_reset(&a->kb);
	if (a->ime)
		ime_reset(a->ime);
	explicit_bzero(&a->session, sizeof(a->session));
	explicit_bzero(&a->login, sizeof(a->login));
	explicit_bzero(&a->form, sizeof(a->form));
	explicit_bzero(a->comment, sizeof(a->comment));
	explicit_bzero(&a->pay, sizeof(a->pay));
	screens_forget(a);
	explicit_bzero(&a->net_res, sizeof(a->net_res));
	explicit_bzero(a->pin, sizeof(a->pin));
	explicit_bzero(a->sel_id, sizeof(a->sel_id));
	if (a->apps)
		explicit_bzero(a->apps, sizeof(*a->apps) * APP_APPS_MAX);
	if (a->invs)
		explicit_bzero(a->invs, sizeof(*a->invs) * APP_APPS_MAX);
	a->napps = 0;
	a->queued_rows = 0;
	app_apps_dirty(a);
	a->net_seq = 0;
	a->net_res_ready = false;
	a->maint = false;
	a->maint_taps = 0;
	a->apply_tab = 0;
	a->pay_tab = 0;
	a->notice_end_seen = false;
	a->session_no++;
	a->forget = true;
	a->dialog = APP_DLG_NONE;
	a->screen = APP_SCREEN_ATTRACT;
	a->changed = true;
	if (a->ui)
		ui_set_focus(a->ui, NULL);
	if (had)
		log_info("kiosk", "session ended; personal data cleared");
}

/* ---- screen helpers ---- */

bool app_has_hub(const struct app *a)
{
	return a->net != NULL;
}

bool app_offline(const struct app *a)
{
	if (!a->sync && !a->net)
		return false; /* no hub configured: nothing to be offline from */
	if (a->net_offline)
		return true;
	return a->sync_seen && !a->sync_st.online && a->sync_st.last_attempt_ms > 0;
}

void app_outbox_depth(struct app *a, int *pending, int *parked)
{
	int p = 0, k = 0;

	if (a->sync_seen) {
		p = a->sync_st.pending;
		k = a->sync_st.parked;
	} else if (store_outbox_depth(a->st, &p, &k) != CA_OK) {
		p = k = 0;
	}
	if (pending)
		*pending = p;
	if (parked)
		*parked = k;
}

bool app_screen_begin(struct app *a, const char *title, unsigned flags)
{
	bool back = ui_screen_begin(a->ui, title, flags);

	if (app_offline(a))
		ui_banner(a->ui, msg(MSG_UI_OFFLINE), UI_TONE_WARNING);
	return back;
}

void app_sync_now(struct app *a)
{
	app_apps_dirty(a);
	if (a->sync)
		sync_wake(a->sync);
}

void app_toast(struct app *a, enum msg_id id)
{
	ui_toast(a->ui, msg(id), APP_TOAST_MS);
}

const char *app_status_text(const struct ca_app *rec, enum ui_tone *tone)
{
	static const enum ui_tone tones[CA_APP__N] = {
		[CA_APP_DRAFT] = UI_TONE_NEUTRAL,
		[CA_APP_PENDING_REVIEW] = UI_TONE_INFO,
		[CA_APP_APPROVED] = UI_TONE_SUCCESS,
		[CA_APP_REJECTED] = UI_TONE_DANGER,
	};

	*tone = (unsigned)rec->app_status < CA_APP__N ? tones[rec->app_status]
						       : UI_TONE_NEUTRAL;
	return msg(ca_app_status_msg(rec->app_status));
}

char *app_money(int64_t fen, char *buf, size_t n)
{
	char figures[MONEY_FIGURES_MAX];

	snprintf(buf, n, "¥%s", money_figures(fen, figures, sizeof(figures)));
	return buf;
}

/* store_app_each callback: collect into the cache. */
static int collect_app(const struct ca_app *rec, void *ctx)
{
	struct app *a = ctx;

	if (a->napps >= APP_APPS_MAX)
		return 1;
	a->apps[a->napps++] = *rec;
	return 0;
}

const struct ca_app *app_apps(struct app *a, int *n)
{
	int i, pending;

	if (a->apps_stale && a->session.active) {
		a->napps = 0;
		if (store_app_each(a->st, a->session.phone, ~0u, collect_app, a) != CA_OK)
			log_error("kiosk", "cannot read the applications: %s",
				  store_errmsg(a->st));
		a->queued_rows = 0;
		for (i = 0; i < a->napps; i++) {
			a->queued[i] = store_outbox_app_pending(a->st, a->apps[i].id,
								&pending) == CA_OK &&
				       pending > 0;
			if (a->queued[i])
				a->queued_rows += pending;
		}
		a->apps_stale = false;
	}
	*n = a->session.active ? a->napps : 0;
	return a->apps;
}

void app_apps_dirty(struct app *a)
{
	a->apps_stale = true;
	a->invs_stale = true;
	a->store_gen++;
}

/* store_invoice_each callback: the invoice into the slot of its
 * application in the list (none: not listed, left out). */
static int collect_invoice(const struct ca_invoice *inv, void *ctx)
{
	struct app *a = ctx;
	int i;

	for (i = 0; i < a->napps; i++) {
		if (!strcmp(a->apps[i].id, inv->app_id)) {
			a->invs[i].inv[inv->kind] = *inv;
			a->invs[i].have[inv->kind] = true;
			break;
		}
	}
	return 0;
}

const struct ca_invoice *app_invoice(struct app *a, const char *id, enum ca_inv_kind k)
{
	int i, n;

	app_apps(a, &n);
	if (a->invs_stale && a->session.active) {
		explicit_bzero(a->invs, sizeof(*a->invs) * APP_APPS_MAX);
		if (store_invoice_each(a->st, a->session.phone, collect_invoice, a) != CA_OK)
			log_error("kiosk", "cannot read the invoices: %s", store_errmsg(a->st));
		a->invs_stale = false;
	}
	for (i = 0; i < n && (unsigned)k < CA_INV_KIND__N; i++)
		if (!strcmp(a->apps[i].id, id))
			return a->invs[i].have[k] ? &a->invs[i].inv[k] : NULL;
	return NULL;
}

bool app_queued(struct app *a, const char *id)
{
	int i, n, pending = 0;

	app_apps(a, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(a->apps[i].id, id))
			return a->queued[i];
	return store_outbox_app_pending(a->st, id, &pending) == CA_OK && pending > 0;
}

bool app_sel(struct app *a, struct ca_app *out)
{
	if (a->sel_id[0] && store_app_get(a->st, a->sel_id, out) == CA_OK &&
	    a->session.active && !strcmp(out->account, a->session.phone))
		return true;
	app_toast(a, MSG_UI_APP_GONE);
	return false;
}

ca_err app_apply_hub(struct app *a, const struct ca_app *hub)
{
	struct store_change *ch = calloc(1, sizeof(*ch));
	int64_t cursor = 0;
	ca_err rc;

	if (!ch)
		return CA_ERR_NOMEM;
	ch->rev = hub->rev;
	ch->kind = STORE_CHANGE_APP;
	ch->u.app = *hub;
	rc = store_feed_cursor(a->st, &cursor);
	if (rc == CA_OK)
		rc = store_feed_apply(a->st, ch, 1, cursor, app_unix_ms(a), NULL);
	if (rc != CA_OK)
		log_error("kiosk", "the hub's copy of an application was not kept: "
			  "%s (%s)", store_errmsg(a->st), ca_strerror(rc));
	free(ch);
	app_apps_dirty(a);
	return rc;
}

/* ---- the hub: interactive calls and the sync engine's reports ---- */

void app_net_send(struct app *a, const struct online_req *req)
{
	a->net_res_ready = false;
	if (!a->net) {
		a->net_seq = 0;
		return;
	}
	a->net_seq = online_submit(a->net, req);
	a->net_op = req->op;
}

bool app_net_busy(const struct app *a)
{
	return a->net_seq != 0 && !a->net_res_ready;
}

bool app_net_take(struct app *a, enum online_op op, struct online_result *res)
{
	if (!a->net_res_ready || a->net_res.op != op)
		return false;
	*res = a->net_res;
	explicit_bzero(&a->net_res, sizeof(a->net_res));
	a->net_res_ready = false;
	a->net_seq = 0;
	return true;
}

void app_disp_send(struct app *a, const struct pickup_req *req)
{
	a->disp_res_ready = false;
	memset(&a->disp_res, 0, sizeof(a->disp_res));
	if (!a->disp) {
		/* No worker: an answer at once, so screens need no second path. */
		a->disp_res.op = req->op;
		a->disp_res.outcome = PICKUP_NO_DEVICE;
		a->disp_res.disp = DISP_NO_DISPENSER;
		a->disp_res_ready = true;
		a->disp_seq = 0;
		return;
	}
	a->disp_seq = pickup_submit(a->disp, req);
}

bool app_disp_busy(const struct app *a)
{
	return a->disp_seq != 0 && !a->disp_res_ready;
}

bool app_disp_take(struct app *a, enum pickup_op op, struct pickup_result *res)
{
	if (!a->disp_res_ready || a->disp_res.op != op)
		return false;
	*res = a->disp_res;
	a->disp_res_ready = false;
	a->disp_seq = 0;
	return true;
}

/* Whether nobody uses the kiosk: the attract screen, no session, no
 * dialog, no dispense in flight. */
static bool app_idle(const struct app *a)
{
	return a->screen == APP_SCREEN_ATTRACT && !a->session.active &&
	       a->dialog == APP_DLG_NONE && !app_disp_busy(a);
}

/* Tell the sync engine's heartbeat what only the app knows (display,
 * renderer, dispenser, idle), when it changed. */
static void feed_facts(struct app *a)
{
	struct render_stats rs;
	struct disp_status ds;
	struct sync_facts f;
	bool answered, unconfirmed;
	int i;

	memset(&f, 0, sizeof(f));
	render_get_stats(a->r, &rs);
	snprintf(f.video, sizeof(f.video), "%s", render_video_driver());
	snprintf(f.renderer, sizeof(f.renderer), "%s", rs.driver[0] ? rs.driver : "none");
	f.idle = app_idle(a);
	if (a->cfg->disp_driver == CONFIG_DISP_NONE) {
		f.disp = SYNC_DISP_NONE;
	} else {
		f.disp = SYNC_DISP_UNKNOWN;
		f.nslots = a->cfg->disp_slots;
		memset(&ds, 0, sizeof(ds));
		if (!a->disp) { /* configured, but its worker did not start */
			f.faults |= SYNC_FAULT_NO_ANSWER;
		} else if (pickup_health(a->disp, &ds, &answered, &unconfirmed)) {
			if (unconfirmed)
				f.faults |= SYNC_FAULT_UNCONFIRMED;
			if (!answered) {
				f.faults |= SYNC_FAULT_NO_ANSWER;
			} else {
				f.disp = SYNC_DISP_KNOWN;
				f.nslots = ds.nslots;
				for (i = 0; i < ds.nslots && i < CONFIG_DISP_SLOTS_MAX; i++)
					f.stock[i] = ds.stock[i];
				f.faults |= (ds.jam ? SYNC_FAULT_JAM : 0) |
					    (ds.door_open ? SYNC_FAULT_DOOR : 0) |
					    (ds.fault ? SYNC_FAULT_HW : 0);
			}
		}
	}
	if (memcmp(&f, &a->facts, sizeof(f)) != 0) {
		a->facts = f;
		sync_set_facts(a->sync, &f);
	}
}

/* Take what the workers reported since the last frame. */
static void poll_workers(struct app *a)
{
	struct sync_status st;

	while (a->sync && sync_poll(a->sync, &st)) {
		a->sync_st = st;
		a->sync_seen = true;
		app_apps_dirty(a); /* rows sent, feed applied: the lists change */
	}
	if (a->sync) {
		feed_facts(a);
		if (a->sync_seen && a->sync_st.restart_asked && !a->restart_now &&
		    app_idle(a)) {
			log_warn("kiosk", "restarting: the hub asked for it (staff, ca-hubctl "
				 "fleet restart) and the kiosk is idle; exit status %d",
				 APP_EXIT_RESTART);
			a->restart_now = true;
		}
	}
	if (a->net && a->net_seq && !a->net_res_ready &&
	    online_take(a->net, &a->net_res)) {
		if (a->net_res.seq == a->net_seq) {
			a->net_res_ready = true;
			a->net_offline = a->net_res.outcome == ONLINE_OFFLINE;
		} else {
			explicit_bzero(&a->net_res, sizeof(a->net_res));
		}
	}
	if (a->disp && a->disp_seq && !a->disp_res_ready &&
	    pickup_take(a->disp, &a->disp_res)) {
		if (a->disp_res.seq == a->disp_seq)
			a->disp_res_ready = true;
		if (a->disp_res.op == PICKUP_DISPENSE)
			app_apps_dirty(a); /* the record may be collected now */
	}
}

/* ---- the idle rule (docs/ui.md, Idle rule) ---- */

/* Whether the screen keeps its own time and the idle rule waits: the
 * payment QR while its order is open (payable, or the moment after the
 * countdown while the hub is asked), and a dispense in flight (the person
 * is waiting for the key; the screen has its own limit). Once the hub says
 * CHECKING (a close failed; that may take long), CLOSED or paid, the idle
 * rule runs again from a full idle_warn_s: the hub settles the order
 * whether or not the person stays, and the feed brings the outcome. */
static bool idle_exempt(const struct app *a)
{
	if (a->screen == APP_SCREEN_ORDER_DETAIL && app_disp_busy(a))
		return true;
	return a->screen == APP_SCREEN_PAY_QR && a->pay.have_order &&
	       a->pay.order.state == PAY_NOTPAY && !a->pay.order.checking;
}

/* Once a day (and at start), while nobody is logged in: the personal
 * data of orders finished more than [privacy] purge_days ago leaves the
 * store (store_purge_finished). */
static void purge_rule(struct app *a)
{
	int64_t now = app_unix_ms(a), n_ms;
	int n = 0;
	ca_err rc;

	if (!a->st || a->session.active)
		return;
	if (now < a->purge_at_ms) {
		ui_wake_at(a->ui, app_now_ms(a) + (a->purge_at_ms - now));
		return;
	}
	n_ms = (int64_t)a->cfg->purge_days * 86400 * 1000;
	rc = store_purge_finished(a->st, now - n_ms, &n);
	/* A failure (the file busy) is tried again in an hour. */
	a->purge_at_ms = now + (rc == CA_OK ? 86400 : 3600) * (int64_t)1000;
	if (rc != CA_OK)
		log_error("kiosk", "purging finished orders failed: %s (%s)",
			  store_errmsg(a->st), ca_strerror(rc));
	else if (n > 0)
		app_apps_dirty(a);
}

/* Warn after idle_warn_s without a touch, clear after idle_reset_s more. */
static void idle_rule(struct app *a)
{
	int64_t now = app_now_ms(a), warn_at, reset_at;

	purge_rule(a);
	if (a->screen == APP_SCREEN_ATTRACT && !a->session.active) {
		a->last_input_ms = now;
		return;
	}
	if (idle_exempt(a))
		a->last_input_ms = now;
	warn_at = a->last_input_ms + (int64_t)a->cfg->idle_warn_s * 1000;
	reset_at = warn_at + (int64_t)a->cfg->idle_reset_s * 1000;
	if (now >= reset_at) {
		log_info("kiosk", "idle for %d s: clearing the session",
			 a->cfg->idle_warn_s + a->cfg->idle_reset_s);
		app_end_session(a);
		return;
	}
	if (now < warn_at) {
		ui_wake_at(a->ui, warn_at);
		return;
	}
	scr_idle(a, (int)((reset_at - now + 999) / 1000), a->cfg->idle_reset_s);
	/* The next second of the countdown. */
	ui_wake_at(a->ui, now + 1000 - (now - warn_at) % 1000);
}

/* Dispatch by screen, then the idle rule (its warning is a dialog). */
void app_screen(struct app *a)
{
	static void (*const screens[APP_SCREEN__N])(struct app *) = {
		[APP_SCREEN_ATTRACT] = scr_attract,
		[APP_SCREEN_LOGIN] = scr_login,
		[APP_SCREEN_HOME] = scr_home,
		[APP_SCREEN_APPLY_LIST] = scr_apply_list,
		[APP_SCREEN_NOTICE] = scr_notice,
		[APP_SCREEN_FORM] = scr_form,
		[APP_SCREEN_APP_DETAIL] = scr_app_detail,
		[APP_SCREEN_PAY_LIST] = scr_pay_list,
		[APP_SCREEN_PAY_METHOD] = scr_pay_method,
		[APP_SCREEN_PAY_BANK] = scr_pay_bank,
		[APP_SCREEN_PAY_QR] = scr_pay_qr,
		[APP_SCREEN_PAY_RESULT] = scr_pay_result,
		[APP_SCREEN_ORDER_DETAIL] = scr_order_detail,
		[APP_SCREEN_INVOICE_LIST] = scr_invoice_list,
		[APP_SCREEN_INVOICE_QR] = scr_invoice_qr,
		[APP_SCREEN_MAINT] = scr_maint,
	};
	enum app_screen s = a->screen;

	/* Screens past login need a session: never show them without one. */
	if (s > APP_SCREEN_LOGIN && s != APP_SCREEN_MAINT && !a->session.active)
		s = a->screen = APP_SCREEN_ATTRACT;
	screens[s](a);
	if (a->screen != s)
		return; /* it switched: the frame runs again */
	idle_rule(a);
}

/* ---- frames and the loop ---- */

void app_forget(struct app *a)
{
	int64_t t0 = ca_mono_ms();
	size_t stack;

	a->forget = false;
	if (a->ui)
		ui_forget(a->ui);
	if (a->r)
		render_forget(a->r);
	if (a->ime)
		ime_forget(a->ime);
	kb_reset(&a->kb);
	screens_forget(a);
	if (a->net)
		online_forget(a->net);
	if (a->st)
		store_forget(a->st);
	if (a->apps)
		explicit_bzero(a->apps, sizeof(*a->apps) * APP_APPS_MAX);
	if (a->invs)
		explicit_bzero(a->invs, sizeof(*a->invs) * APP_APPS_MAX);
	explicit_bzero(&a->net_res, sizeof(a->net_res));
	explicit_bzero(&a->disp_res, sizeof(a->disp_res));
	/* Freed blocks are zeroed already (zfree.c); the free pages go back
	 * to the system. */
	malloc_trim(0);
	stack = wipe_stack();
	log_info("kiosk", "copies of the session forgotten in %lld ms (stack emptied over %zu KiB, "
		 "freed heap %s)", (long long)(ca_mono_ms() - t0), stack / 1024,
		 wipe_heap_active() ? "zeroed" : "NOT zeroed: sanitizer build");
}

/* Run the screen until it is stable; whether it changed. */
static bool run_frames(struct app *a)
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
	return dirty;
}

ca_err app_frame(struct app *a)
{
	bool dirty;

	sdnotify_watchdog_tick(ca_mono_ms());
	if (!a->input_frame)
		poll_workers(a);
	dirty = run_frames(a);
	if (dirty && render_frame(a->r, ui_draw_list(a->ui)) != CA_OK)
		return CA_ERR_IO;
	if (a->forget) {
		/* The attract screen is up: now every other copy of the person
		 * goes, and the screen is drawn again from nothing. */
		app_forget(a);
		dirty = run_frames(a);
		if (dirty && render_frame(a->r, ui_draw_list(a->ui)) != CA_OK)
			return CA_ERR_IO;
	}
	if (!dirty)
		return CA_OK;
	if (a->trim) {
		/* The last screen's texts and rows are freed by now: hand the
		 * free pages back to the system, so that what the kiosk holds
		 * is what the screen uses (docs/architecture.md, Budgets: PSS), not its high water
		 * mark. A fraction of a millisecond, once per screen. */
		a->trim = false;
		malloc_trim(0);
	}
	return CA_OK;
}

int app_wait_ms(const struct app *a)
{
	int64_t d = ui_next_deadline(a->ui), wait = -1;

	if (d >= 0) {
		wait = d - app_now_ms(a);
		if (wait < 0)
			wait = 0;
	}
	if (a->sync && (wait < 0 || wait > APP_SYNC_POLL_MS))
		wait = APP_SYNC_POLL_MS;
	if (wait > 60000)
		wait = 60000;
	/* A frame at least every watchdog period, so an idle screen pings. */
	if (a->wd_ms > 0 && (wait < 0 || wait > a->wd_ms))
		wait = a->wd_ms;
	return (int)wait;
}

int app_run(struct app *a)
{
	for (;;) {
		int f = render_wait(a->r, a->ui, app_wait_ms(a));

		if (f & RENDER_QUIT)
			break;
		if (f & RENDER_INPUT) {
			/* The touch is taken on the layout the person saw; what
			 * the workers reported lands in the frame after. */
			a->last_input_ms = app_now_ms(a);
			a->input_frame = true;
			if (app_frame(a) != CA_OK)
				goto fail;
			a->input_frame = false;
		}
		if (app_frame(a) != CA_OK)
			goto fail;
		if (a->restart_now)
			return APP_EXIT_RESTART;
	}
	return 0;
fail:
	log_error("kiosk", "a frame could not be drawn; stopping");
	return 1;
}

