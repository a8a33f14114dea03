/*
 * main.c - the ca-kiosk entry point.
 *
 * It loads the configuration and opens the local store, then:
 *   --check                    reports what it found and exits (a start-up
 *                              self-test for operators and scripts);
 *   --headless --script FILE   runs a flow script (docs/flows.md) against the
 *                              real UI on SDL's offscreen driver, screenshots
 *                              into --shots DIR, exit status of the script;
 *   --script FILE              the same in a window, to watch it run;
 *   (nothing)                  the touch UI in a window, or full screen when
 *                              the configuration says so, on the display
 *                              path of [screen] driver (KMSDRM, Wayland,
 *                              X11; auto tries them). When none works it
 *                              says what it tried and why each failed, and
 *                              exits 1 (without a display: --headless
 *                              --script).
 * The screens and the loop are in app.c / screens.c.
 *
 * Exit status: 0 fine, 1 the data directory, the store files or the device
 * secret could not be made private (0700/0600, its own: src/common/fsperm.h),
 * the store could not be opened, the UI could not start, or a script line
 * failed; 2 bad usage, a bad configuration file, or
 * an unreadable script / a script with syntax errors. Operator messages go
 * to stderr in English; events go through log.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fsperm.h"
#include "common/paths.h"
#include "common/sdnotify.h"
#include "core/clock.h"
#include "core/version.h"
#include "core/err.h"
#include "core/log.h"
#include "core/sign.h"
#include "flow/script.h"
#include "app.h"
#include "kiosk/config/config.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"


/* Name of the database file inside data_dir. */
#define KIOSK_DB_NAME "kiosk.db"

/* Exit statuses. */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
};

/* Print the usage lines to f, and with full the option list too. */
static void usage(FILE *f, bool full)
{
	fprintf(f,
		"usage: ca-kiosk [--config FILE] [--check]\n"
		"       ca-kiosk [--config FILE] [--headless] --script FILE [--shots DIR]\n"
		"       ca-kiosk --help | --version\n");
	if (!full)
		return;
	fprintf(f,
		"\n"
		"The CA certificate self-service kiosk.\n"
		"\n"
		"  --config FILE  read settings from FILE (INI, kiosk.ini(5));\n"
		"                 default " PATHS_KIOSK_CONFIG "\n"
		"  --check        load the configuration, open the store at\n"
		"                 DATA_DIR/" KIOSK_DB_NAME ", report and exit\n"
		"  --script FILE  run the flow script FILE against the UI\n"
		"                 (docs/flows.md) and exit with its status\n"
		"  --headless     no display: SDL's offscreen driver (with --script)\n"
		"  --shots DIR    where the script's `shot NAME.png` lines write\n"
		"                 (created if missing)\n"
		"  --help         show this text\n"
		"  --version      show the version\n"
		"\n"
		"Without --check or --script: the touch UI on the display path of\n"
		"[screen] driver (auto: SDL_VIDEODRIVER, else wayland, x11, kmsdrm).\n"
		"\n"
		"Exit status: 0 fine; 1 the data directory, store or secret file\n"
		"cannot be made private (0700/0600, owned by this user, no symbolic\n"
		"link), the store could not be opened, the UI could not start, or a\n"
		"script line failed; 2 bad usage, a bad configuration file, or a\n"
		"script that cannot be read or parsed.\n");
}

/* Open the store in c's data_dir and say what is in it; *outbox gets the
 * records waiting for the hub. Returns an exit status. */
static int check_store(const struct config *c, const char *cfg_name,
		       bool check_only, int *outbox)
{
	char path[CONFIG_PATH_MAX + sizeof("/" KIOSK_DB_NAME)];
	char err[STORE_ERR_MAX], perr[FSPERM_ERR_MAX];
	struct store *st = NULL;
	int pending = 0, parked = 0, ret = EXIT_RUNTIME;
	ca_err rc;

	/* Private, whatever existed before: the directory 0700, the store
	 * files and the device secret 0600, all ours (fsperm.h); else the
	 * kiosk does not start. */
	snprintf(path, sizeof(path), "%s/%s", c->data_dir, KIOSK_DB_NAME);
	if (fsperm_dir("kiosk", c->data_dir, perr, sizeof(perr)) ||
	    fsperm_sqlite("kiosk", path, perr, sizeof(perr)) ||
	    (c->secret_file[0] && fsperm_file("kiosk", c->secret_file, perr, sizeof(perr)))) {
		fprintf(stderr, "ca-kiosk: %s; not starting\n", perr);
		log_error("kiosk", "%s; not starting", perr);
		goto out;
	}
	rc = store_open(path, &st, err, sizeof(err));
	if (rc != CA_OK) {
		/* store_open logs err itself; say only what it means here. */
		log_error("kiosk", "store %s not opened (%s); not starting",
			  path, ca_strerror(rc));
		goto out;
	}
	rc = store_outbox_depth(st, &pending, &parked);
	if (rc != CA_OK) {
		log_error("store", "%s: cannot read the outbox: %s (%s)", path,
			  store_errmsg(st), ca_strerror(rc));
		goto out;
	}
	log_info("store", "opened %s (schema version %d); outbox %d pending, "
		 "%d parked", path, STORE_SCHEMA_VERSION, pending, parked);

	*outbox = pending + parked;
	if (check_only)
		fprintf(stderr,
			"ca-kiosk: check passed: configuration %s loaded (kiosk "
			"%s, hub %s); store %s opened, schema version %d; outbox "
			"%d pending, %d parked.\n", cfg_name, c->kiosk_id,
			c->server_url, path, STORE_SCHEMA_VERSION, pending,
			parked);
	ret = EXIT_OK;
out:
	store_close(st);
	return ret;
}

/* Start the UI: run script (NULL: the event loop), shots into shots_dir.
 * Returns an exit status. */
static int run_ui(const struct config *c, bool headless, const char *script,
		  const char *shots_dir, int64_t started_ms)
{
	char db[CONFIG_PATH_MAX + sizeof("/" KIOSK_DB_NAME)];
	char secret[SIGN_SECRET_MAX + 1] = "";
	struct app_opts o = { .w = c->screen_w, .h = c->screen_h, .cfg = c,
			      .db_path = db, .secret = secret,
			      .started_ms = started_ms };
	char err[512];
	struct app *a = NULL;
	int e, ret = EXIT_RUNTIME;

	snprintf(db, sizeof(db), "%s/%s", c->data_dir, KIOSK_DB_NAME);
	if (headless)
		o.mode = RENDER_HEADLESS;
	else
		o.mode = c->fullscreen ? RENDER_FULLSCREEN : RENDER_WINDOW;
	if (c->secret_file[0] &&
	    sync_load_secret(c->secret_file, secret, sizeof(secret), err,
			     sizeof(err)) != CA_OK) {
		/* Without the secret the kiosk still works offline. */
		log_error("kiosk", "%s; no hub: login and payment are unavailable", err);
		secret[0] = '\0';
	}
	if (shots_dir) {
		e = fsperm_mkdirs(shots_dir);
		if (e) {
			fprintf(stderr, "ca-kiosk: cannot create %s: %s\n",
				shots_dir, strerror(e));
			goto out;
		}
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "ca-kiosk: out of memory\n");
		goto out;
	}
	if (app_init(a, &o, err, sizeof(err)) != CA_OK) {
		fprintf(stderr, "ca-kiosk: the UI cannot start: %s\n", err);
		log_error("kiosk", "the UI cannot start: %s", err);
		goto out;
	}
	if (script)
		ret = app_run_script(a, script, shots_dir);
	else
		ret = app_run(a);
out:
	if (a)
		app_release(a);
	free(a);
	explicit_bzero(secret, sizeof(secret));
	return ret;
}

/* Parse options, load the configuration, check the store, start the UI. */
/* Core dumps off (the process not dumpable, core size 0), or allowed
 * again (dumpable, the core size limit back to what the kiosk started
 * with). */
static void dumps_allow(bool allow)
{
	static struct rlimit start;
	static bool saved;
	struct rlimit none = { 0, 0 };

	if (!saved) {
		saved = getrlimit(RLIMIT_CORE, &start) == 0;
		if (!saved)
			start = none;
	}
	if (allow) {
		(void)setrlimit(RLIMIT_CORE, &start);
		(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		return;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_error("kiosk", "cannot make the process not dumpable: %s", strerror(errno));
	/* The soft limit (the hard one stays, so that a development config
	 * can allow dumps again without privileges). */
	none.rlim_max = start.rlim_max;
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		log_error("kiosk", "cannot set the core size limit to 0: %s", strerror(errno));
}

/* Say what the kernel holds now (read back, not what was asked). */
static void dumps_report(void)
{
	struct rlimit rl;
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);

	if (getrlimit(RLIMIT_CORE, &rl) != 0)
		rl.rlim_cur = RLIM_INFINITY;
	if (dumpable == 0 && rl.rlim_cur == 0)
		log_info("kiosk", "core dumps off (not dumpable, core size 0)");
	else
		log_warn("kiosk", "core dumps allowed (dumpable %d, core size %s): a crash may "
			 "write personal data to disk; [privacy] core_dumps = false in the field",
			 dumpable, rl.rlim_cur == RLIM_INFINITY ? "unlimited"
			 : rl.rlim_cur ? "limited" : "0");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "headless", no_argument, NULL, 'H' },
		{ "script", required_argument, NULL, 's' },
		{ "shots", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *script = NULL, *shots = NULL;
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	bool check_only = false, headless = false;
	int opt, outbox = 0, ret = EXIT_USAGE;
	int64_t started_ms = ca_mono_ms();
	ca_err rc;

	umask(077); /* the store, its WAL and whatever else the kiosk writes: its own */
	/* Before anything of a person is in memory: a crash writes none of
	 * it to disk (docs/config.md). [privacy] core_dumps may allow it
	 * again on a development machine, once the config is read. */
	dumps_allow(false);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'k':
			check_only = true;
			break;
		case 'H':
			headless = true;
			break;
		case 's':
			script = optarg;
			break;
		case 'o':
			shots = optarg;
			break;
		case 'h':
			usage(stdout, true);
			ret = EXIT_OK;
			goto out;
		case 'V':
			printf("ca-kiosk %s\n", ca_version());
			ret = EXIT_OK;
			goto out;
		default:
			usage(stderr, false);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ca-kiosk: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr, false);
		goto out;
	}
	if ((headless || shots) && !script) {
		fprintf(stderr, "ca-kiosk: --headless and --shots need --script "
			"FILE\n");
		usage(stderr, false);
		goto out;
	}
	if (check_only && script) {
		fprintf(stderr, "ca-kiosk: --check and --script do not go "
			"together\n");
		usage(stderr, false);
		goto out;
	}

	/* Installed, the kiosk reads its file in /etc; a development run
	 * names its own (make run, tools/flowrun). Never silent defaults. */
	if (!cfg_path && access(PATHS_KIOSK_CONFIG, F_OK) != 0) {
		fprintf(stderr, "ca-kiosk: no configuration: %s: %s; install one "
			"(kiosk.ini(5)) or give --config FILE\n", PATHS_KIOSK_CONFIG,
			strerror(errno));
		log_error("config", "%s missing; not starting", PATHS_KIOSK_CONFIG);
		goto out;
	}
	if (!cfg_path)
		cfg_path = PATHS_KIOSK_CONFIG;
	rc = config_load(&cfg, cfg_path, err, sizeof(err));
	if (rc != CA_OK) {
		fprintf(stderr, "%s\n", err);
		log_error("config", "%s rejected (%s); not starting",
			  cfg_path, ca_strerror(rc));
		goto out;
	}
	log_set_level(cfg.log_level);
	if (cfg.core_dumps)
		dumps_allow(true);
	dumps_report();
	log_info("kiosk", "ca-kiosk %s; config %s: kiosk %s, hub %s, "
		 "screen %dx%d %s%s, data_dir %s", ca_version(),
		 cfg_path, cfg.kiosk_id,
		 cfg.server_url, cfg.screen_w, cfg.screen_h,
		 cfg.orientation == CONFIG_LANDSCAPE ? "landscape" : "portrait",
		 cfg.fullscreen ? " fullscreen" : "", cfg.data_dir);
	if (access(cfg.font, R_OK) != 0)
		log_warn("kiosk", "font %s is not readable: %s", cfg.font,
			 strerror(errno));
	ret = check_store(&cfg, cfg_path, check_only, &outbox);
	if (ret != EXIT_OK || check_only)
		goto out;
	ret = run_ui(&cfg, headless, script, shots, started_ms);
out:
	return ret;
}
