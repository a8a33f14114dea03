/*
 * sync_main.c - ca-kiosk-sync: run the kiosk's sync engine on a store
 * without the UI, for operators and for tests that need a separate process
 * (the crash-torture test kills it with SIGKILL while it drains).
 *
 *   --once    push what is due, read the feed, exit
 *   --drain   repeat --once (sleeping until the next row is due) until the
 *             outbox has no pending row, or --timeout-ms passes
 *   --run     run the engine thread until SIGTERM/SIGINT, printing one
 *             status line per event on stdout; it sends the kiosk's
 *             heartbeat too (display "none", no dispenser: docs/fleet.md),
 *             and only logs a restart request (it has no app to restart)
 *
 * Exit status: 0 done (drained), 1 runtime failure, 2 bad usage or
 * configuration, 3 not drained in time (or --once could not reach the hub).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/paths.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/version.h"
#include "core/sign.h"
#include "kiosk/config/config.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_UNDRAINED = 3 };

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ca-kiosk-sync [--config FILE] [--db PATH] (--once | --drain | --run)\n"
		"                     [--timeout-ms N] [--batch N] [--backoff-base-ms N]\n"
		"                     [--backoff-cap-ms N] [--feed-wait-s N] [--no-feed]\n"
		"\n"
		"Run the kiosk's sync engine on its store without the UI.\n"
		"\n"
		"  --config FILE        kiosk configuration (kiosk.ini(5)): hub URL, CA,\n"
		"                       pin, timeouts, kiosk id, [kiosk] secret_file;\n"
		"                       default " PATHS_KIOSK_CONFIG "\n"
		"  --db PATH            the store (default DATA_DIR/kiosk.db)\n"
		"  --once               push what is due, read the feed, exit\n"
		"  --drain              repeat until no outbox row is pending\n"
		"  --run                run until SIGTERM or SIGINT; one line per event;\n"
		"                       heartbeats every [timeouts] heartbeat_s\n"
		"  --timeout-ms N       give up --drain after N ms (default 60000)\n"
		"  --batch N            rows per request (1..100, default 100)\n"
		"  --backoff-base-ms N  first retry delay ceiling (default 1000)\n"
		"  --backoff-cap-ms N   largest retry delay (default 300000)\n"
		"  --feed-wait-s N      long-poll hold (0..25, default from\n"
		"                       sync_interval_s)\n"
		"  --no-feed            push only\n"
		"  --version            show the version\n"
		"\n"
		"Exit status: 0 done, 1 runtime failure, 2 bad usage or configuration,\n"
		"3 not drained in time (or --once could not reach the hub).\n");
}

/* One status line. */
static void print_status(const struct sync_status *s)
{
	printf("sync: online=%d pending=%d parked=%d sent=%" PRId64 " parked_now=%"
	       PRId64 " retried=%" PRId64 " cursor=%" PRId64 " epoch=%" PRId64
	       " resets=%" PRId64 " skew=%s%" PRId64 " beats=%" PRId64 " restart=%d"
	       " error=%s\n", s->online,
	       s->pending, s->parked, s->sent, s->parked_now, s->retried,
	       s->feed_cursor, s->feed_epoch, s->feed_resets,
	       s->skew_known ? "" : "?", s->skew_s, s->beats, s->restart_asked,
	       s->last_error[0] ? s->last_error : "-");
	fflush(stdout);
}

/* Parse a non-negative int option; -1 when bad. */
static int int_arg(const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0 || n > 100000000)
		return -1;
	return (int)n;
}

/* --drain: sync_once until nothing is pending. */
static int drain(const struct sync_opts *o, int timeout_ms)
{
	int64_t end = ca_mono_ms() + timeout_ms, now, next;
	struct sync_status st;
	char err[STORE_ERR_MAX];
	struct store *s = NULL;
	int64_t wait;

	for (;;) {
		now = ca_mono_ms();
		if (now >= end || got_signal)
			break;
		(void)sync_once(o, (int)(end - now), &st);
		if (st.pending == 0) {
			print_status(&st);
			return EXIT_OK;
		}
		/* Sleep until the next row is due (at most 1 s at a time). */
		wait = 1000;
		if (store_open(o->db_path, &s, err, sizeof(err)) == CA_OK &&
		    store_outbox_next_at(s, &next) == CA_OK && next != INT64_MAX)
			wait = next - ca_wall_ms();
		store_close(s);
		s = NULL;
		if (wait > 1000)
			wait = 1000;
		if (wait > 0)
			usleep((useconds_t)wait * 1000);
	}
	print_status(&st);
	return EXIT_UNDRAINED;
}

/* --run: the engine thread until a signal. */
static int run(const struct sync_opts *o)
{
	struct sync_status st;
	struct sync *s = NULL;

	if (sync_start(o, &s) != CA_OK)
		return EXIT_RUNTIME;
	while (!got_signal)
		if (sync_wait(s, &st, 200))
			print_status(&st);
	sync_stop(s);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "once", no_argument, NULL, '1' },
		{ "drain", no_argument, NULL, 'D' },
		{ "run", no_argument, NULL, 'r' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' },
		{ "backoff-base-ms", required_argument, NULL, 'B' },
		{ "backoff-cap-ms", required_argument, NULL, 'C' },
		{ "feed-wait-s", required_argument, NULL, 'w' },
		{ "no-feed", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[CONFIG_ERR_MAX], secret[SIGN_SECRET_MAX + 1];
	char db[CONFIG_PATH_MAX + 16];
	const char *cfg_path = NULL, *db_path = NULL;
	struct sync_opts o;
	struct sync_status st;
	struct sigaction sa;
	struct config cfg;
	int opt, mode = 0, timeout_ms = 60000, v, ret = EXIT_USAGE;

	umask(077); /* as ca-kiosk: what it writes in the data dir is its own */
	memset(&o, 0, sizeof(o));
	o.feed_wait_s = -1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		v = optarg && strchr("tbBCw", opt) ? int_arg(optarg) : 0;
		if (v < 0) {
			fprintf(stderr, "ca-kiosk-sync: bad number '%s'\n", optarg);
			return EXIT_USAGE;
		}
		switch (opt) {
		case 'c': cfg_path = optarg; break;
		case 'd': db_path = optarg; break;
		case '1': case 'D': case 'r': mode = opt; break;
		case 't': timeout_ms = v; break;
		case 'b': o.batch = v; break;
		case 'B': o.backoff_base_ms = v; break;
		case 'C': o.backoff_cap_ms = v; break;
		case 'w': o.feed_wait_s = v; break;
		case 'n': o.no_feed = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("ca-kiosk-sync %s\n", ca_version()); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!mode || optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!cfg_path)
		cfg_path = PATHS_KIOSK_CONFIG; /* a missing one: "cannot open" names it */
	if (config_load(&cfg, cfg_path, err, sizeof(err)) != CA_OK) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	log_set_level(cfg.log_level);
	if (sync_load_secret(cfg.secret_file, secret, sizeof(secret), err,
			     sizeof(err)) != CA_OK) {
		fprintf(stderr, "ca-kiosk-sync: %s\n", err);
		return EXIT_USAGE;
	}
	if (!db_path) {
		snprintf(db, sizeof(db), "%s/kiosk.db", cfg.data_dir);
		db_path = db;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	o.db_path = db_path;
	o.cfg = &cfg;
	o.secret = secret;
	switch (mode) {
	case '1':
		ret = sync_once(&o, timeout_ms, &st) == CA_OK ? EXIT_OK : EXIT_UNDRAINED;
		print_status(&st);
		break;
	case 'D':
		ret = drain(&o, timeout_ms);
		break;
	default:
		ret = run(&o);
		break;
	}
	explicit_bzero(secret, sizeof(secret));
	return ret;
}
