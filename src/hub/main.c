/*
 * main.c - the ca-hub entry point: the central server kiosks sync with.
 *
 * Start-up order: options, configuration (exit 2 on any problem, every one
 * listed as FILE:LINE), the data directory (made private, 0700 and its
 * files 0600, or exit 1: datadir.h) and its lock, the admin token, the
 * store (hub.db), the routes, the listener (TLS unless --insecure-http on a
 * loopback address). Then the main thread waits for SIGTERM/SIGINT; the
 * server's threads do the work. Under systemd (ca-hub.service, Type=notify)
 * it says READY=1 once listening, and while it waits it asks its own
 * GET /health every half watchdog period: WATCHDOG=1 only when that is
 * answered, so a hub that accepts no request or whose store hangs is
 * restarted (src/common/sdnotify.h). On the signal: stop accepting, answer the
 * parked long-polls, stop the daemon (joining its threads), close the store.
 *
 * Where to read next: http.c (server and routing), api_records.c (the
 * outbox endpoint), db.h (storage), docs/hub.md.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/filesave.h"
#include "common/paths.h"
#include "common/sdnotify.h"
#include "core/clock.h"
#include "core/version.h"
#include "core/log.h"
#include "api.h"
#include "auth.h"
#include "console.h"
#include "datadir.h"
#include "hub.h"
#include "http.h"
#include "invoice_pdf.h"
#include "invoicing.h"
#include "taxplat.h"
#include "pay.h"
#include "vclock.h"
#include "bankpay.h"
#include "wxpay.h"


#define HUB_DB_NAME DATADIR_DB
#define HUB_PORT_FILE DATADIR_PORT
#define PEM_MAX (1024 * 1024)

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static void usage(FILE *f, bool full)
{
	fprintf(f, "usage: ca-hub [--config FILE] [--data-dir DIR] [--listen ADDR] [--port N]\n"
		   "              [--virtual-clock] [--insecure-http] [--check]\n"
		   "       ca-hub --help | --version\n");
	if (!full)
		return;
	fprintf(f,
		"\n"
		"The central server of the CA self-service kiosks: HTTPS + JSON API\n"
		"(docs/api.md), device-signed requests, staff actions (ca-hubctl).\n"
		"\n"
		"  --config FILE     settings (INI; hub.ini(5) lists every key); default\n"
		"                    " PATHS_HUB_CONFIG "\n"
		"  --data-dir DIR    override [hub] data_dir (hub.db, admin.token, hub.port)\n"
		"  --listen ADDR     override [hub] listen (an IPv4 or IPv6 address)\n"
		"  --port N          override [hub] port (0: any free port; the port in use\n"
		"                    is written to DATA_DIR/" HUB_PORT_FILE ")\n"
		"  --virtual-clock   let POST /v1/admin/clock (ca-hubctl clock advance) move\n"
		"                    the hub's clock forward (tests, demos; not in production)\n"
		"  --insecure-http   plain HTTP instead of TLS; only on a loopback address,\n"
		"                    never in production mode\n"
		"  --check           load the configuration, open the store, exit\n"
		"  --help            show this text\n"
		"  --version         show the version\n"
		"\n"
		"The admin token for ca-hubctl is DATA_DIR/admin.token (made at first start,\n"
		"mode 0600). SIGTERM or SIGINT stops the hub cleanly.\n"
		"The data directory is made private at every start (0700, its files 0600,\n"
		"owned by this user, no symbolic link); when it cannot be, or another hub\n"
		"holds it (hub.lock), the hub does not start.\n"
		"Exit status: 0 stopped cleanly, 1 runtime failure (or a data directory\n"
		"that cannot be made private, or is in use), 2 bad usage or configuration.\n");
}

/* Read a whole PEM file (at most PEM_MAX) into a new string. */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n;

	if (!f) {
		fprintf(stderr, "ca-hub: %s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(PEM_MAX + 1);
	if (buf) {
		n = fread(buf, 1, PEM_MAX + 1, f);
		if (ferror(f) || n > PEM_MAX || !strstr(buf, "-----BEGIN")) {
			buf[n <= PEM_MAX ? n : PEM_MAX] = '\0';
			fprintf(stderr, "ca-hub: %s: %s\n", path, ferror(f) ? "read error"
				: n > PEM_MAX ? "larger than 1 MiB" : "not a PEM file");
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* curl write callback: the body of the health probe is not needed. */
static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* Whether addr is a loopback address (127.0.0.0/8 or ::1). */
static bool is_loopback(const char *addr)
{
	unsigned char b[16];
	static const unsigned char v6lo[16] = { [15] = 1 };

	if (inet_pton(AF_INET, addr, b) == 1)
		return b[0] == 127;
	return inet_pton(AF_INET6, addr, b) == 1 && memcmp(b, v6lo, 16) == 0;
}

/* Write the bound port to DATA_DIR/hub.port (file_save: a reader never
 * sees half a number). */
static void write_port(const char *dir, int port)
{
	char path[HUBCFG_PATH_MAX + 32], text[16], err[FILESAVE_PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/%s", dir, HUB_PORT_FILE);
	snprintf(text, sizeof(text), "%d\n", port);
	if (file_save(path, text, strlen(text), 0600, err, sizeof(err)) != CA_OK)
		log_warn("hub", "cannot write the port file: %s", err);
}

/* GET /health of this hub (TLS not verified: it is our own socket, and
 * nothing secret is sent). 0 when it answered 200 within 5 s. */
static int probe_health(const char *listen, int port, bool tls)
{
	char url[128];
	const char *host = listen;
	long code = 0;
	CURL *cu = curl_easy_init();
	CURLcode rc;

	if (!cu)
		return -1;
	/* A wildcard listener is reached on loopback. */
	if (!strcmp(listen, "0.0.0.0"))
		host = "127.0.0.1";
	else if (!strcmp(listen, "::"))
		host = "::1";
	snprintf(url, sizeof(url), "%s://%s%s%s:%d/health", tls ? "https" : "http",
		 strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "ca-hub-watchdog");
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(cu);
	if (rc == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(cu);
	if (rc != CURLE_OK || code != 200) {
		log_warn("hub", "watchdog: %s: %s", url,
			 rc != CURLE_OK ? curl_easy_strerror(rc) : "not 200");
		return -1;
	}
	return 0;
}

/* Tell systemd the hub is ready, then wait for a stop signal; with a
 * watchdog, ping it every period while GET /health answers. Returns the
 * signal. */
static int supervised_wait(const sigset_t *sigs, const char *listen, int port, bool tls)
{
	char err[SDNOTIFY_ERR_MAX];
	int64_t period = sdnotify_watchdog_init("hub"), next = 0, left;
	struct timespec ts;
	int sig;

	if (sdnotify_send("READY=1\nSTATUS=listening", err, sizeof(err)) != 0)
		log_error("hub", "%s", err);
	if (period > 0)
		next = ca_mono_ms() + period;
	for (;;) {
		if (period <= 0) {
			if (sigwait(sigs, &sig) == 0)
				return sig;
			continue;
		}
		/* Probes keep their rhythm however long one takes. */
		left = next - ca_mono_ms();
		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		sig = sigtimedwait(sigs, NULL, &ts);
		if (sig > 0)
			return sig;
		if (errno == EINTR)
			continue;
		next += period;
		if (probe_health(listen, port, tls) == 0 &&
		    sdnotify_send("WATCHDOG=1", err, sizeof(err)) != 0)
			log_warn("hub", "%s", err);
		if (next < ca_mono_ms())
			next = ca_mono_ms(); /* a probe slower than the period: no burst */
	}
}

/*
 * The staff console on its own listener ([console] listen and port; its
 * own certificate or the hub's), TLS always. Its port goes to
 * DATA_DIR/console.port. On failure a message is in err.
 */
static ca_err console_start(struct hub *hub, struct http **out, const char *cert,
			    const char *key, char *err, size_t errlen)
{
	struct hubcfg *c = &hub->cfg;
	char *own_cert = NULL, *own_key = NULL, path[HUBCFG_PATH_MAX + 32], text[16];
	struct http_opts o;
	struct http *h = http_new(hub);
	ca_err e = CA_ERR_NOMEM;

	*out = h;
	if (!h || console_register(h)) {
		snprintf(err, errlen, "cannot set up the routes");
		return e;
	}
	if (c->console_cert[0]) {
		own_cert = read_pem(c->console_cert);
		own_key = own_cert ? read_pem(c->console_key) : NULL;
		if (!own_cert || !own_key) {
			snprintf(err, errlen, "cannot read [console] cert or key");
			e = CA_ERR_CONFIG;
			goto out;
		}
	}
	memset(&o, 0, sizeof(o));
	o.listen = c->console_listen;
	o.port = c->console_port;
	o.tls = true;
	o.cert_pem = own_cert ? own_cert : cert;
	o.key_pem = own_key ? own_key : key;
	o.max_connections = 256;
	o.per_address = 32;
	o.timeout_s = c->connection_timeout_s;
	o.request_timeout_s = c->request_timeout_s;
	o.threads = 2;
	o.html_csp = CONSOLE_CSP;
	e = http_start(h, &o, err, errlen);
	if (e)
		goto out;
	snprintf(path, sizeof(path), "%s/console.port", c->data_dir);
	snprintf(text, sizeof(text), "%d\n", http_port(h));
	if (file_save(path, text, strlen(text), 0600, err, errlen) != CA_OK)
		log_warn("hub", "cannot write the console's port file: %s", err);
	log_info("hub", "console on https://%s%s%s:%d", strchr(o.listen, ':') ? "[" : "",
		 o.listen, strchr(o.listen, ':') ? "]" : "", http_port(h));
out:
	free(own_cert);
	if (own_key)
		explicit_bzero(own_key, strlen(own_key));
	free(own_key);
	return e;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "virtual-clock", no_argument, NULL, 'V' },
		{ "insecure-http", no_argument, NULL, 'I' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static struct hub hub;
	const char *cfg_path = NULL, *data_dir = NULL, *listen_addr = NULL, *port_arg = NULL;
	bool insecure = false, check = false;
	char err[HUBCFG_ERR_MAX], dbpath[HUBCFG_PATH_MAX + 16];
	char *cert = NULL, *key = NULL, *end;
	struct http_opts ho;
	struct http *http = NULL, *console = NULL;
	sigset_t sigs;
	int c, sig, ret = EXIT_RUNTIME, lock_fd = -1;
	long port;
	ca_err e;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'd': data_dir = optarg; break;
		case 'l': listen_addr = optarg; break;
		case 'p': port_arg = optarg; break;
		case 'V': hub.virtual_clock = true; break;
		case 'I': insecure = true; break;
		case 'k': check = true; break;
		case 'h': usage(stdout, true); return EXIT_OK;
		case 'v': printf("ca-hub %s\n", ca_version()); return EXIT_OK;
		default: usage(stderr, false); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ca-hub: unexpected argument '%s'\n", argv[optind]);
		usage(stderr, false);
		return EXIT_USAGE;
	}
	if (!cfg_path && access(PATHS_HUB_CONFIG, F_OK) != 0) {
		fprintf(stderr, "ca-hub: no configuration: %s: %s; install one (hub.ini(5)) "
			"or give --config FILE\n", PATHS_HUB_CONFIG, strerror(errno));
		return EXIT_USAGE;
	}
	if (!cfg_path)
		cfg_path = PATHS_HUB_CONFIG;

	e = hubcfg_load(&hub.cfg, cfg_path, err, sizeof(err));
	if (e) {
		fprintf(stderr, "%s\n", err);
		fprintf(stderr, "ca-hub: configuration not usable; not starting\n");
		return EXIT_USAGE;
	}
	log_set_level(hub.cfg.log_level);
	if (data_dir) {
		if (!*data_dir || strlen(data_dir) > HUBCFG_PATH_MAX) {
			fprintf(stderr, "ca-hub: --data-dir: empty or too long\n");
			return EXIT_USAGE;
		}
		snprintf(hub.cfg.data_dir, sizeof(hub.cfg.data_dir), "%s", data_dir);
	}
	if (listen_addr) {
		unsigned char b[16];

		if (strlen(listen_addr) >= sizeof(hub.cfg.listen) ||
		    (inet_pton(AF_INET, listen_addr, b) != 1 &&
		     inet_pton(AF_INET6, listen_addr, b) != 1)) {
			fprintf(stderr, "ca-hub: --listen: '%s' is not an IP address\n", listen_addr);
			return EXIT_USAGE;
		}
		snprintf(hub.cfg.listen, sizeof(hub.cfg.listen), "%s", listen_addr);
	}
	if (port_arg) {
		errno = 0;
		port = strtol(port_arg, &end, 10);
		if (!*port_arg || *end || errno || port < 0 || port > 65535) {
			fprintf(stderr, "ca-hub: --port: '%s' is not 0..65535\n", port_arg);
			return EXIT_USAGE;
		}
		hub.cfg.port = (int)port;
	}
	if (hub.cfg.mode == HUB_MODE_PRODUCTION && (insecure || hub.virtual_clock)) {
		fprintf(stderr, "ca-hub: %s is not allowed in production mode\n",
			insecure ? "--insecure-http" : "--virtual-clock");
		return EXIT_USAGE;
	}
	if (insecure && !is_loopback(hub.cfg.listen)) {
		fprintf(stderr, "ca-hub: refusing plain HTTP on %s: --insecure-http works only "
			"on a loopback address (127.0.0.1, ::1); use TLS ([hub] cert, key)\n",
			hub.cfg.listen);
		return EXIT_USAGE;
	}
	if (!insecure && (!hub.cfg.cert[0] || !hub.cfg.key[0])) {
		fprintf(stderr, "ca-hub: %s: [hub] cert and key are needed for TLS (plain HTTP "
			"only with --insecure-http on loopback)\n", cfg_path);
		return EXIT_USAGE;
	}
	if (sms_open(&hub.cfg, &hub.sms, err, sizeof(err))) {
		fprintf(stderr, "ca-hub: %s: %s\n", cfg_path, err);
		return EXIT_USAGE;
	}
	if (!insecure) {
		cert = read_pem(hub.cfg.cert);
		key = cert ? read_pem(hub.cfg.key) : NULL;
		if (!cert || !key) {
			ret = EXIT_USAGE;
			goto out;
		}
	}
	vclock_enable(hub.virtual_clock);
	/* Before any thread: curl's global state for the watchdog's probe. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "ca-hub: curl_global_init failed\n");
		goto out;
	}
	umask(077); /* whatever the hub creates is its own: store, token, port file */

	/* Block the stop signals before any thread starts: only sigwait sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (datadir_prepare(hub.cfg.data_dir, err, sizeof(err)) ||
	    (!check && datadir_lock(hub.cfg.data_dir, &lock_fd, err, sizeof(err)))) {
		fprintf(stderr, "ca-hub: data_dir: %s; not starting\n", err);
		goto out;
	}
	if (auth_token_init(hub.cfg.data_dir, hub.admin_token, err, sizeof(err))) {
		fprintf(stderr, "ca-hub: %s\n", err);
		goto out;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/%s", hub.cfg.data_dir, HUB_DB_NAME);
	if (hubdb_open(dbpath, &hub.db, err, sizeof(err))) {
		fprintf(stderr, "ca-hub: %s\n", err);
		goto out;
	}
	hubdb_set_binding_life(hub.db, (int64_t)hub.cfg.binding_days * 86400);
	if (!strcmp(hub.cfg.pay_wechat, "wechatpay_v3")) {
		struct wxpay *wx; /* its key files, read and checked before anything runs */

		if (wxpay_new(&hub.cfg, &wx, err, sizeof(err))) {
			fprintf(stderr, "ca-hub: %s: %s\n", cfg_path, err);
			ret = EXIT_USAGE;
			goto out;
		}
		wxpay_free(wx);
	}
	if (hub.cfg.tax_url[0]) {
		struct taxplat *tp; /* the tax platform's app secret, read now */

		if (taxplat_new(&hub.cfg, &tp, err, sizeof(err))) {
			fprintf(stderr, "ca-hub: %s: %s\n", cfg_path, err);
			ret = EXIT_USAGE;
			goto out;
		}
		taxplat_free(tp);
	}
	if (!strcmp(hub.cfg.pay_bank, "gateway")) {
		struct bankpay *bk; /* the same for the bank gateway's */

		if (bankpay_new(&hub.cfg, hub.db, &bk, err, sizeof(err))) {
			fprintf(stderr, "ca-hub: %s: %s\n", cfg_path, err);
			ret = EXIT_USAGE;
			goto out;
		}
		bankpay_free(bk);
	}
	if (hub.virtual_clock && !check) {
		/* The provider simulator of a test reads the hub's clock here. */
		snprintf(dbpath, sizeof(dbpath), "%s/clock.offset", hub.cfg.data_dir);
		if (vclock_share(dbpath)) {
			fprintf(stderr, "ca-hub: cannot write %s\n", dbpath);
			goto out;
		}
		snprintf(dbpath, sizeof(dbpath), "%s/%s", hub.cfg.data_dir, HUB_DB_NAME);
	}
	if (check) {
		printf("ca-hub: %s fine; store %s at revision %lld\n", cfg_path, dbpath,
		       (long long)hubdb_rev_current(hub.db));
		ret = EXIT_OK;
		goto out;
	}
	http = http_new(&hub);
	hub.http = http;
	if (!http || hubpay_new(&hub, &hub.pay) || hubinv_new(&hub, &hub.inv) ||
	    api_admin_register(http, hub.cfg.mode) ||
	    api_login_register(http) || api_records_register(http) || api_feed_register(http) ||
	    api_pay_register(http, hub.cfg.mode) || api_pages_register(http) || api_invoice_register(http) ||
	    api_fleet_register(http) || api_staff_register(http)) {
		fprintf(stderr, "ca-hub: cannot set up the routes\n");
		goto out;
	}
	memset(&ho, 0, sizeof(ho));
	ho.listen = hub.cfg.listen;
	ho.port = hub.cfg.port;
	ho.tls = !insecure;
	ho.cert_pem = cert;
	ho.key_pem = key;
	ho.max_connections = hub.cfg.max_connections;
	ho.per_address = hub.cfg.per_address_connections;
	ho.timeout_s = hub.cfg.connection_timeout_s;
	ho.request_timeout_s = hub.cfg.request_timeout_s;
	ho.threads = hub.cfg.threads;
	if (http_start(http, &ho, err, sizeof(err))) {
		fprintf(stderr, "ca-hub: %s\n", err);
		goto out;
	}
	if (!insecure && console_start(&hub, &console, cert, key, err, sizeof(err))) {
		fprintf(stderr, "ca-hub: console: %s\n", err);
		goto out;
	}
	if (hubpay_start(hub.pay) || hubinv_start(hub.inv)) {
		fprintf(stderr, "ca-hub: cannot start the payment and invoice threads\n");
		goto out;
	}
	write_port(hub.cfg.data_dir, http_port(http));
	log_info("hub", "listening on %s://%s%s%s:%d (mode %s%s), store %s at revision %lld",
		 insecure ? "http" : "https", strchr(hub.cfg.listen, ':') ? "[" : "",
		 hub.cfg.listen, strchr(hub.cfg.listen, ':') ? "]" : "", http_port(http),
		 hubcfg_mode_name(hub.cfg.mode), hub.virtual_clock ? ", virtual clock" : "",
		 dbpath, (long long)hubdb_rev_current(hub.db));

	sig = supervised_wait(&sigs, hub.cfg.listen, http_port(http), !insecure);
	log_info("hub", "signal %d: stopping", sig);
	(void)sdnotify_send("STOPPING=1", NULL, 0);
	http_free(console);
	console = NULL;
	http_free(http); /* parked long-polls answered, then the listener closed */
	http = NULL;
	ret = EXIT_OK;
out:
	http_free(console);
	http_free(http);
	hubpay_free(hub.pay); /* its threads use the store: before it closes */
	hubinv_free(hub.inv);
	hubdb_close(hub.db);
	sms_free(hub.sms); /* no handler runs any more */
	invoice_pdf_shutdown();
	if (ret == EXIT_OK && !check)
		log_info("hub", "stopped");
	free(cert);
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
	datadir_unlock(lock_fd);
	curl_global_cleanup();
	return ret;
}
