/*
 * app.h - the kiosk application: its state, its screens and its loop.
 *
 * The app owns the renderer, the UI context, the on-screen keyboard, its
 * own connection to the local store, the sync engine (sync.h) and the
 * interactive-call worker (online.h). Each frame the screen function of the
 * current screen reads struct app and emits widgets; a tap changes struct
 * app (app_go, a store write, a request to the hub) and the frame is run
 * again. Nothing here talks to SDL: render.h does. Nothing here waits on
 * the network: the workers do, and the loop is woken when they report.
 *
 * Screens live in src/kiosk/screens/, by part of the business:
 *   scr_main.c     attract, login, home, the idle warning, maintenance mode
 *   scr_apply.c    application list, notice, form in steps, submit, delete,
 *                  application details
 *   scr_pay.c      payment list, method, bank, QR with countdown, result
 *   scr_order.c    order details (payment and processing records), 确认签收,
 *                  on-site states
 *   scr_invoice.c  e-invoice list and QR
 * and share the helpers declared below (app.c, kbview.c); the payment
 * screens also share pay_parts.c.
 *
 * Time: the app's clock is monotonic time plus clock_offset_ms, so that a
 * flow script's `advance 60s` moves countdowns and idle timers without
 * waiting (app_now_ms). Store timestamps are wall-clock Unix ms plus the
 * same offset (app_unix_ms); the pickup worker stamps its rows with the
 * same clock.
 *
 * Personal data: the session (phone, token), the form being filled and
 * every field buffer are wiped (app_end_session) when the person leaves,
 * logs out or is idle too long.
 */
#ifndef CA_KIOSK_APP_H
#define CA_KIOSK_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/invoice.h"
#include "core/msg.h"
#include "core/pay.h"
#include "core/valid.h"
#include "ime/keyboard.h"
#include "ui/render.h"
#include "ui/ui.h"
#include "kiosk/config/config.h"
#include "kiosk/net/online.h"
#include "kiosk/device/pickup.h"
#include "kiosk/net/sync.h"

/* Room for the shots directory path. */
#define APP_PATH_MAX 1024
/* app_run's exit status when the hub asked for a restart (ca-hubctl fleet
 * restart) and the kiosk was idle: its supervisor (systemd, Restart=always)
 * starts it again. docs/fleet.md. */
#define APP_EXIT_RESTART 75

/* Milliseconds between payment-order queries while a QR is shown: the
 * fallback. The hub pushes the payment through the change feed, and a
 * sync report on the QR screen asks at once (scr_pay.c, qr_poll). */
#define APP_PAY_POLL_MS 5000
/* Applications of one account the lists show at most. */
#define APP_APPS_MAX 200
/* Seconds before an SMS code can be asked for again. */
#define APP_SMS_RESEND_S 60

/* The screens. */
enum app_screen {
	APP_SCREEN_ATTRACT,      /* idle: product name, "touch to start" */
	APP_SCREEN_LOGIN,        /* phone and SMS code */
	APP_SCREEN_HOME,         /* CA申请, CA支付, 电子发票 */
	APP_SCREEN_APPLY_LIST,   /* the account's applications, status tabs */
	APP_SCREEN_NOTICE,       /* CA网上办理告知及确认书, 同意 after the end */
	APP_SCREEN_FORM,         /* the application form in steps */
	APP_SCREEN_APP_DETAIL,   /* one application: fields, status, reason, actions */
	APP_SCREEN_PAY_LIST,     /* approved applications: 未支付 / 已支付 / 已办理 */
	APP_SCREEN_PAY_METHOD,   /* 微信支付 or 个人网银 */
	APP_SCREEN_PAY_BANK,     /* the bank list */
	APP_SCREEN_PAY_QR,       /* the QR, the 300 s countdown, polling */
	APP_SCREEN_PAY_RESULT,   /* 支付成功 */
	APP_SCREEN_ORDER_DETAIL, /* payment record, processing records, 确认签收 */
	APP_SCREEN_INVOICE_LIST, /* paid orders with an e-invoice */
	APP_SCREEN_INVOICE_QR,   /* the invoice QR for the phone */
	APP_SCREEN_MAINT,        /* maintenance mode (behind the PIN) */
	APP_SCREEN__N
};

/* Modal dialogs (one at a time). */
enum app_dialog {
	APP_DLG_NONE,
	APP_DLG_SUBMIT,      /* 请输入意见 + 确认提交 */
	APP_DLG_DELETE,      /* confirm 删除申请 */
	APP_DLG_RECEIPT,     /* confirm 确认签收 */
	APP_DLG_LEAVE_FORM,  /* leave the form with unsaved changes? */
};

/* How to open the app. */
struct app_opts {
	int w, h;                   /* logical screen size */
	enum render_mode mode;      /* headless, window or full screen */
	const struct config *cfg;   /* borrowed for the app's life */
	const char *db_path;        /* the store file */
	const char *secret;         /* device secret; NULL or "": no hub (no sync, no login) */
	int64_t started_ms;         /* CLOCK_MONOTONIC ms at process start (first-frame log) */
};

/* The person at the screen, once logged in. */
struct app_session {
	bool active;                         /* logged in */
	char phone[12];                      /* the account */
	char token[ONLINE_TOKEN_MAX + 1];    /* for /v1/pay/... */
	int64_t token_expires_s;             /* hub clock */
};

/* The login screen. */
struct app_login {
	char phone[12];          /* typed phone */
	char code[8];            /* typed code */
	char demo_code[8];       /* the hub's demo code (demo mode only), else "" */
	int64_t sms_sent_ms;     /* app time the code was sent; 0 not yet */
	enum msg_id error;       /* shown under the form; MSG_NONE none */
	enum msg_id phone_err;   /* at the phone field */
};

/* The form being filled (new or edited). */
struct app_form {
	struct ca_app rec;       /* the record being edited (form fields) */
	bool existing;           /* rec.id is in the store (edit), else new */
	bool dirty;              /* changed since opened or saved */
	int step;                /* 1-based */
	bool show_errors;        /* validation errors shown (after 下一步/保存) */
	struct valid_report rep; /* the last validation */
	char sub_keys[4];        /* 副锁数量 as typed */
};

/* The payment in progress. */
struct app_pay {
	char app_id[CA_UUID_LEN + 1];   /* the application paid for */
	enum pay_method method;         /* chosen method */
	int bank;                       /* index into the bank list, -1 none */
	struct online_order order;      /* the order as last reported */
	bool have_order;                /* order is valid */
	int64_t hub_ms;                 /* hub time (ms) of the response that created it */
	int64_t local_at_ms;            /* app clock when that response came */
	int64_t next_poll_ms;           /* app time of the next query */
	unsigned store_gen;             /* app.store_gen when the last query went: a
					 * sync report since asks again at once */
	enum msg_id error;              /* what went wrong; MSG_NONE none */
};

/*
 * The screens' own state (src/kiosk/screens/): what a screen keeps between
 * frames beside the contracts above. It lives in struct app so that it
 * goes with the session: app_end_session and app_forget wipe it
 * (docs/privacy.md); the invoice's address and the pickup's application
 * are the person's.
 */

/* The form (scr_apply.c): the last store error, shown as a banner until
 * the next action, and the field the keyboard was scrolled into view for. */
struct app_scr_apply {
	enum msg_id form_err;          /* MSG_NONE: none */
	char revealed[UI_ID_MAX + 1];  /* kb_field scrolled into view ("" none) */
	int form_view_h;               /* the form's view height last frame */
};

/*
 * The dispenser in maintenance mode (scr_main.c): its status is asked for
 * once per visit (PICKUP_STATUS, when the screen opens, again by 刷新 and
 * after a restock) and shown as stock per slot and faults; 补满 sets a slot
 * to the configured [dispenser] stock (PICKUP_RESTOCK, which also clears a
 * jam; the worker records it for staff, pickup.h). Forgotten when the PIN
 * screen shows again.
 */
struct app_scr_maint {
	bool asked;                 /* a status was asked for on this visit */
	bool have;                  /* st holds the device's answer */
	bool no_answer;             /* the last status read found no device */
	bool pending;               /* an intent waits for staff (pickup.h) */
	struct disp_status st;      /* the last status */
	enum msg_id restock;        /* the last restock's result, MSG_NONE */
};

/* How far an on-site pickup of the order details got (scr_order.c). */
enum app_pk_state {
	APP_PK_IDLE,     /* nothing asked yet */
	APP_PK_BUSY,     /* the worker is dispensing */
	APP_PK_DONE,     /* the device confirmed the key */
	APP_PK_FAILED,   /* no key came out (fault text) */
	APP_PK_UNKNOWN,  /* the device stopped answering: staff check */
	APP_PK_REFUSED,  /* not sent (no device, refused, store error) */
};

/* The on-site pickup of the order details (scr_order.c): about one
 * application in one session; it starts over when another one is opened
 * or the session ends. */
struct app_scr_pickup {
	char app_id[CA_UUID_LEN + 1]; /* the application it is about, "" none */
	enum app_pk_state state;      /* how far */
	char result[24];              /* APP_PK_FAILED: the device's result name */
	int64_t give_up_ms;           /* APP_PK_BUSY: app time to stop waiting */
	unsigned session_no;          /* the session it belongs to */
	bool looked;                  /* slot and pending below are read */
	unsigned gen;                 /* the app's store_gen they were read at */
	int slot;                     /* pk_here: the key's slot here, 0 none */
	bool pending;                 /* pk_intent_for: an outcome is pending */
};

/*
 * The invoice QR screen's request and answer (scr_invoice.c). The QR code
 * is the address of the hub's invoice page, an opaque token the hub hands
 * out for this application (online.h, ONLINE_INVOICE); the screen shows a
 * spinner until it comes, and a message when the hub cannot be reached or
 * refuses (no invoice issued yet, session over). Wiped also when the list
 * shows again.
 */
struct app_scr_invoice {
	char app_id[CA_UUID_LEN + 1];   /* the application asked for, "" none */
	char url[ONLINE_URL_MAX + 1];   /* its page's address, "" until it came */
	enum msg_id error;              /* why there is none; MSG_NONE */
};

/* The e-invoices the hub sent for one application of the list
 * (app_invoice), by kind. */
struct app_invoices {
	struct ca_invoice inv[CA_INV_KIND__N]; /* valid where have[] */
	bool have[CA_INV_KIND__N];             /* the hub sent one of this kind */
};

/* The screens' own state, one member per screen group. */
struct app_screens {
	struct app_scr_apply apply;     /* the form (scr_apply.c) */
	struct app_scr_maint maint;     /* maintenance mode's dispenser (scr_main.c) */
	struct app_scr_pickup pickup;   /* the order details' pickup (scr_order.c) */
	struct app_scr_invoice invoice; /* the invoice QR (scr_invoice.c) */
};

struct app {
	const struct config *cfg;  /* borrowed */
	struct render *r;          /* the renderer (owned) */
	struct ui *ui;             /* the UI context (owned) */
	struct store *st;          /* the UI thread's store connection (owned) */
	struct sync *sync;         /* the sync engine (owned), NULL without a hub */
	struct online *net;        /* interactive calls (owned), NULL without a hub */
	struct ime *ime;           /* the pinyin engine (owned), NULL if it failed */
	struct kb kb;              /* the on-screen keyboard model */
	char kb_field[UI_ID_MAX + 1]; /* id of the field the keyboard edits ("" none) */
	bool kb_edited;            /* a key changed that field's text: app_field reports
				    * UI_RES_CHANGE once */

	enum app_screen screen;    /* what is shown */
	enum app_screen back_to;   /* where 返回 of a shared screen goes */
	enum app_dialog dialog;    /* open dialog */
	bool changed;              /* the screen changed during this frame: run it again */
	bool trim;                 /* another screen: give freed heap back after the frame */
	bool forget;               /* a session ended: app_forget after this frame */
	bool input_frame;          /* a scripted tap's frames: workers' results wait */
	_Atomic int64_t clock_offset_ms; /* virtual clock: app time = monotonic + this;
				    * atomic: the pickup worker reads it */
	int64_t last_input_ms;     /* app time of the last touch */
	unsigned session_no;       /* sessions ended so far: screen state kept
				    * per session compares it (scr_order.c) */

	struct sync_status sync_st; /* the newest sync status */
	bool sync_seen;            /* sync_st holds a real report */
	struct sync_facts facts;   /* what the sync engine's heartbeat was last told */
	bool restart_now;          /* the hub asked for a restart and the kiosk is
				    * idle: app_run returns APP_EXIT_RESTART */

	struct app_session session;
	int64_t purge_at_ms;       /* app_unix_ms of the next purge of finished
				    * orders (store_purge_finished); 0 = at once */
	struct app_login login;
	bool notice_end_seen;      /* the notice was scrolled to its end on this visit */
	int apply_tab;             /* application list tab */
	int pay_tab;               /* payment list tab */
	char sel_id[CA_UUID_LEN + 1]; /* the application a detail screen shows */
	struct app_form form;
	char comment[CA_TEXT_BUF(CA_COMMENT_MAX)]; /* the submit dialog's 意见 */
	struct app_pay pay;
	struct app_screens scr;    /* the screens' own state (wiped with the session) */
	struct ca_app *apps;       /* app_apps cache (APP_APPS_MAX, owned) */
	int napps;                 /* entries in apps */
	bool apps_stale;           /* reload apps on next use */
	struct app_invoices *invs; /* app_invoice cache, one per apps[i] (owned) */
	bool invs_stale;           /* reload invs on next use */
	unsigned store_gen;        /* bumped with apps_stale (app_apps_dirty): what a
				    * screen read from the store may have changed */
	bool queued[APP_APPS_MAX]; /* apps[i] has changes the hub has not acknowledged */
	int queued_rows;           /* pending outbox rows of the apps (the person's
				    * own: not the kiosk's, nor an earlier logout) */
	uint64_t net_seq;          /* the request the app waits for, 0 none */
	enum online_op net_op;     /* its op */
	struct online_result net_res; /* its result, once it came */
	bool net_res_ready;        /* net_res holds the result of net_seq */
	bool net_offline;          /* the last interactive call found no hub */
	struct pickup *disp;       /* the dispenser worker (owned), NULL with driver none */
	uint64_t disp_seq;         /* the pickup request the app waits for, 0 none */
	struct pickup_result disp_res; /* its result, once it came */
	bool disp_res_ready;       /* disp_res holds the result of disp_seq */

	int64_t wd_ms;             /* systemd watchdog ping period, ms; 0 none */

	char pin[12];              /* the PIN being typed */
	int maint_taps;            /* taps on the hidden corner */
	int64_t maint_tap_ms;      /* when the first of them came */
	bool maint;                /* maintenance mode unlocked */

	char shots_dir[APP_PATH_MAX]; /* where `shot` writes ("" none) */
};

/* ---- lifecycle and loop (app.c) ---- */

/*
 * Open the store, the renderer, the UI, the pinyin engine and (with a
 * secret) the sync engine and the online worker; show the attract screen.
 * CA_OK, or an error with a message in err (size errlen). Release with
 * app_release even after a failure.
 */
ca_err app_init(struct app *a, const struct app_opts *o, char *err, size_t errlen);
void app_release(struct app *a);

/* The app's clock, ms: monotonic plus the virtual offset. */
int64_t app_now_ms(const struct app *a);
/* Unix ms for store timestamps: wall clock plus the virtual offset. */
int64_t app_unix_ms(const struct app *a);
/* Today as YYYYMMDD (for the ID-number birth date check). */
int app_today(const struct app *a);

/* Run the UI until the frame is stable and draw it if it changed. */
ca_err app_frame(struct app *a);
/* The event loop until the window is closed (0), a frame fails (1), or the
 * hub asked for a restart and the kiosk is idle (APP_EXIT_RESTART). */
int app_run(struct app *a);
/* How long the loop may sleep before its next frame, ms (-1: until an
 * event): the UI's next deadline, the sync poll, the watchdog. */
int app_wait_ms(const struct app *a);
/* Run the flow script at path (app_script.c); returns its exit status, or
 * APP_EXIT_RESTART when the hub's restart cut it short (kiosk idle). */
int app_run_script(struct app *a, const char *path, const char *shots_dir);

/* ---- navigation and session (app.c) ---- */

/* Switch to screen s (from a widget's tap, during a frame). Closes any
 * dialog and the keyboard. */
void app_go(struct app *a, enum app_screen s);
/* Open dialog d (APP_DLG_NONE closes). */
void app_dialog(struct app *a, enum app_dialog d);
/* Wipe the session and every personal field; back to the attract screen.
 * The copies outside struct app (caches, workers, stacks) go in
 * app_forget, after the frame that shows the attract screen. */
void app_end_session(struct app *a);
/*
 * Forget the person everywhere the process keeps a copy (docs/privacy.md):
 * the UI's draw list and widget registry, the renderer's text and QR caches,
 * the pinyin engine's search state, the screens' own state (a->scr), the online
 * worker's requests, answers and connection, the store connection's page
 * cache, freed heap given back, and the UI thread's stack below the loop.
 * app_frame calls it after a session ended; the screen is drawn again in
 * full afterwards.
 */
void app_forget(struct app *a);
/* The current screen's widgets for one frame (dispatch by screen). */
void app_screen(struct app *a);

/* ---- screen helpers (app.c) ---- */

/* ui_screen_begin with the title, plus the offline / queue banner; true
 * when 返回 was tapped. */
bool app_screen_begin(struct app *a, const char *title, unsigned flags);
/* Whether the hub is configured (login, payment, sync possible). */
bool app_has_hub(const struct app *a);
/* Whether the last exchange with the hub failed (the offline banner). */
bool app_offline(const struct app *a);

/* Outbox rows waiting and parked (either may be NULL): from the sync
 * engine's last report, so a frame does not read the store; from the store
 * only when there is no engine or it has not reported yet (0 on error). */
void app_outbox_depth(struct app *a, int *pending, int *parked);
/* Whether application id has changes the hub has not acknowledged. */
bool app_queued(struct app *a, const char *id);
/* Tell the sync engine a change was committed. */
void app_sync_now(struct app *a);
/* Show a toast with a catalog text. */
void app_toast(struct app *a, enum msg_id id);
/* The status pill text and tone of an application for lists. */
const char *app_status_text(const struct ca_app *rec, enum ui_tone *tone);
/*
 * The logged-in account's applications, newest first, loaded from the
 * store and cached until something changes (a store write through the app,
 * a sync report, a screen change). *n gets the count (at most
 * APP_APPS_MAX). Borrowed until the next frame.
 */
const struct ca_app *app_apps(struct app *a, int *n);
/* Mark the cache of app_apps (and app_invoice) stale and bump store_gen
 * (after a store write, or a worker reporting one). */
void app_apps_dirty(struct app *a);
/* The e-invoice of kind k of application id of the account, from the
 * store through the same cache as app_apps (read once it is stale, for
 * the whole list); NULL when the hub sent none. Borrowed until the next
 * frame. */
const struct ca_invoice *app_invoice(struct app *a, const char *id, enum ca_inv_kind k);
/* Read application sel_id of the account into *out; false (and a toast)
 * when it is gone, e.g. deleted on another kiosk. */
bool app_sel(struct app *a, struct ca_app *out);
/* Keep the hub's snapshot of an application (from a payment query) in the
 * store, by the store's rule for hub snapshots (store.h). */
ca_err app_apply_hub(struct app *a, const struct ca_app *hub);
/* "¥300.00" of an amount in fen into buf ("¥-300.00" when negative). */
char *app_money(int64_t fen, char *buf, size_t n);

/* Send a request to the hub (the spinner shows while app_net_busy). */
void app_net_send(struct app *a, const struct online_req *req);
/* Whether a request sent with app_net_send has no result yet. */
bool app_net_busy(const struct app *a);
/* The result of the last request of op, once: true when it just arrived. */
bool app_net_take(struct app *a, enum online_op op, struct online_result *res);

/* Send a request to the dispenser worker (nothing when there is none:
 * app_disp_take then gives PICKUP_NO_DEVICE). */
void app_disp_send(struct app *a, const struct pickup_req *req);
/* Whether a request sent with app_disp_send has no result yet. */
bool app_disp_busy(const struct app *a);
/* The result of the last dispenser request of op, once. */
bool app_disp_take(struct app *a, enum pickup_op op, struct pickup_result *res);

/* ---- the on-screen keyboard (kbview.c) ---- */

/*
 * A text field that the on-screen keyboard edits: ui_field plus, when it
 * is tapped, the keyboard focused on buf with max_chars and kind. Returns
 * the ui_field result flags.
 */
int app_field(struct app *a, const char *id, enum msg_id caption, char *buf, size_t size,
	      size_t max_chars, enum kb_field_kind kind, const char *error);
/* Whether the keyboard is open (a field has the focus). */
bool app_kb_open(const struct app *a);
/* Height the keyboard takes at the bottom of the screen when open. */
int app_kb_height(const struct app *a);
/* Draw the keyboard (call last in a screen that has fields, before any
 * dialog). Closes itself on 确定 / 收起. */
void app_keyboard(struct app *a);
/* ui_dialog_begin that keeps the dialog clear of the keyboard when it is
 * open. A dialog with a field calls app_keyboard(a) BEFORE
 * ui_dialog_end, so the keys are on the dialog's layer and take taps. */
void app_dialog_begin(struct app *a, const char *id, const char *title);
/* Close the keyboard (leave the field). */
void app_kb_close(struct app *a);

/* ---- screens (scr_main.c, scr_apply.c, scr_pay.c, scr_order.c, scr_invoice.c) ---- */

void scr_attract(struct app *a);
void scr_login(struct app *a);
void scr_home(struct app *a);
void scr_maint(struct app *a);
/* The idle warning dialog over any screen, with remaining_s of total_s
 * left before the session is cleared (scr_main.c). */
void scr_idle(struct app *a, int remaining_s, int total_s);

void scr_apply_list(struct app *a);
void scr_notice(struct app *a);
void scr_form(struct app *a);
void scr_app_detail(struct app *a);
/* Open the form: for a new application (after the notice), or to edit id. */
void scr_form_open_new(struct app *a);
void scr_form_open_edit(struct app *a, const char *id);

void scr_pay_list(struct app *a);
void scr_pay_method(struct app *a);
void scr_pay_bank(struct app *a);
void scr_pay_qr(struct app *a);
void scr_pay_result(struct app *a);
void scr_order_detail(struct app *a);
void scr_invoice_list(struct app *a);
void scr_invoice_qr(struct app *a);
/* Start paying application id with method (and bank index for PAY_BANK):
 * sends the order request and shows the QR screen. */
void scr_pay_start(struct app *a, const char *id, enum pay_method m, int bank);

#endif
