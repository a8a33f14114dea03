/*
 * main.c - ca-hubctl, the staff and operator CLI of the hub.
 *
 * Every command but two is one request to the hub's /v1/admin/ API over
 * HTTPS (libcurl; the hub's certificate is verified against --cacert or the
 * system store, host name included), as a named staff member: the token of
 * "ca-hubctl login NAME" (kept in a 0600 file), never given on the command
 * line; on the hub's own machine DATA_DIR/admin.token is the built-in
 * account "host" (staff accounts and devices only). See find_token(). The
 * answer is printed for a person, or as the hub's JSON with --json. backup
 * and restore work on the store file in DATA_DIR itself
 * (src/hub/datadir.c), see local().
 *
 * Exit status: 0 done; 1 the hub refused (its message is printed), or a
 * backup or restore failed; 2 bad usage; 3 the hub could not be reached
 * (network, TLS).
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/bodybuf.h"
#include "common/filesave.h"
#include "common/paths.h"
#include "core/codec.h"
#include "core/cst.h"
#include "core/fsm.h"
#include "core/msg.h"
#include "core/version.h"
#include "hub/datadir.h"
#include "hub/staff.h"


#define RESP_MAX (4 * 1024 * 1024)

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NET = 3 };

/* Global options. */
struct ctl {
	const char *hub;        /* base URL */
	const char *cacert;     /* CA file, or NULL for the system store */
	char token[128];        /* the staff member's token (or the host's) */
	const char *token_file; /* --token-file: where login keeps it, NULL: default */
	const char *data_dir;   /* the hub's data directory (host token, backups) */
	bool json;              /* print the hub's JSON */
};

static void usage(FILE *f, bool full)
{
	fprintf(f,
		"usage: ca-hubctl [--hub URL] [--cacert FILE] [--token-file FILE]\n"
		"                 [--data-dir DIR] [--json] COMMAND [ARGS]\n"
		"       ca-hubctl --help | --version\n");
	if (!full)
		return;
	fprintf(f,
		"\n"
		"Staff and operator commands for the CA kiosk hub (ca-hub), as a named\n"
		"staff member: log in once (the token is kept in a file of mode 0600).\n"
		"\n"
		"Commands:\n"
		"  login NAME                   log in; the password is read from the\n"
		"                               terminal (or one line of standard input)\n"
		"  logout                       end this token and remove its file\n"
		"  whoami                       the account the token acts as, its roles\n"
		"  list [--status S] [--q TEXT] [--after CURSOR] [--limit N]\n"
		"                               applications, the longest waiting first\n"
		"                               (S: draft, pending_review, approved,\n"
		"                               rejected; TEXT: part of a company name, or a\n"
		"                               USCC, phone or application number); a page\n"
		"                               at a time, the next with --after\n"
		"  show ID                      one application: every field, its history\n"
		"                               and processing records (China time)\n"
		"  approve ID                   审核通过; the price comes from the hub's table\n"
		"  reject ID --reason TEXT      审核不通过, with the reason the user sees\n"
		"  record ID --text TEXT        add a processing record (办理记录)\n"
		"  ship ID --tracking NO        mailed (已发货), with the tracking number\n"
		"  ready ID --kiosk K [--slot S]  ready for pickup at kiosk K (slot S)\n"
		"  handover ID                  窗口交付: the key handed over at the counter;\n"
		"                               the handler's ID number, read from the card,\n"
		"                               on standard input, must match the application\n"
		"  invoice ID                   mark the e-invoice issued\n"
		"  refund ID --reason TEXT      退款: give the payment back (only before the key\n"
		"                               went out: not shipped, not in a kiosk); the\n"
		"                               reason becomes a processing record\n"
		"  pickup-code CODE             the on-site orders waiting for pickup whose\n"
		"                               6-digit pickup code is CODE (not unique:\n"
		"                               check the company and the ID card)\n"
		"  restocks [--kiosk K]         restocks of the kiosks' key dispensers,\n"
		"                               newest first (kiosk's time, local)\n"
		"  fleet                        every kiosk: online or offline, last heartbeat\n"
		"                               (China time), version, queue, key stock and\n"
		"                               faults; kiosks that need attention first,\n"
		"                               marked '!' (docs/fleet.md)\n"
		"  fleet restart ID             kiosk ID restarts its app when idle (asked\n"
		"                               through its next heartbeat)\n"
		"  fleet logs ID [--wait S]     ask kiosk ID for its recent log lines (masked)\n"
		"                               and print them; waits up to S seconds\n"
		"                               (default 150); --wait 0 prints the last sent\n"
		"  server                       connections, parked long-polls, wake-ups and\n"
		"                               connections cut for a deadline, now\n"
		"  device add ID                provision a kiosk; prints its secret once\n"
		"  device list                  kiosks, enabled or not, last seen\n"
		"  device disable ID            refuse the kiosk from now on\n"
		"  staff list                   staff accounts, their roles, last login\n"
		"  staff add NAME --display 姓名 --roles R1,R2\n"
		"                               a new account (roles: review 审核员, counter\n"
		"                               窗口, finance 财务, ops 运维, admin 管理员, all);\n"
		"                               its first password from standard input (an\n"
		"                               empty line: none yet, no login)\n"
		"  staff passwd NAME            set the password (standard input); the\n"
		"                               account's sessions and tokens end\n"
		"  staff roles NAME --roles R   change the roles\n"
		"  staff disable NAME           no more logins; its sessions end at once\n"
		"  staff enable NAME            allow it again\n"
		"  audit [--staff N] [--action A] [--target T] [--q TEXT] [--before SEQ]\n"
		"        [--limit N]            the audit trail, newest first\n"
		"  sms last PHONE               last login code (development SMS provider)\n"
		"  clock advance SECONDS        move the hub's virtual clock forward\n"
		"                               (hub started with --virtual-clock)\n"
		"  pay OUT_TRADE_NO             the customer pays the order's QR code, as a\n"
		"                               phone would, at the provider simulator the\n"
		"                               hub's provider answers at (runs ca-paysim\n"
		"                               pay: $CA_PAYSIM, beside ca-hubctl, or PATH);\n"
		"                               refused once time_expire has passed\n"
		"  pay show OUT_TRADE_NO        the order as the hub sees it and as its\n"
		"                               provider answers a query now\n"
		"  backup FILE                  a consistent copy of DATA_DIR/hub.db, taken\n"
		"                               while the hub runs (mode 0600; FILE must not\n"
		"                               exist)\n"
		"  restore BACKUP               with the hub stopped: BACKUP becomes\n"
		"                               DATA_DIR/hub.db with a new epoch, so every\n"
		"                               kiosk reads its feed again from the start;\n"
		"                               the replaced store is kept beside it\n"

		"\n"
		"Options:\n"
		"  --hub URL          the hub (default $CA_HUB_URL, else https://127.0.0.1:8443)\n"
		"  --cacert FILE      CA certificate(s) that verify the hub's TLS certificate\n"
		"  --token-file FILE  where login keeps the token and the commands read it\n"
		"                     (default $CA_HUBCTL_TOKEN_FILE, else\n"
		"                     ~/.config/ca-hubctl/token)\n"
		"  --data-dir DIR     the hub's data directory (default " PATHS_HUB_STATE "):\n"
		"                     backup, restore, and its admin.token when no staff token\n"
		"                     is found (the hub machine's operator: staff and devices)\n"
		"  --json             print the hub's JSON answer as it is\n"
		"\n"
		"The token is never given on the command line; $CA_HUBCTL_TOKEN may hold it\n"
		"(for scripts). Exit status: 0 done, 1 refused by the hub (or backup/restore\n"
		"failed), 2 bad usage, 3 hub not reachable.\n");
}

/* Response buffer for curl. */
struct buf {
	char *p;     /* data, NUL-terminated */
	size_t n;    /* bytes */
	bool over;   /* over RESP_MAX */
};

static size_t on_data(char *d, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t n = size * nmemb;
	ca_err e = bodybuf_append(&b->p, &b->n, d, n, RESP_MAX);

	if (e == CA_ERR_TOO_LONG)
		b->over = true;
	return e ? 0 : n;
}

/*
 * One request: method, path (appended to the hub URL), body (JSON text or
 * NULL). Returns the exit status; *out gets the parsed answer on 2xx.
 */
static int call(const struct ctl *c, const char *method, const char *path, json_t *body,
		json_t **out)
{
	char url[2048], auth[200], errbuf[CURL_ERROR_SIZE] = "", ua[80];
	struct curl_slist *h = NULL;
	struct buf b = { 0 };
	char *text = NULL;
	long status = 0;
	json_t *j = NULL;
	CURL *cu;
	CURLcode rc;
	int ret = EXIT_NET;

	*out = NULL;
	snprintf(ua, sizeof(ua), "ca-hubctl/%s", ca_version());
	snprintf(url, sizeof(url), "%s%s", c->hub, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
	cu = curl_easy_init();
	if (!cu)
		return EXIT_NET;
	if (c->token[0])
		h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, errbuf);
	if (c->cacert)
		curl_easy_setopt(cu, CURLOPT_CAINFO, c->cacert);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, text ? text : "{}");
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, "");
	}
	rc = curl_easy_perform(cu);
	if (rc != CURLE_OK) {
		fprintf(stderr, "ca-hubctl: %s: %s\n", c->hub,
			errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	j = b.p ? json_loads(b.p, 0, NULL) : NULL;
	if (status >= 200 && status < 300 && j) {
		*out = j;
		j = NULL;
		ret = EXIT_OK;
	} else {
		json_t *e = json_object_get(j, "error");
		json_t *f = json_object_get(e, "fields");
		size_t i;
		json_t *x;

		fprintf(stderr, "ca-hubctl: hub answered %ld: %s\n", status,
			json_string_value(json_object_get(e, "message"))
				? json_string_value(json_object_get(e, "message"))
				: (b.p ? b.p : "(no body)"));
		json_array_foreach(f, i, x)
			fprintf(stderr, "  %s: %s\n",
				json_string_value(json_object_get(x, "field")),
				json_string_value(json_object_get(x, "message")));
		ret = EXIT_REFUSED;
	}
out:
	json_decref(j);
	free(text);
	free(b.p);
	curl_slist_free_all(h);
	curl_easy_cleanup(cu);
	return ret;
}

/* The file of the staff token: --token-file, $CA_HUBCTL_TOKEN_FILE, or
 * $XDG_CONFIG_HOME/ca-hubctl/token (~/.config/...). false when there is no
 * home to put it in. */
static bool token_path(const struct ctl *c, char *out, size_t n)
{
	const char *env = getenv("CA_HUBCTL_TOKEN_FILE"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (c->token_file)
		snprintf(out, n, "%s", c->token_file);
	else if (env && *env)
		snprintf(out, n, "%s", env);
	else if (xdg && *xdg)
		snprintf(out, n, "%s/ca-hubctl/token", xdg);
	else if (home && *home)
		snprintf(out, n, "%s/.config/ca-hubctl/token", home);
	else
		return false;
	return true;
}

/* The first line of file path into out; false when it cannot be read or
 * is empty (quiet: the caller tries the next place). */
static bool read_line_file(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (!fgets(out, (int)n, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] != '\0';
}

/*
 * The token the commands send, into c->token: $CA_HUBCTL_TOKEN, else the
 * token file (token_path), else the hub machine's DATA_DIR/admin.token
 * (readable only by the hub's operator). false, having said what to do,
 * when there is none.
 */
static bool find_token(struct ctl *c)
{
	const char *env = getenv("CA_HUBCTL_TOKEN");
	char path[1024];

	if (env && *env) {
		snprintf(c->token, sizeof(c->token), "%s", env);
		return true;
	}
	if (token_path(c, path, sizeof(path)) && read_line_file(path, c->token, sizeof(c->token)))
		return true;
	snprintf(path, sizeof(path), "%s/admin.token", c->data_dir);
	if (read_line_file(path, c->token, sizeof(c->token)))
		return true;
	fprintf(stderr, "ca-hubctl: not logged in: run ca-hubctl login NAME (no token in "
		"$CA_HUBCTL_TOKEN, the token file or %s)\n", path);
	return false;
}

/* Read a secret line (a password, an ID number) from standard input into
 * out: on a terminal after prompt, without echo. false when none came. */
static bool read_secret(const char *prompt, char *out, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	bool ok;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = fgets(out, (int)n, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!ok)
		return false;
	if (!strchr(out, '\n') && !feof(stdin)) {
		fprintf(stderr, "ca-hubctl: the line is too long\n");
		return false;
	}
	out[strcspn(out, "\r\n")] = '\0';
	return true;
}

/* The value after option name in args (e.g. --reason X), or NULL. Every
 * argument must be a known option with a value. */
static bool opt_values(int argc, char **argv, const char *const *names, const char **vals)
{
	int i, k;

	for (i = 0; i < argc; i++) {
		for (k = 0; names[k]; k++)
			if (!strcmp(argv[i], names[k]))
				break;
		if (!names[k] || i + 1 >= argc) {
			fprintf(stderr, "ca-hubctl: %s: %s\n", argv[i],
				names[k] ? "needs a value" : "unknown option here");
			return false;
		}
		vals[k] = argv[++i];
	}
	return true;
}

/* fen as "yuan.jiao-fen" text, in integers (no floating point for money). */
static const char *yuan(json_int_t fen, char buf[32])
{
	snprintf(buf, 32, "%s%lld.%02lld", fen < 0 ? "-" : "",
		 (long long)(fen < 0 ? -fen : fen) / 100, (long long)(fen < 0 ? -fen : fen) % 100);
	return buf;
}

/* Unix seconds as UTC text, or "never" for 0. */
static const char *when(json_int_t s, char buf[32])
{
	time_t t = (time_t)s;
	struct tm tm;

	if (s <= 0)
		return "never";
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Unix ms as China time text (cst.h), seconds precision. */
static const char *local_ms(json_int_t ms, char buf[32])
{
	return ca_cst_format(ms, "%Y-%m-%d %H:%M:%S", buf, 32);
}

/* The restocks table: kiosk's time, kiosk, slot, before -> after. */
static void print_restocks(json_t *r)
{
	json_t *list = json_object_get(r, "restocks"), *x;
	char w[32], before[24];
	size_t i;

	if (json_array_size(list) == 0) {
		printf("(no restocks)\n");
		return;
	}
	printf("%-19s  %-32s %4s  %s\n", "time (kiosk)", "kiosk", "slot", "keys before → after");
	json_array_foreach(list, i, x) {
		json_int_t b = json_integer_value(json_object_get(x, "before"));

		if (b < 0)
			snprintf(before, sizeof(before), "?");
		else
			snprintf(before, sizeof(before), "%lld", (long long)b);
		printf("%-19s  %-32s %4lld  %s → %lld\n",
		       local_ms(json_integer_value(json_object_get(x, "at_ms")), w),
		       json_string_value(json_object_get(x, "kiosk")),
		       (long long)json_integer_value(json_object_get(x, "slot")), before,
		       (long long)json_integer_value(json_object_get(x, "after")));
	}
}

/* The orders of a pickup code, one line each; the reminder to check. */
static void print_code_orders(json_t *r)
{
	json_t *list = json_object_get(r, "orders"), *x;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("no order with this code\n");
		return;
	}
	json_array_foreach(list, i, x) {
		const char *kiosk = json_string_value(json_object_get(x, "kiosk"));
		const char *slot = json_string_value(json_object_get(x, "slot"));

		printf("%-36s  %-16s %s  handler %s  %s", json_string_value(json_object_get(x, "id")),
		       json_string_value(json_object_get(x, "proc_status")),
		       json_string_value(json_object_get(x, "company")),
		       json_string_value(json_object_get(x, "handler")),
		       json_string_value(json_object_get(x, "account")));
		if (kiosk)
			printf("  at %s%s%s", kiosk, slot && *slot ? " slot " : "",
			       slot && *slot ? slot : "");
		printf("\n");
	}
	if (json_is_true(json_object_get(r, "more")))
		printf("(more orders have this code; the list is cut)\n");
	printf("The code is not unique: check the company name and the ID card.\n");
}

/* The dispenser faults of a fleet row as catalog text. */
static void fault_text(json_t *faults, char *out, size_t n)
{
	static const struct { const char *name; enum msg_id id; } names[] = {
		{ "jam", MSG_UI_MAINT_DISP_JAM }, { "door_open", MSG_UI_MAINT_DISP_DOOR },
		{ "fault", MSG_UI_MAINT_DISP_HW }, { "no_answer", MSG_UI_MAINT_DISP_NO_ANSWER },
		{ "unconfirmed", MSG_FLEET_UNCONFIRMED },
	};
	size_t i, k, used;
	json_t *x;

	if (json_array_size(faults) == 0) {
		snprintf(out, n, "%s", msg(MSG_FLEET_NO_FAULT));
		return;
	}
	used = (size_t)snprintf(out, n, "%s", msg(MSG_FLEET_FAULTS));
	json_array_foreach(faults, i, x) {
		const char *f = json_string_value(x), *t = f ? f : "?";

		for (k = 0; f && k < sizeof(names) / sizeof(names[0]); k++)
			if (!strcmp(f, names[k].name))
				t = msg(names[k].id);
		if (used < n)
			used += (size_t)snprintf(out + used, n - used, "%s%s", i ? "、" : "", t);
	}
}

/* One kiosk of the fleet: '!' first when it needs attention. */
static void print_fleet_row(json_t *k)
{
	json_t *beat = json_object_get(k, "beat"), *d = json_object_get(beat, "dispenser");
	json_t *outbox = json_object_get(beat, "outbox"), *x;
	const char *state = json_string_value(json_object_get(k, "state"));
	json_int_t seen = json_integer_value(json_object_get(k, "received_ms"));
	json_int_t skew = json_integer_value(json_object_get(beat, "skew_hub_s"));
	char w[32], f[256], line[128];
	enum msg_id sid;
	size_t i;

	if (!state)
		state = "never";
	sid = !json_is_true(json_object_get(k, "enabled")) ? MSG_FLEET_DISABLED
	      : !strcmp(state, "online") ? MSG_FLEET_ONLINE
	      : !strcmp(state, "offline") ? MSG_FLEET_OFFLINE : MSG_FLEET_NEVER;
	printf("%s %-20s %s  %s %s", json_is_true(json_object_get(k, "attention")) ? "!" : " ",
	       json_string_value(json_object_get(k, "id")), msg(sid), msg(MSG_FLEET_LAST_SEEN),
	       seen > 0 ? local_ms(seen, w) : msg(MSG_FLEET_NEVER_SEEN));
	if (seen <= 0) {
		printf("\n");
		return;
	}
	printf("  %s %s  %s %s  %s %s", msg(MSG_FLEET_VERSION),
	       json_string_value(json_object_get(beat, "version")),
	       msg_format(line, sizeof(line), MSG_FLEET_PENDING,
			  (int)json_integer_value(json_object_get(outbox, "pending"))),
	       msg_format(f, sizeof(f), MSG_FLEET_PARKED,
			  (int)json_integer_value(json_object_get(outbox, "parked"))),
	       msg(MSG_FLEET_DISPLAY),
	       json_string_value(json_object_get(json_object_get(beat, "display"), "video")));
	printf("/%s", json_string_value(json_object_get(json_object_get(beat, "display"),
							"renderer")));
	if (json_is_object(d)) {
		printf("  %s ", msg(MSG_FLEET_STOCK));
		json_array_foreach(json_object_get(d, "slots"), i, x) {
			if (json_integer_value(x) < 0)
				printf("%s?", i ? "," : "");
			else
				printf("%s%lld", i ? "," : "", (long long)json_integer_value(x));
		}
	} else {
		printf("  %s", msg(MSG_FLEET_NO_DISP));
	}
	fault_text(json_object_get(k, "faults"), f, sizeof(f));
	printf("  %s", f);
	if (skew > 60 || skew < -60)
		printf("  %s", msg_format(line, sizeof(line), MSG_FLEET_SKEW, (int)skew));
	if (json_integer_value(json_object_get(k, "restart_asked_ms")) > 0)
		printf("  %s", msg(MSG_FLEET_RESTART_WAIT));
	else if (json_integer_value(json_object_get(k, "restart_sent_ms")) > 0 &&
		 json_is_true(json_object_get(beat, "restart_pending")))
		printf("  %s", msg(MSG_FLEET_RESTART_SENT));
	printf("\n");
}

/* ca-hubctl fleet: one line per kiosk, those needing attention first. */
static void print_fleet(json_t *r)
{
	json_t *list = json_object_get(r, "kiosks"), *x;
	char buf[128];
	size_t i;
	int bad = 0;

	if (json_array_size(list) == 0) {
		printf("%s\n", msg(MSG_FLEET_NONE));
		return;
	}
	json_array_foreach(list, i, x) {
		print_fleet_row(x);
		bad += json_is_true(json_object_get(x, "attention"));
	}
	if (bad)
		printf("%s\n", msg_format(buf, sizeof(buf), MSG_FLEET_ATTENTION, bad));
}

/* A kiosk's log tail as the hub keeps it. */
static void print_logs(json_t *r)
{
	json_int_t at = json_integer_value(json_object_get(r, "log_ms"));
	json_t *x;
	char w[32];
	size_t i;

	if (at <= 0) {
		printf("%s\n", msg(MSG_FLEET_LOGS_NONE));
		return;
	}
	printf("%s%s\n", msg(MSG_FLEET_LOGS_HEAD), local_ms(at, w));
	json_array_foreach(json_object_get(r, "lines"), i, x)
		printf("%s\n", json_string_value(x));
}

/* fleet logs ID [--wait S]: ask, then wait for the tail. Exit status. */
static int fleet_logs(const struct ctl *c, const char *id, long wait_s)
{
	char path[256];
	json_t *r = NULL;
	json_int_t asked = 0;
	struct timespec nap = { 0, 500 * 1000000L };
	long waited_ms = 0;
	int ret;

	if (wait_s > 0) {
		snprintf(path, sizeof(path), "/v1/admin/fleet/%s/logs", id);
		ret = call(c, "POST", path, NULL, &r);
		if (ret != EXIT_OK)
			return ret;
		asked = json_integer_value(json_object_get(r, "asked_ms"));
		json_decref(r);
		fprintf(stderr, "%s\n", msg(MSG_FLEET_LOGS_ASKED));
	}
	snprintf(path, sizeof(path), "/v1/admin/fleet/%s/logs", id);
	for (;;) {
		ret = call(c, "GET", path, NULL, &r);
		if (ret != EXIT_OK)
			return ret;
		if (wait_s <= 0 || json_integer_value(json_object_get(r, "log_ms")) >= asked)
			break;
		json_decref(r);
		r = NULL;
		if (waited_ms >= wait_s * 1000) {
			char buf[200];

			fprintf(stderr, "ca-hubctl: %s\n", msg_format(buf, sizeof(buf),
				MSG_FLEET_LOGS_TIMEOUT, (int)wait_s));
			return EXIT_REFUSED;
		}
		nanosleep(&nap, NULL);
		waited_ms += 500;
	}
	if (c->json) {
		char *t = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		printf("%s\n", t ? t : "");
		free(t);
	} else {
		print_logs(r);
	}
	json_decref(r);
	return EXIT_OK;
}

/* Print one application line. */
static void print_app_line(json_t *a)
{
	char y[32];

	printf("%-36s  %-14s %-6s %-16s %10s  %s  %s\n",
	       json_string_value(json_object_get(a, "id")),
	       json_string_value(json_object_get(a, "app_status")),
	       json_string_value(json_object_get(a, "pay_status")),
	       json_string_value(json_object_get(a, "proc_status")),
	       yuan(json_integer_value(json_object_get(a, "amount_fen")), y),
	       json_string_value(json_object_get(a, "account")),
	       json_string_value(json_object_get(a, "company")));
}

/* ---- what the commands print ---- */

static void print_json(json_t *r)
{
	char *t = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	printf("%s\n", t ? t : "");
	free(t);
}

static void print_apps(json_t *r)
{
	json_t *x, *next = json_object_get(r, "next");
	size_t i;

	json_array_foreach(json_object_get(r, "apps"), i, x)
		print_app_line(x);
	if (json_array_size(json_object_get(r, "apps")) == 0)
		printf("(no applications)\n");
	if (json_is_string(next))
		printf("(more: the same command with --after %s)\n", json_string_value(next));
}

/* The labels of a state triple of the history ("approved", "paid", ...). */
static void print_state3(json_t *st)
{
	int a = ca_app_status_from_id(json_string_value(json_array_get(st, 0)));
	int p = ca_pay_status_from_id(json_string_value(json_array_get(st, 1)));
	int q = ca_proc_status_from_id(json_string_value(json_array_get(st, 2)));

	printf("%s/%s/%s", a >= 0 ? msg(ca_app_status_msg((enum ca_app_status)a)) : "?",
	       p >= 0 ? msg(ca_pay_status_msg((enum ca_pay_status)p)) : "?",
	       q >= 0 ? msg(ca_proc_status_msg((enum ca_proc_status)q)) : "?");
}

/* show: every field with its Chinese label, the statuses, the history and
 * the processing records, times in China time. */
static void print_show(json_t *r)
{
	struct ca_app *a = malloc(sizeof(*a));
	char err[200], buf[32], w[32], y[32];
	json_t *x, *code = json_object_get(r, "pickup_code");
	size_t i;
	int f, act;

	if (!a || codec_app_decode(json_object_get(r, "app"), a, err, sizeof(err))) {
		fprintf(stderr, "ca-hubctl: the hub's answer holds no readable application%s%s\n",
			a ? ": " : "", a ? err : "");
		free(a);
		return;
	}
	printf("%s：%s\n", msg(MSG_CON_APP_NO), a->id);
	printf("%s：%s / %s / %s\n", msg(MSG_CON_STATE), msg(ca_app_status_msg(a->app_status)),
	       msg(ca_pay_status_msg(a->pay_status)), msg(ca_proc_status_msg(a->proc_status)));
	if (a->amount_fen > 0)
		printf("%s：%s %s\n", msg(MSG_CON_AMOUNT), yuan(a->amount_fen, y), msg(MSG_CON_YUAN));
	if (json_is_string(code))
		printf("%s：%s\n", msg(MSG_CON_PICKUP_CODE), json_string_value(code));
	for (f = 0; f < CA_F__N; f++) {
		const char *v = ca_field_value(a, (enum ca_field)f, buf, sizeof(buf));

		if (*v)
			printf("%s：%s\n", msg(ca_field_msg((enum ca_field)f)), v);
	}
	printf("%s%s：%s\n%s%s：%s\n", msg(MSG_CON_CREATED_AT), msg(MSG_CON_CHINA_TIME),
	       local_ms(a->created_ms, w), msg(MSG_CON_UPDATED), msg(MSG_CON_CHINA_TIME),
	       local_ms(a->updated_ms, y));
	printf("\n%s：\n", msg(MSG_CON_HISTORY));
	json_array_foreach(json_object_get(r, "history"), i, x) {
		const char *id = json_string_value(json_object_get(x, "action"));
		const char *note = json_string_value(json_object_get(x, "note"));

		act = fsm_action_from_id(id);
		printf("  %s  %-8s ", local_ms(json_integer_value(json_object_get(x, "at_ms")), w),
		       msg(act >= 0 ? fsm_action_msg((enum ca_action)act) : MSG_CON_CREATED));
		print_state3(json_object_get(x, "from"));
		printf(" → ");
		print_state3(json_object_get(x, "to"));
		printf("  %s%s%s\n", json_string_value(json_object_get(x, "actor")),
		       note && *note ? "  " : "", note && *note ? note : "");
	}
	printf("\n%s：\n", msg(MSG_CON_RECORDS));
	json_array_foreach(json_object_get(r, "records"), i, x)
		printf("  %s  %s  %s\n", local_ms(json_integer_value(json_object_get(x, "at_ms")), w),
		       json_string_value(json_object_get(x, "staff")),
		       json_string_value(json_object_get(x, "text")));
	if (!json_array_size(json_object_get(r, "records")))
		printf("  %s\n", msg(MSG_CON_NONE_YET));
	if (json_array_size(json_object_get(r, "invoices")))
		printf("\n%s：\n", msg(MSG_CON_INVOICES));
	json_array_foreach(json_object_get(r, "invoices"), i, x) {
		const char *st = json_string_value(json_object_get(x, "state"));
		bool red = !strcmp(json_string_value(json_object_get(x, "kind")) ?: "", "red");

		printf("  %s  %s", msg(red ? MSG_CON_INV_RED : MSG_CON_INV_BLUE),
		       msg(!st || !strcmp(st, "failed") ? MSG_CON_INV_FAILED : !strcmp(st, "issued")
			   ? MSG_CON_INV_ISSUED : MSG_CON_INV_PENDING));
		if (st && !strcmp(st, "issued"))
			printf("  %s  %s  %s %s", json_string_value(json_object_get(x, "number")),
			       local_ms(json_integer_value(json_object_get(x, "issued_ms")), w),
			       yuan(json_integer_value(json_object_get(x, "total_fen")), y),
			       msg(MSG_CON_YUAN));
		printf("\n");
	}
	free(a);
}

/* The roles of an answer (an array of ids) as Chinese labels. */
static void roles_text(json_t *roles, char *out, size_t n)
{
	unsigned bits = 0;
	json_t *x;
	size_t i;
	long b;

	json_array_foreach(roles, i, x)
		if (json_is_string(x) && (b = staff_roles_parse(json_string_value(x))) > 0)
			bits |= (unsigned)b;
	staff_roles_text(bits, out, n);
}

static void print_whoami(json_t *r)
{
	char roles[128];

	roles_text(json_object_get(r, "roles"), roles, sizeof(roles));
	printf("%s (%s): %s\n", json_string_value(json_object_get(r, "display")),
	       json_string_value(json_object_get(r, "name")), roles);
}

static void print_staff(json_t *r)
{
	char roles[128], w[32];
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(r, "staff"), i, x) {
		json_int_t last = json_integer_value(json_object_get(x, "last_login_ms"));

		roles_text(json_object_get(x, "roles"), roles, sizeof(roles));
		printf("%-20s %-10s %-8s %s  last login %s%s\n",
		       json_string_value(json_object_get(x, "name")),
		       json_string_value(json_object_get(x, "display")),
		       json_is_true(json_object_get(x, "disabled")) ? "disabled" : "enabled",
		       roles, last ? local_ms(last, w) : "never",
		       json_is_true(json_object_get(x, "password_set")) ? "" : " (no password)");
	}
	if (!json_array_size(json_object_get(r, "staff")))
		printf("(no staff accounts)\n");
}

static void print_audit(json_t *r)
{
	json_t *x, *next = json_object_get(r, "next");
	char w[32];
	size_t i;

	json_array_foreach(json_object_get(r, "audit"), i, x) {
		const char *before = json_string_value(json_object_get(x, "before"));
		const char *after = json_string_value(json_object_get(x, "after"));
		const char *detail = json_string_value(json_object_get(x, "detail"));

		printf("%6lld  %s  %s(%s) via %s from %s  %s %s", (long long)json_integer_value(
			json_object_get(x, "seq")), local_ms(json_integer_value(json_object_get(x,
			"at_ms")), w), json_string_value(json_object_get(x, "display")),
		       json_string_value(json_object_get(x, "staff")),
		       json_string_value(json_object_get(x, "via")),
		       json_string_value(json_object_get(x, "addr")),
		       json_string_value(json_object_get(x, "action")),
		       json_string_value(json_object_get(x, "target")));
		if ((before && *before) || (after && *after))
			printf("  %s → %s", before, after);
		if (detail && *detail)
			printf("  「%s」", detail);
		printf("\n");
	}
	if (!json_array_size(json_object_get(r, "audit")))
		printf("(nothing)\n");
	if (json_is_integer(next))
		printf("(more: the same command with --before %lld)\n",
		       (long long)json_integer_value(next));
}

static void print_devices(json_t *r)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(r, "devices"), i, x) {
		char w[32];

		printf("%-32s %-8s last seen %s\n", json_string_value(json_object_get(x, "id")),
		       json_is_true(json_object_get(x, "enabled")) ? "enabled" : "disabled",
		       when(json_integer_value(json_object_get(x, "last_seen")), w));
	}
	if (json_array_size(json_object_get(r, "devices")) == 0)
		printf("(no devices)\n");
}

static void print_restart_asked(json_t *r)
{
	(void)r;
	printf("%s\n", msg(MSG_FLEET_RESTART_ASKED));
}

static void print_server(json_t *r)
{
	printf("connections %lld of at most %lld, long-polls parked %lld, woken for a "
	       "change %lld, cut by a deadline %lld\n",
	       (long long)json_integer_value(json_object_get(r, "connections")),
	       (long long)json_integer_value(json_object_get(r, "max_connections")),
	       (long long)json_integer_value(json_object_get(r, "parked")),
	       (long long)json_integer_value(json_object_get(r, "woken")),
	       (long long)json_integer_value(json_object_get(r, "cut")));
}

static void print_device_added(json_t *r)
{
	printf("device %s provisioned; its secret (shown only now):\n%s\n",
	       json_string_value(json_object_get(r, "id")),
	       json_string_value(json_object_get(r, "secret")));
}

static void print_sms(json_t *r)
{
	printf("%s (tries %lld%s)\n", json_string_value(json_object_get(r, "code")),
	       (long long)json_integer_value(json_object_get(r, "tries")),
	       json_is_true(json_object_get(r, "used")) ? ", used" : "");
}

static void print_clock(json_t *r)
{
	time_t t = (time_t)json_integer_value(json_object_get(r, "now"));
	char buf[64];

	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	printf("hub clock now %s\n", buf);
}

/* A staff action's answer: the application's statuses, the record added,
 * or done. */
static void print_changed(json_t *r)
{
	json_t *a = json_object_get(r, "app"), *x;
	char y[32];

	if (a) {
		printf("%s: %s/%s/%s, amount %s yuan, rev %lld\n",
		       json_string_value(json_object_get(a, "id")),
		       json_string_value(json_object_get(a, "app_status")),
		       json_string_value(json_object_get(a, "pay_status")),
		       json_string_value(json_object_get(a, "proc_status")),
		       yuan(json_integer_value(json_object_get(a, "amount_fen")), y),
		       (long long)json_integer_value(json_object_get(a, "rev")));
	} else if ((x = json_object_get(r, "record"))) {
		printf("record %s added (rev %lld)\n", json_string_value(json_object_get(x, "id")),
		       (long long)json_integer_value(json_object_get(r, "rev")));
	} else {
		printf("done\n");
	}
}

/* ---- the commands ---- */

/* The request a command makes. */
struct req {
	const char *method;   /* "GET" (the default) or "POST" */
	char path[512];       /* below the hub's URL */
	json_t *body;         /* owned; NULL: none */
};

struct cmd;

/* Build q from the command's arguments (argv[0] is the first argument
 * after the command's words); EXIT_OK, or EXIT_USAGE having said why
 * (BAD: the generic "wrong arguments"). */
typedef int cmd_build(const struct cmd *k, const struct ctl *c, int argc, char **argv,
		      struct req *q);

#define BAD (-1)

/* One command: its words, its request, how its answer is printed; or,
 * for a command of several requests, run doing it all. */
struct cmd {
	const char *name;           /* "list", "device add", ... */
	cmd_build *build;
	void (*print)(json_t *r);   /* NULL: print_changed */
	const char *op;             /* the staff action (approve, ...) or the path */
	const char *filter;         /* b_filtered: the one filter's name */
	int (*run)(const struct ctl *c, int argc, char **argv);
};

/* Whether s is safe as one path segment. */
static bool seg_ok(const char *s)
{
	return s && *s && strlen(s) < 200 && !strpbrk(s, "/?#% \t\r\n");
}

/* Exactly one argument, a path segment. */
static bool one_id(int argc, char **argv)
{
	return argc == 1 && seg_ok(argv[0]);
}

/* Append ?name=value (or &name=value) to path, value percent-encoded. */
static void query_add(char *path, size_t n, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path);
	const unsigned char *v;

	len += (size_t)snprintf(path + len, n - len, "%c%s=", strchr(path, '?') ? '&' : '?',
				name);
	for (v = (const unsigned char *)value; *v && len + 4 < n; v++) {
		if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		    (*v >= '0' && *v <= '9') || strchr("-_.:", *v)) {
			path[len++] = (char)*v;
		} else {
			path[len++] = '%';
			path[len++] = hex[*v >> 4];
			path[len++] = hex[*v & 15];
		}
	}
	path[len < n ? len : n - 1] = '\0';
}

/* A list with filters: each --NAME V of k->filter (names separated by
 * spaces: "status q after limit") becomes NAME=V on the path k->op. */
static int b_filtered(const struct cmd *k, const struct ctl *c, int argc, char **argv,
		      struct req *q)
{
	char opts[8][24], words[128], *w, *save = NULL;
	const char *names[9] = { NULL }, *v[8] = { NULL };
	int n = 0, i;

	(void)c;
	snprintf(words, sizeof(words), "%s", k->filter);
	for (w = strtok_r(words, " ", &save); w && n < 8; w = strtok_r(NULL, " ", &save)) {
		snprintf(opts[n], sizeof(opts[n]), "--%s", w);
		names[n] = opts[n];
		n++;
	}
	if (!opt_values(argc, argv, names, v))
		return EXIT_USAGE;
	snprintf(q->path, sizeof(q->path), "%s", k->op);
	for (i = 0; i < n; i++)
		if (v[i])
			query_add(q->path, sizeof(q->path), names[i] + 2, v[i]);
	return EXIT_OK;
}

/* GET or POST of a fixed path with no argument; the path is k->op. */
static int b_plain(const struct cmd *k, const struct ctl *c, int argc, char **argv,
		   struct req *q)
{
	(void)c;
	(void)argv;
	if (argc != 0)
		return BAD;
	snprintf(q->path, sizeof(q->path), "%s", k->op);
	return EXIT_OK;
}

/* One id in place of the "{}" of the path pattern k->op
 * ("/v1/admin/apps/{}"). */
static int b_id(const struct cmd *k, const struct ctl *c, int argc, char **argv,
		struct req *q)
{
	const char *hole = strstr(k->op, "{}");

	(void)c;
	if (!one_id(argc, argv) || !hole)
		return BAD;
	snprintf(q->path, sizeof(q->path), "%.*s%s%s", (int)(hole - k->op), k->op, argv[0],
		 hole + 2);
	return EXIT_OK;
}

/* ... the same, posted. */
static int b_id_post(const struct cmd *k, const struct ctl *c, int argc, char **argv,
		     struct req *q)
{
	q->method = "POST";
	return b_id(k, c, argc, argv, q);
}

/* approve, reject, ship, ready, invoice: the staff action k->op. */
static int b_act(const struct cmd *k, const struct ctl *c, int argc, char **argv,
		 struct req *q)
{
	static const char *const names[] = { "--reason", "--tracking", "--kiosk", "--slot",
					     NULL };
	const char *v[4] = { NULL }, *need = NULL;

	if (argc < 1 || !seg_ok(argv[0]))
		return BAD;
	if (!opt_values(argc - 1, argv + 1, names, v))
		return EXIT_USAGE;
	if ((!strcmp(k->op, "reject") || !strcmp(k->op, "refund")) && !v[0])
		need = "--reason TEXT";
	else if (!strcmp(k->op, "ship") && !v[1])
		need = "--tracking NO";
	else if (!strcmp(k->op, "mark_ready") && !v[2])
		need = "--kiosk K";
	if (need) {
		fprintf(stderr, "ca-hubctl: %s needs %s\n", k->name, need);
		return EXIT_USAGE;
	}
	(void)c;
	q->body = json_pack("{s:s}", "op", k->op);
	if (v[0] || v[1])
		json_object_set_new(q->body, "arg", json_string(v[0] ? v[0] : v[1]));
	if (v[2])
		json_object_set_new(q->body, "kiosk", json_string(v[2]));
	if (v[3])
		json_object_set_new(q->body, "slot", json_string(v[3]));
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/v1/admin/apps/%s/act", argv[0]);
	return EXIT_OK;
}

static int b_record(const struct cmd *k, const struct ctl *c, int argc, char **argv,
		    struct req *q)
{
	static const char *const names[] = { "--text", NULL };
	const char *v[1] = { NULL };

	(void)k;
	if (argc < 1 || !seg_ok(argv[0]))
		return BAD;
	if (!opt_values(argc - 1, argv + 1, names, v))
		return EXIT_USAGE;
	if (!v[0]) {
		fprintf(stderr, "ca-hubctl: record needs --text TEXT\n");
		return EXIT_USAGE;
	}
	(void)c;
	q->body = json_pack("{s:s}", "text", v[0]);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/v1/admin/apps/%s/records", argv[0]);
	return EXIT_OK;
}

static int b_pickup_code(const struct cmd *k, const struct ctl *c, int argc, char **argv,
			 struct req *q)
{
	(void)k;
	(void)c;
	if (argc != 1)
		return BAD;
	if (strlen(argv[0]) != 6 || strspn(argv[0], "0123456789") != 6) {
		fprintf(stderr, "ca-hubctl: pickup-code: CODE is the 6 digits the kiosk shows\n");
		return EXIT_USAGE;
	}
	snprintf(q->path, sizeof(q->path), "/v1/admin/pickup-code/%s", argv[0]);
	return EXIT_OK;
}

static int b_device_add(const struct cmd *k, const struct ctl *c, int argc, char **argv,
			struct req *q)
{
	(void)k;
	(void)c;
	if (argc != 1)
		return BAD;
	q->body = json_pack("{s:s}", "id", argv[0]);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/v1/admin/devices");
	return EXIT_OK;
}

static int b_clock_advance(const struct cmd *k, const struct ctl *c, int argc, char **argv,
			   struct req *q)
{
	char *end;
	long long s;

	(void)k;
	(void)c;
	if (argc != 1)
		return BAD;
	errno = 0;
	s = strtoll(argv[0], &end, 10);
	if (!*argv[0] || *end || errno || s <= 0) {
		fprintf(stderr, "ca-hubctl: clock advance: SECONDS must be a positive whole "
			"number\n");
		return EXIT_USAGE;
	}
	q->body = json_pack("{s:I}", "advance_s", (json_int_t)s);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/v1/admin/clock");
	return EXIT_OK;
}

/* fleet logs ID [--wait S]: several requests (fleet_logs). */
static int r_fleet_logs(const struct ctl *c, int argc, char **argv)
{
	static const char *const names[] = { "--wait", NULL };
	const char *v[1] = { NULL };
	long wait_s = 150;
	char *end;

	if (argc < 1 || !seg_ok(argv[0])) {
		fprintf(stderr, "ca-hubctl: fleet logs: wrong arguments (see --help)\n");
		return EXIT_USAGE;
	}
	if (!opt_values(argc - 1, argv + 1, names, v))
		return EXIT_USAGE;
	if (v[0]) {
		errno = 0;
		wait_s = strtol(v[0], &end, 10);
		if (!*v[0] || *end || errno || wait_s < 0 || wait_s > 3600) {
			fprintf(stderr, "ca-hubctl: fleet logs: --wait must be 0..3600 seconds\n");
			return EXIT_USAGE;
		}
	}
	return fleet_logs(c, argv[0], wait_s);
}

/* login NAME: the password from standard input; the token into the token
 * file (mode 0600, its folder 0700). */
static int r_login(const struct ctl *c, int argc, char **argv)
{
	char pw[STAFF_PASSWORD_MAX + 2], path[1024], dir[1024], err[1200], text[80], w[32];
	char roles[128];
	json_t *body, *r = NULL;
	struct ctl anon = *c;
	char *slash;
	int ret;

	if (argc != 1 || !staff_name_ok(argv[0])) {
		fprintf(stderr, "ca-hubctl: login NAME (a staff account's login name)\n");
		return EXIT_USAGE;
	}
	if (!token_path(c, path, sizeof(path))) {
		fprintf(stderr, "ca-hubctl: no place for the token: give --token-file\n");
		return EXIT_USAGE;
	}
	if (!read_secret("password: ", pw, sizeof(pw))) {
		fprintf(stderr, "ca-hubctl: no password given\n");
		return EXIT_USAGE;
	}
	anon.token[0] = '\0';
	body = json_pack("{s:s, s:s}", "name", argv[0], "password", pw);
	explicit_bzero(pw, sizeof(pw));
	ret = call(&anon, "POST", "/v1/admin/login", body, &r);
	json_decref(body);
	if (ret != EXIT_OK)
		goto out;
	/* The folders up to the file, made private where they are new. */
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "ca-hubctl: %s: %s\n", dir, strerror(errno));
			ret = EXIT_REFUSED;
			goto out;
		}
		*slash = '/';
	}
	snprintf(text, sizeof(text), "%s\n", json_string_value(json_object_get(r, "token")));
	if (file_save(path, text, strlen(text), 0600, err, sizeof(err)) != CA_OK) {
		fprintf(stderr, "ca-hubctl: the token could not be kept: %s\n", err);
		ret = EXIT_REFUSED;
		goto out;
	}
	explicit_bzero(text, sizeof(text));
	roles_text(json_object_get(r, "roles"), roles, sizeof(roles));
	printf("logged in as %s (%s, %s) until %s; token in %s\n",
	       json_string_value(json_object_get(r, "display")), argv[0], roles,
	       local_ms(json_integer_value(json_object_get(r, "expires_ms")), w), path);
out:
	json_decref(r);
	return ret;
}

/* logout: the token ends at the hub, its file goes. */
static int r_logout(const struct ctl *c, int argc, char **argv)
{
	char path[1024];
	json_t *r = NULL;
	int ret;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	ret = call(c, "POST", "/v1/admin/logout", NULL, &r);
	json_decref(r);
	if (token_path(c, path, sizeof(path)) && unlink(path) == 0)
		printf("logged out; %s removed\n", path);
	else if (ret == EXIT_OK)
		printf("logged out\n");
	return ret;
}

/* staff add NAME --display D --roles R: the first password from standard
 * input (an empty line: none yet). */
static int r_staff_add(const struct ctl *c, int argc, char **argv)
{
	static const char *const names[] = { "--display", "--roles", NULL };
	const char *v[2] = { NULL };
	char pw[STAFF_PASSWORD_MAX + 2] = "";
	json_t *body, *r = NULL;
	int ret;

	if (argc < 1 || !opt_values(argc - 1, argv + 1, names, v))
		return EXIT_USAGE;
	if (!v[0] || !v[1]) {
		fprintf(stderr, "ca-hubctl: staff add NAME --display 姓名 --roles R1,R2\n");
		return EXIT_USAGE;
	}
	if (!read_secret("first password (empty: none yet): ", pw, sizeof(pw)))
		pw[0] = '\0';
	body = json_pack("{s:s, s:s, s:s}", "name", argv[0], "display", v[0], "roles", v[1]);
	if (pw[0])
		json_object_set_new(body, "password", json_string(pw));
	explicit_bzero(pw, sizeof(pw));
	ret = call(c, "POST", "/v1/admin/staff", body, &r);
	json_decref(body);
	if (ret == EXIT_OK)
		(c->json ? print_json : print_changed)(r);
	json_decref(r);
	return ret;
}

/* staff passwd NAME: the new password from standard input. */
static int r_staff_passwd(const struct ctl *c, int argc, char **argv)
{
	char pw[STAFF_PASSWORD_MAX + 2], path[512];
	json_t *body, *r = NULL;
	int ret;

	if (argc != 1 || !staff_name_ok(argv[0]))
		return EXIT_USAGE;
	if (!read_secret("new password: ", pw, sizeof(pw)) || !pw[0]) {
		fprintf(stderr, "ca-hubctl: no password given\n");
		return EXIT_USAGE;
	}
	body = json_pack("{s:s}", "password", pw);
	explicit_bzero(pw, sizeof(pw));
	snprintf(path, sizeof(path), "/v1/admin/staff/%s/password", argv[0]);
	ret = call(c, "POST", path, body, &r);
	json_decref(body);
	if (ret == EXIT_OK)
		printf("password of %s set; its sessions and tokens have ended\n", argv[0]);
	json_decref(r);
	return ret;
}

/* handover ID: the handler's ID number from standard input (read from the
 * card; never on the command line, where other users see it). */
static int r_handover(const struct ctl *c, int argc, char **argv)
{
	char idno[24], path[512];
	json_t *body, *r = NULL;
	int ret;

	if (argc != 1 || !seg_ok(argv[0]))
		return EXIT_USAGE;
	if (!read_secret("ID number of the person collecting (from the card): ", idno,
			 sizeof(idno)) || !idno[0]) {
		fprintf(stderr, "ca-hubctl: handover needs the ID number on standard input\n");
		return EXIT_USAGE;
	}
	body = json_pack("{s:s, s:s}", "op", "hand_over", "arg", idno);
	explicit_bzero(idno, sizeof(idno));
	snprintf(path, sizeof(path), "/v1/admin/apps/%s/act", argv[0]);
	ret = call(c, "POST", path, body, &r);
	json_decref(body);
	if (ret == EXIT_OK)
		(c->json ? print_json : print_changed)(r);
	json_decref(r);
	return ret;
}

#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt" /* Debian's */

/* The ca-paysim to run: $CA_PAYSIM, the one beside this program, or the
 * one on PATH. */
static void paysim_path(char *out, size_t n)
{
	const char *env = getenv("CA_PAYSIM");
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return;
	}
	if (len > 0) {
		self[len] = '\0';
		slash = strrchr(self, '/');
		if (slash && (size_t)(slash - self) + sizeof("/ca-paysim") <= n) {
			snprintf(out, n, "%.*s/ca-paysim", (int)(slash - self), self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, n, "ca-paysim");
}

/*
 * pay OUT_TRADE_NO: the customer pays, as a phone would. The hub takes no
 * payment itself: it tells the order's code_url and where its provider
 * answers, and `ca-paysim pay` pays there (a simulator: a real provider
 * has no such door). Exit status: ca-paysim's (0 paid, 1 refused, 2 it
 * could not), or ours when the hub did not answer.
 */
static int r_pay(const struct ctl *c, int argc, char **argv)
{
	char path[512], bin[PATH_MAX], code_url[1024], sim[512];
	const char *cu, *su;
	json_t *r = NULL;
	int ret, st;
	pid_t pid;

	if (argc != 1 || !seg_ok(argv[0]))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/admin/pay/%s", argv[0]);
	ret = call(c, "GET", path, NULL, &r);
	if (ret != EXIT_OK)
		return ret;
	cu = json_string_value(json_object_get(json_object_get(r, "order"), "code_url"));
	su = json_string_value(json_object_get(json_object_get(r, "provider"), "url"));
	if (!cu || !su || snprintf(code_url, sizeof(code_url), "%s", cu) >= (int)sizeof(code_url) ||
	    snprintf(sim, sizeof(sim), "%s", su) >= (int)sizeof(sim)) {
		fprintf(stderr, "ca-hubctl: pay: the hub names no code_url or provider for %s%s\n",
			argv[0], su || !json_object_get(r, "provider") ? ""
			: " (its method is off at the hub)");
		json_decref(r);
		return EXIT_REFUSED;
	}
	json_decref(r);
	paysim_path(bin, sizeof(bin));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("ca-hubctl: pay: fork");
		return EXIT_REFUSED;
	}
	if (pid == 0) {
		/* The hub's CA is the simulator's in tests and the demo. */
		execlp(bin, "ca-paysim", "pay", "--sim", sim, "--ca",
		       c->cacert ? c->cacert : SYSTEM_CA_BUNDLE, code_url, (char *)NULL);
		fprintf(stderr, "ca-hubctl: pay: cannot run %s: %s (the provider simulator; set "
			"$CA_PAYSIM)\n", bin, strerror(errno));
		_exit(EXIT_USAGE);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EXIT_REFUSED;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_REFUSED;
}

/* staff roles NAME --roles R */
static int b_staff_roles(const struct cmd *k, const struct ctl *c, int argc, char **argv,
			 struct req *q)
{
	static const char *const names[] = { "--roles", NULL };
	const char *v[1] = { NULL };

	(void)k;
	(void)c;
	if (argc < 1 || !staff_name_ok(argv[0]) || !opt_values(argc - 1, argv + 1, names, v) ||
	    !v[0])
		return BAD;
	q->body = json_pack("{s:s}", "roles", v[0]);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/v1/admin/staff/%s/roles", argv[0]);
	return EXIT_OK;
}

/* Every command that asks the hub; backup and restore are local(). */
static const struct cmd commands[] = {
	{ "login", .run = r_login },
	{ "logout", .run = r_logout },
	{ "whoami", b_plain, print_whoami, "/v1/admin/whoami", NULL, NULL },
	{ "list", b_filtered, print_apps, "/v1/admin/apps", "status q after limit", NULL },
	{ "show", b_id, print_show, "/v1/admin/apps/{}", NULL, NULL },
	{ "approve", b_act, NULL, "approve", NULL, NULL },
	{ "reject", b_act, NULL, "reject", NULL, NULL },
	{ "ship", b_act, NULL, "ship", NULL, NULL },
	{ "ready", b_act, NULL, "mark_ready", NULL, NULL },
	{ "invoice", b_act, NULL, "issue_invoice", NULL, NULL },
	{ "refund", b_act, NULL, "refund", NULL, NULL },
	{ "handover", .run = r_handover },
	{ "record", b_record, NULL, NULL, NULL, NULL },
	{ "pickup-code", b_pickup_code, print_code_orders, NULL, NULL, NULL },
	{ "restocks", b_filtered, print_restocks, "/v1/admin/restocks", "kiosk", NULL },
	{ "fleet", b_plain, print_fleet, "/v1/admin/fleet", NULL, NULL },
	{ "fleet restart", b_id_post, print_restart_asked, "/v1/admin/fleet/{}/restart", NULL, NULL },
	{ "fleet logs", .run = r_fleet_logs },
	{ "server", b_plain, print_server, "/v1/admin/server", NULL, NULL },
	{ "device add", b_device_add, print_device_added, NULL, NULL, NULL },
	{ "device list", b_plain, print_devices, "/v1/admin/devices", NULL, NULL },
	{ "device disable", b_id_post, NULL, "/v1/admin/devices/{}/disable", NULL, NULL },
	{ "staff list", b_plain, print_staff, "/v1/admin/staff", NULL, NULL },
	{ "staff add", .run = r_staff_add },
	{ "staff passwd", .run = r_staff_passwd },
	{ "staff roles", b_staff_roles, NULL, NULL, NULL, NULL },
	{ "staff disable", b_id_post, NULL, "/v1/admin/staff/{}/disable", NULL, NULL },
	{ "staff enable", b_id_post, NULL, "/v1/admin/staff/{}/enable", NULL, NULL },
	{ "audit", b_filtered, print_audit, "/v1/admin/audit", "staff action target q before limit",
	  NULL },
	{ "sms last", b_id, print_sms, "/v1/admin/sms/{}", NULL, NULL },
	{ "clock advance", b_clock_advance, print_clock, NULL, NULL, NULL },
	{ "pay show", b_id, print_json, "/v1/admin/pay/{}", NULL, NULL },
	{ "pay", .run = r_pay },
};

/* The command argv starts with (two words before one: "pay show" before
 * "pay"); *words: how many of argv it took. NULL when none. */
static const struct cmd *find_cmd(int argc, char **argv, int *words)
{
	char two[64];
	size_t i;

	if (argc >= 2 && snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]) < (int)sizeof(two))
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(commands[i].name, two)) {
				*words = 2;
				return &commands[i];
			}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, argv[0])) {
			*words = 1;
			return &commands[i];
		}
	return NULL;
}

/* Run the command in argv; the exit status. */
static int run(struct ctl *c, int argc, char **argv)
{
	struct req q = { .method = "GET" };
	const struct cmd *k;
	json_t *r = NULL;
	int words, ret;

	k = find_cmd(argc, argv, &words);
	if (!k) {
		fprintf(stderr, "ca-hubctl: unknown command '%s' (see --help)\n", argv[0]);
		return EXIT_USAGE;
	}
	if (k->run)
		return k->run(c, argc - words, argv + words);
	ret = k->build(k, c, argc - words, argv + words, &q);
	if (ret == BAD)
		fprintf(stderr, "ca-hubctl: %s: wrong arguments (see --help)\n", k->name);
	if (ret != EXIT_OK) {
		json_decref(q.body);
		return EXIT_USAGE;
	}
	ret = call(c, q.method, q.path, q.body, &r);
	if (ret == EXIT_OK)
		(c->json ? print_json : k->print ? k->print : print_changed)(r);
	json_decref(q.body);
	json_decref(r);
	return ret;
}

/*
 * backup FILE / restore BACKUP: on the store in data_dir, no request to
 * the hub (a restore needs it stopped). Returns the exit status.
 */
static int local(const char *data_dir, int argc, char **argv)
{
	char err[DATADIR_ERR_MAX], aside[DATADIR_ERR_MAX];
	long long bytes = 0;
	int64_t epoch = 0;
	ca_err e;

	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "ca-hubctl: %s needs one file name (see --help)\n", argv[0]);
		return EXIT_USAGE;
	}
	umask(077);
	if (!strcmp(argv[0], "backup")) {
		e = datadir_backup(data_dir, argv[1], &bytes, err, sizeof(err));
		if (e) {
			fprintf(stderr, "ca-hubctl: backup: %s\n", err);
			return EXIT_REFUSED;
		}
		printf("backup of %s/%s written to %s (%lld bytes, mode 0600)\n", data_dir,
		       DATADIR_DB, argv[1], bytes);
		return EXIT_OK;
	}
	e = datadir_restore(data_dir, argv[1], &epoch, aside, sizeof(aside), err, sizeof(err));
	if (e) {
		fprintf(stderr, "ca-hubctl: restore: %s\n", err);
		return EXIT_REFUSED;
	}
	printf("%s restored into %s/%s with the new epoch %lld: every kiosk reads its feed "
	       "again from the start\n", argv[1], data_dir, DATADIR_DB, (long long)epoch);
	if (aside[0])
		printf("the store it replaced is kept as %s\n", aside);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctl c = { .data_dir = PATHS_HUB_STATE };
	const char *env;
	int i, ret;

	env = getenv("CA_HUB_URL");
	c.hub = env && *env ? env : "https://127.0.0.1:8443";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			usage(stdout, true);
			return EXIT_OK;
		}
		if (!strcmp(o, "--version")) {
			printf("ca-hubctl %s\n", ca_version());
			return EXIT_OK;
		}
		if (!strcmp(o, "--json")) {
			c.json = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "ca-hubctl: %s needs a value\n", o);
			return EXIT_USAGE;
		}
		if (!strcmp(o, "--hub"))
			c.hub = argv[++i];
		else if (!strcmp(o, "--cacert"))
			c.cacert = argv[++i];
		else if (!strcmp(o, "--token-file"))
			c.token_file = argv[++i];
		else if (!strcmp(o, "--data-dir"))
			c.data_dir = argv[++i];
		else if (!strcmp(o, "--token") || !strcmp(o, "--staff")) {
			fprintf(stderr, "ca-hubctl: %s is gone: log in as yourself (ca-hubctl "
				"login NAME); a token never goes on the command line\n", o);
			return EXIT_USAGE;
		} else {
			fprintf(stderr, "ca-hubctl: unknown option %s\n", o);
			usage(stderr, false);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr, false);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "backup") || !strcmp(argv[i], "restore"))
		return local(c.data_dir, argc - i, argv + i);
	if (strncmp(c.hub, "https://", 8) != 0 && strncmp(c.hub, "http://", 7) != 0) {
		fprintf(stderr, "ca-hubctl: --hub must be an https:// (or http://) URL\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "login") != 0 && !find_token(&c))
		return EXIT_USAGE;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return EXIT_NET;
	ret = run(&c, argc - i, argv + i);
	curl_global_cleanup();
	return ret;
}
