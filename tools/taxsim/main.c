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
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../simkit/simauth.h"
#include "../simkit/simrun.h"
#include "auth.h"
#include "books.h"
#include "common/netaddr.h"
#include "core/log.h"
#include "core/utf8.h"
#include "core/valid.h"
#include "hub/secretfile.h"
#include "hub/taxplat.h"
#include "server.h"
#include "tsim.h"

#define TAG "taxsim"
#define HANG_MS_DEFAULT 10000

static const char usage[] =
	"usage: ca-taxsim --data DIR --cert PEM --key PEM [--listen IP] [--port N]\n"
	"                 --app-id ID --secret-file FILE --seller-tax-id USCC\n"
	"                 --seller-name NAME [--province NN] [--channel D]\n"
	"                 [--clock-file FILE] [--max-connections N] [--idle-timeout S]\n"
	"                 [--nonce-cache N] [--max-invoices N]\n";

/* The options that are texts with rules of their own. */
static bool check_texts(const struct tsim_cfg *c)
{
	struct sockaddr_storage ss;
	size_t chars = 0;

	if (netaddr_listen(c->o.listen, 0, &ss) < 0) {
		fprintf(stderr, "ca-taxsim: --listen %s is not an IP address\n", c->o.listen);
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

/* The platform's own whole-number options. */
static const struct simrun_int numbers[] = {
	{ "province", 10, 99, offsetof(struct tsim_cfg, province) },
	{ "channel", 0, 9, offsetof(struct tsim_cfg, channel) },
	{ "max-invoices", 1, 10000000, offsetof(struct tsim_cfg, max_invoices) },
};

/* The command line into c. 0, or 2 after saying why. */
static int parse(int argc, char **argv, struct tsim_cfg *c)
{
	enum { O_SHARED = 1, O_APP, O_SECRET, O_SELLER_ID, O_SELLER, O_NUMERIC };
	static const struct option opts[] = {
		SIMRUN_OPTIONS(O_SHARED),
		{ "app-id", required_argument, NULL, O_APP },
		{ "secret-file", required_argument, NULL, O_SECRET },
		{ "seller-tax-id", required_argument, NULL, O_SELLER_ID },
		{ "seller-name", required_argument, NULL, O_SELLER },
		{ "province", required_argument, NULL, O_NUMERIC },
		{ "channel", required_argument, NULL, O_NUMERIC },
		{ "max-invoices", required_argument, NULL, O_NUMERIC },
		{ NULL, 0, NULL, 0 },
	};
	char err[400];
	bool ok = true;
	int o, idx = 0;

	simrun_defaults(&c->o);
	c->province = TSIM_PROVINCE;
	c->channel = TSIM_CHANNEL;
	c->max_invoices = TSIM_MAX_INVOICES;
	optind = 1;
	while (ok && (o = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		const char *name = opts[idx].name;

		switch (o) {
		case O_SHARED: ok = simrun_option(&c->o, name, optarg); break;
		case O_APP: ok = simrun_copy(c->app_id, sizeof(c->app_id), optarg, name); break;
		case O_SECRET:
			ok = !secretfile_read("--secret-file", optarg, TAXPLAT_SECRET_MIN,
					      SIGN_SECRET_MAX, c->secret, sizeof(c->secret), err,
					      sizeof(err));
			if (!ok)
				fprintf(stderr, "ca-taxsim: %s\n", err);
			break;
		case O_SELLER_ID:
			ok = simrun_copy(c->seller_tax_id, sizeof(c->seller_tax_id), optarg, name);
			break;
		case O_SELLER:
			ok = simrun_copy(c->seller_name, sizeof(c->seller_name), optarg, name);
			break;
		case O_NUMERIC:
			ok = simrun_int_option(numbers, sizeof(numbers) / sizeof(numbers[0]), c, name,
					       optarg) > 0;
			break;
		default: ok = false;
		}
	}
	if (ok && (optind != argc || !simrun_given(&c->o) || !c->app_id[0] || !c->secret[0] || !c->seller_tax_id[0] || !c->seller_name[0])) {
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
	simrun_release(&c->o);
	explicit_bzero(c->secret, sizeof(c->secret));
}

int main(int argc, char **argv)
{
	static struct tsim_cfg cfg;
	static struct tsim ts;
	struct simhttp *srv = NULL;
	char err[300];
	sigset_t set;
	int lock = -1, rc = 1;

	simrun_name("taxsim");
	if (parse(argc, argv, &cfg)) {
		cfg_release(&cfg);
		return 2;
	}
	ts.cfg = &cfg;
	atomic_store(&ts.hang_ms, HANG_MS_DEFAULT);
	lock = simrun_start(&cfg.o, &set);
	if (lock < 0)
		goto out;
	if (books_open(cfg.o.data_dir, cfg.max_invoices, &ts.books, err, sizeof(err))) {
		log_error(TAG, "%s", err);
		goto out;
	}
	ts.nonces = simnonces_new(cfg.o.nonces);
	if (!ts.nonces) {
		log_error(TAG, "out of memory");
		goto out;
	}
	if (server_start(&ts, &srv, err, sizeof(err))) {
		log_error(TAG, "%s", err);
		goto out;
	}
	if (simrun_port_file(&cfg.o, simhttp_port(srv)))
		goto out;
	log_info(TAG, "tax platform for app %s (seller %s) on https://%s:%d: numbers %02d%d..., "
		 "at most %d connections, %d nonces, %d invoices", cfg.app_id, cfg.seller_tax_id,
		 cfg.o.listen, simhttp_port(srv), cfg.province, cfg.channel,
		 cfg.o.max_connections, cfg.o.nonces, cfg.max_invoices);
	simrun_wait(&set);
	rc = 0;
out:
	atomic_store(&ts.stopping, true);
	simhttp_stop(srv);
	simnonces_free(ts.nonces);
	books_close(ts.books);
	if (lock >= 0)
		close(lock);
	cfg_release(&cfg);
	if (!rc)
		log_info(TAG, "stopped");
	return rc;
}
