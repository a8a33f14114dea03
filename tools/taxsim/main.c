/*
 * main.c - ca-taxsim's command line (docs/taxsim.md):
 *
 *   ca-taxsim --data DIR --cert PEM --key PEM [--listen IP] [--port N]
 *             --app-id ID --secret-file FILE --seller-tax-id USCC
 *             --seller-name NAME [--province NN] [--channel D]
 *             [--clock-file FILE] [--max-connections N] [--idle-timeout S]
 *             [--nonce-cache N] [--max-invoices N]
 *
 * Read and check every option and file first (exit 2 with the reason),
 * take DIR/taxsim.lock (one platform per directory), open the books,
 * start the server, write DIR/taxsim.port, then wait for SIGTERM or
 * SIGINT and stop in the opposite order (exit 0).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../paysim/simclock.h"
#include "auth.h"
#include "books.h"
#include "common/filesave.h"
#include "core/log.h"
#include "core/utf8.h"
#include "core/valid.h"
#include "hub/secretfile.h"
#include "hub/taxplat.h"
#include "server.h"
#include "tsim.h"

#define TAG "taxsim"
#define PEM_MAX (256 * 1024) /* a PEM file larger than this is refused */
#define HANG_MS_DEFAULT 10000

static const char usage[] =
	"usage: ca-taxsim --data DIR --cert PEM --key PEM [--listen IP] [--port N]\n"
	"                 --app-id ID --secret-file FILE --seller-tax-id USCC\n"
	"                 --seller-name NAME [--province NN] [--channel D]\n"
	"                 [--clock-file FILE] [--max-connections N] [--idle-timeout S]\n"
	"                 [--nonce-cache N] [--max-invoices N]\n";

/* The whole PEM file path (at most PEM_MAX bytes) into *dst (malloc'd);
 * an earlier value (the option given twice) is freed. */
static bool read_pem(char **dst, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(PEM_MAX + 1);
	size_t n;

	free(*dst);
	*dst = NULL;
	if (!f || !buf) {
		fprintf(stderr, "ca-taxsim: %s: %s\n", path, f ? "out of memory" : strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return false;
	}
	n = fread(buf, 1, PEM_MAX + 1, f);
	fclose(f);
	if (n > PEM_MAX) {
		fprintf(stderr, "ca-taxsim: %s: over %d bytes\n", path, PEM_MAX);
		free(buf);
		return false;
	}
	buf[n] = '\0';
	*dst = buf;
	return true;
}

/* A whole decimal in lo..hi from text; -1 when it is not one. */
static long number(const char *text, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	return !*text || *end || errno || v < lo || v > hi ? -1 : v;
}

/* Copy an option's value into dst (size n); false when too long. */
static bool copy_opt(char *dst, size_t n, const char *v, const char *name)
{
	if (strlen(v) >= n) {
		fprintf(stderr, "ca-taxsim: --%s is over %zu bytes\n", name, n - 1);
		return false;
	}
	snprintf(dst, n, "%s", v);
	return true;
}

/* The options that are texts with rules of their own. */
static bool check_texts(const struct tsim_cfg *c)
{
	unsigned char addr[16];
	size_t chars = 0;

	if (inet_pton(AF_INET, c->listen, addr) != 1 && inet_pton(AF_INET6, c->listen, addr) != 1) {
		fprintf(stderr, "ca-taxsim: --listen %s is not an IP address\n", c->listen);
		return false;
	}
	if (!*c->app_id || strspn(c->app_id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz_") != strlen(c->app_id)) {
		fprintf(stderr, "ca-taxsim: --app-id must be letters, digits and '_'\n");
		return false;
	}
	if (valid_uscc(c->seller_tax_id) != MSG_NONE) {
		fprintf(stderr, "ca-taxsim: --seller-tax-id %s is not a unified social credit "
			"code\n", c->seller_tax_id);
		return false;
	}
	if (!utf8_count(c->seller_name, &chars) || !chars || chars > TSIM_SELLER_CHARS) {
		fprintf(stderr, "ca-taxsim: --seller-name must be 1 to %d characters of UTF-8\n",
			TSIM_SELLER_CHARS);
		return false;
	}
	return true;
}

/* One numeric option o (its name) into c. */
static bool numeric(struct tsim_cfg *c, const char *name, const char *v)
{
	static const struct {
		const char *name;
		long lo, hi;
		size_t off;
	} opts[] = {
		{ "port", 0, 65535, offsetof(struct tsim_cfg, port) },
		{ "province", 10, 99, offsetof(struct tsim_cfg, province) },
		{ "channel", 0, 9, offsetof(struct tsim_cfg, channel) },
		{ "max-connections", 1, 1000, offsetof(struct tsim_cfg, max_connections) },
		{ "idle-timeout", 1, 3600, offsetof(struct tsim_cfg, idle_timeout_s) },
		{ "nonce-cache", 1, 10000000, offsetof(struct tsim_cfg, nonces) },
		{ "max-invoices", 1, 10000000, offsetof(struct tsim_cfg, max_invoices) },
	};
	size_t i;
	long n;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]) && strcmp(opts[i].name, name); i++)
		;
	if (i == sizeof(opts) / sizeof(opts[0]))
		return false;
	n = number(v, opts[i].lo, opts[i].hi);
	if (n < 0) {
		fprintf(stderr, "ca-taxsim: --%s %s is out of range %ld..%ld\n", name, v,
			opts[i].lo, opts[i].hi);
		return false;
	}
	*(int *)(void *)((char *)c + opts[i].off) = (int)n;
	return true;
}

/* The command line into c. 0, or 2 after saying why. */
static int parse(int argc, char **argv, struct tsim_cfg *c)
{
	enum { O_DATA = 1, O_CERT, O_KEY, O_LISTEN, O_APP, O_SECRET, O_SELLER_ID, O_SELLER,
	       O_CLOCK, O_NUMERIC };
	static const struct option opts[] = {
		{ "data", required_argument, NULL, O_DATA },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "app-id", required_argument, NULL, O_APP },
		{ "secret-file", required_argument, NULL, O_SECRET },
		{ "seller-tax-id", required_argument, NULL, O_SELLER_ID },
		{ "seller-name", required_argument, NULL, O_SELLER },
		{ "clock-file", required_argument, NULL, O_CLOCK },
		{ "port", required_argument, NULL, O_NUMERIC },
		{ "province", required_argument, NULL, O_NUMERIC },
		{ "channel", required_argument, NULL, O_NUMERIC },
		{ "max-connections", required_argument, NULL, O_NUMERIC },
		{ "idle-timeout", required_argument, NULL, O_NUMERIC },
		{ "nonce-cache", required_argument, NULL, O_NUMERIC },
		{ "max-invoices", required_argument, NULL, O_NUMERIC },
		{ NULL, 0, NULL, 0 },
	};
	char err[400];
	bool ok = true;
	int o, idx = 0;

	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->province = TSIM_PROVINCE;
	c->channel = TSIM_CHANNEL;
	c->max_connections = TSIM_MAX_CONNECTIONS;
	c->idle_timeout_s = TSIM_IDLE_TIMEOUT_S;
	c->nonces = TSIM_NONCES;
	c->max_invoices = TSIM_MAX_INVOICES;
	optind = 1;
	while (ok && (o = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		const char *name = opts[idx].name;

		switch (o) {
		case O_DATA: ok = copy_opt(c->data_dir, sizeof(c->data_dir), optarg, name); break;
		case O_CERT: ok = read_pem(&c->cert_pem, optarg); break;
		case O_KEY: ok = read_pem(&c->key_pem, optarg); break;
		case O_LISTEN: ok = copy_opt(c->listen, sizeof(c->listen), optarg, name); break;
		case O_APP: ok = copy_opt(c->app_id, sizeof(c->app_id), optarg, name); break;
		case O_SECRET:
			ok = !secretfile_read("--secret-file", optarg, TAXPLAT_SECRET_MIN,
					      SIGN_SECRET_MAX, c->secret, sizeof(c->secret), err,
					      sizeof(err));
			if (!ok)
				fprintf(stderr, "ca-taxsim: %s\n", err);
			break;
		case O_SELLER_ID:
			ok = copy_opt(c->seller_tax_id, sizeof(c->seller_tax_id), optarg, name);
			break;
		case O_SELLER:
			ok = copy_opt(c->seller_name, sizeof(c->seller_name), optarg, name);
			break;
		case O_CLOCK:
			ok = copy_opt(c->clock_file, sizeof(c->clock_file), optarg, name);
			break;
		case O_NUMERIC: ok = numeric(c, name, optarg); break;
		default: ok = false;
		}
	}
	if (ok && (optind != argc || !c->data_dir[0] || !c->cert_pem || !c->key_pem ||
		   !c->app_id[0] || !c->secret[0] || !c->seller_tax_id[0] || !c->seller_name[0])) {
		fprintf(stderr, "ca-taxsim: needs --data, --cert, --key, --app-id, --secret-file, "
			"--seller-tax-id and --seller-name\n");
		ok = false;
	}
	ok = ok && check_texts(c);
	if (!ok)
		fputs(usage, stderr);
	return ok ? 0 : 2;
}

static void cfg_release(struct tsim_cfg *c)
{
	free(c->cert_pem);
	if (c->key_pem)
		explicit_bzero(c->key_pem, strlen(c->key_pem));
	free(c->key_pem);
	explicit_bzero(c->secret, sizeof(c->secret));
}

/* DIR made (0700) when missing, and its lock taken: the lock's fd, or -1. */
static int take_dir(const char *dir)
{
	char path[TSIM_PATH_MAX + 16];
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_error(TAG, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/taxsim.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		log_error(TAG, "%s: %s", path, fd < 0 ? strerror(errno)
			  : "another ca-taxsim serves this directory");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Write the port to DIR/taxsim.port (atomically). */
static int write_port(const char *dir, int port)
{
	char path[TSIM_PATH_MAX + 16], text[16], err[200];
	int n = snprintf(text, sizeof(text), "%d\n", port);

	snprintf(path, sizeof(path), "%s/taxsim.port", dir);
	if (file_save(path, text, (size_t)n, 0600, err, sizeof(err))) {
		log_error(TAG, "%s", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct tsim_cfg cfg;
	static struct tsim ts;
	struct server *srv = NULL;
	char err[300];
	sigset_t set;
	int lock = -1, rc = 1, sig = 0;

	if (parse(argc, argv, &cfg)) {
		cfg_release(&cfg);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Every thread made after this leaves them to sigwait. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	simclock_init(cfg.clock_file);
	ts.cfg = &cfg;
	atomic_store(&ts.hang_ms, HANG_MS_DEFAULT);
	lock = take_dir(cfg.data_dir);
	if (lock < 0)
		goto out;
	if (books_open(cfg.data_dir, cfg.max_invoices, &ts.books, err, sizeof(err))) {
		log_error(TAG, "%s", err);
		goto out;
	}
	ts.nonces = nonces_new(cfg.nonces);
	if (!ts.nonces) {
		log_error(TAG, "out of memory");
		goto out;
	}
	if (server_start(&ts, &srv, err, sizeof(err))) {
		log_error(TAG, "%s", err);
		goto out;
	}
	if (write_port(cfg.data_dir, server_port(srv)))
		goto out;
	log_info(TAG, "tax platform for app %s (seller %s) on https://%s:%d: numbers %02d%d..., "
		 "at most %d connections, %d nonces, %d invoices", cfg.app_id, cfg.seller_tax_id,
		 cfg.listen, server_port(srv), cfg.province, cfg.channel, cfg.max_connections,
		 cfg.nonces, cfg.max_invoices);
	while (sigwait(&set, &sig) != 0 || sig == SIGHUP)
		;
	log_info(TAG, "signal %d: stopping", sig);
	rc = 0;
out:
	atomic_store(&ts.stopping, true);
	server_stop(srv);
	nonces_free(ts.nonces);
	books_close(ts.books);
	if (lock >= 0)
		close(lock);
	cfg_release(&cfg);
	if (!rc)
		log_info(TAG, "stopped");
	return rc;
}
