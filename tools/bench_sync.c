/*
 * bench_sync.c - `make bench`: how fast the sync engine drains a full
 * outbox to a real hub over loopback TLS (docs/architecture.md, Budgets:
 * 10,000 queued records in at most 10 s).
 *
 * It starts build/ca-hub with a throw-away certificate (tests/support/
 * hubproc), provisions a device, logs an account in on it, fills a kiosk
 * store with APPS applications of two records each (a save and a submit:
 * 2 x APPS outbox rows), then starts the engine thread (as the kiosk does,
 * feed included) and times from sync_start until it reports the outbox
 * empty. Both the store and the hub's database are real files on the same
 * disk, WAL with synchronous=FULL.
 *
 *   usage: bench-sync [APPS]     (default 5000, i.e. 10,000 records)
 *
 * Prints the records, the time, and records per second; exit status 1 when
 * the drain does not finish in 120 s or loses or parks a record.
 */
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"
#include "../tests/fixture.h"
#include "../tests/support/hubproc.h"

#define DEVICE "bench-01"
#define PHONE  "13800009999"

/* A signed device call (or an admin one when device is NULL). */
static long call(struct hubproc *hp, const char *device, const char *secret,
		 const char *method, const char *target, const char *body,
		 json_t **out)
{
	struct hubproc_req q;
	struct hubproc_resp r;

	memset(&q, 0, sizeof(q));
	q.device = device;
	q.secret = secret;
	if (!device)
		q.bearer = hp->token;
	if (hubproc_request(hp, &q, method, target, body, &r) != 0)
		return 0;
	if (out)
		*out = json_loads(r.body ? r.body : "", 0, NULL);
	free(r.body);
	return r.status;
}

/* Log PHONE in on the device so it may push that account's records. */
static int login(struct hubproc *hp, const char *secret)
{
	char body[128];
	const char *code;
	json_t *j = NULL;
	int ok;

	if (call(hp, DEVICE, secret, "POST", "/v1/login/sms",
		 "{\"phone\":\"" PHONE "\"}", NULL) != 200 ||
	    call(hp, NULL, NULL, "GET", "/v1/admin/sms/" PHONE, NULL, &j) != 200)
		return -1;
	code = json_string_value(json_object_get(j, "code"));
	snprintf(body, sizeof(body), "{\"phone\":\"" PHONE "\",\"code\":\"%s\"}",
		 code ? code : "");
	json_decref(j);
	ok = call(hp, DEVICE, secret, "POST", "/v1/login", body, NULL) == 200;
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	char exe[HUBPROC_PATH], db[HUBPROC_PATH + 16], err[STORE_ERR_MAX];
	char secret[65];
	struct hubproc hp;
	struct hubproc_opts ho;
	struct sync_status st;
	struct sync_opts o;
	struct config cfg;
	struct store *s = NULL;
	struct sync *eng = NULL;
	struct ca_app a;
	int apps = argc > 1 ? atoi(argv[1]) : 5000, i, ret = 1;
	int64_t t0, t1, fill0;
	ssize_t n;
	bool done = false;

	if (apps <= 0 || apps > 100000) {
		fprintf(stderr, "usage: bench-sync [APPS]\n");
		return 2;
	}
	log_set_level(LOG_ERROR);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0 && !getenv("CA_HUB_BIN_DIR")) {
		exe[n] = '\0';
		setenv("CA_HUB_BIN_DIR", dirname(exe), 1);
	}
	memset(&ho, 0, sizeof(ho));
	if (hubproc_start(&hp, &ho) != 0)
		return 1;
	if (hubproc_device_add(&hp, DEVICE, secret) != 0 || login(&hp, secret) != 0) {
		fprintf(stderr, "bench-sync: cannot provision the device or log in\n");
		goto out;
	}

	snprintf(db, sizeof(db), "%s/kiosk.db", hp.dir);
	if (store_open(db, &s, err, sizeof(err)) != CA_OK) {
		fprintf(stderr, "bench-sync: %s\n", err);
		goto out;
	}
	fill0 = ca_mono_ms();
	for (i = 0; i < apps; i++) {
		fixture_app(&a);
		uuid_v4(a.id);
		strcpy(a.account, PHONE);
		strcpy(a.kiosk_id, DEVICE);
		if (store_app_create(s, &a, 1795000000000 + i) != CA_OK ||
		    store_app_act(s, a.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
				  1795000000000 + i, NULL, NULL) != CA_OK) {
			fprintf(stderr, "bench-sync: cannot fill the store\n");
			goto out;
		}
	}
	store_close(s);
	s = NULL;
	printf("bench-sync: %d records queued (%d applications, save + submit) "
	       "in %.1f s\n", 2 * apps, apps, (double)(ca_mono_ms() - fill0) / 1000.0);

	config_defaults(&cfg);
	snprintf(cfg.kiosk_id, sizeof(cfg.kiosk_id), "%s", DEVICE);
	snprintf(cfg.server_url, sizeof(cfg.server_url), "%s", hp.url);
	snprintf(cfg.ca_file, sizeof(cfg.ca_file), "%.*s", (int)sizeof(cfg.ca_file) - 1,
		 hp.cacert);
	memset(&o, 0, sizeof(o));
	o.db_path = db;
	o.cfg = &cfg;
	o.secret = secret;
	o.feed_wait_s = -1;
	t0 = ca_mono_ms();
	if (sync_start(&o, &eng) != CA_OK)
		goto out;
	while (!done && ca_mono_ms() - t0 < 120000)
		if (sync_wait(eng, &st, 1000) && st.online && st.pending == 0)
			done = true;
	t1 = ca_mono_ms();
	sync_stop(eng);
	if (!done) {
		fprintf(stderr, "bench-sync: not drained in 120 s (%d pending, %s)\n",
			st.pending, st.last_error);
		goto out;
	}
	if (st.parked != 0 || st.sent != 2 * apps) {
		fprintf(stderr, "bench-sync: %lld sent, %d parked of %d\n",
			(long long)st.sent, st.parked, 2 * apps);
		goto out;
	}
	printf("bench-sync: %d records drained to the hub over loopback TLS in "
	       "%.2f s: %.0f records/s (budget: 10,000 in <= 10 s)\n", 2 * apps,
	       (double)(t1 - t0) / 1000.0, 2.0 * apps * 1000.0 / (double)(t1 - t0));
	ret = 0;
out:
	store_close(s);
	hubproc_cleanup(&hp);
	return ret;
}
