/*
 * main.c - ca-paysim's command line (docs/paysim.md):
 *
 *   ca-paysim serve --data DIR --cert PEM --key PEM [--listen IP] [--port N]
 *             --mchid ID --appid ID --merchant-serial SERIAL --merchant-cert PEM
 *             --apiv3-key FILE --platform-key PEM --platform-id ID
 *             [--notify-ca PEM] [--clock-file FILE] [--time-scale N]
 *             [--max-connections N] [--idle-timeout S] [--nonce-cache N]
 *             [--max-orders N]
 *             [--bank-mer-id ID --bank-merchant-cert PEM --bank-key PEM --bank-cert-id N]
 *   ca-paysim pay --sim URL --ca PEM CODE_URL|HTTPS_URL
 *
 * serve: read and check every file first (exit 2 with the reason), take
 * DIR/paysim.lock (one simulator per directory), open the books, start
 * the delivery thread and the server, write DIR/paysim.port, then wait for
 * SIGTERM or SIGINT and stop in the opposite order (exit 0).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "books.h"
#include "browse.h"
#include "common/filesave.h"
#include "core/log.h"
#include "hub/upsign.h"
#include "hub/wxsign.h"
#include "notify.h"
#include "psim.h"
#include "server.h"
#include "simclock.h"
#include "v3check.h"

#define TAG "paysim"
#define FILE_MAX (256 * 1024) /* a PEM file larger than this is refused */
#define PAY_ANSWER_MAX 4096

static const char usage[] =
	"usage: ca-paysim serve --data DIR --cert PEM --key PEM [--listen IP] [--port N]\n"
	"                 --mchid ID --appid ID --merchant-serial SERIAL --merchant-cert PEM\n"
	"                 --apiv3-key FILE --platform-key PEM --platform-id ID\n"
	"                 [--notify-ca PEM] [--clock-file FILE] [--time-scale N]\n"
	"                 [--max-connections N] [--idle-timeout S] [--nonce-cache N]\n"
	"                 [--max-orders N]\n"
	"                 [--bank-mer-id ID --bank-merchant-cert PEM --bank-key PEM\n"
	"                  --bank-cert-id N]\n"
	"       ca-paysim pay --sim URL --ca PEM CODE_URL|HTTPS_URL\n";

/* The whole file path (at most FILE_MAX bytes) into *out (malloc'd,
 * NUL-terminated), its length into *len. */
static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(FILE_MAX + 1);
	size_t n = 0;

	*out = NULL;
	if (!f || !buf) {
		fprintf(stderr, "ca-paysim: %s: %s\n", path, f ? "out of memory" : strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	n = fread(buf, 1, FILE_MAX + 1, f);
	fclose(f);
	if (n > FILE_MAX) {
		fprintf(stderr, "ca-paysim: %s: over %d bytes\n", path, FILE_MAX);
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

/* A PEM option's file into *dst; an earlier value of the option (given
 * twice: the last one counts) is freed. */
static bool read_pem(char **dst, const char *path)
{
	free(*dst);
	return !read_file(path, dst, NULL);
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
		fprintf(stderr, "ca-paysim: --%s is over %zu bytes\n", name, n - 1);
		return false;
	}
	snprintf(dst, n, "%s", v);
	return true;
}

/* The keys given are what they should be: caught at the start, not at
 * the first request. */
static bool keys_ok(struct psim_cfg *c)
{
	char sig[WXSIGN_SIG_MAX], err[WXSIGN_ERR_MAX];

	if (wxsign_sign(c->platform_key_pem, "x", 1, sig, err, sizeof(err))) {
		fprintf(stderr, "ca-paysim: --platform-key: %s\n", err);
		return false;
	}
	if (wxsign_verify(c->merchant_pem, "x", 1, sig, err, sizeof(err)) == CA_ERR_ARG) {
		fprintf(stderr, "ca-paysim: --merchant-cert: %s\n", err);
		return false;
	}
	if (!c->bank_mer_id[0])
		return true;
	if (wxsign_sign(c->bank_key_pem, "x", 1, sig, err, sizeof(err))) {
		fprintf(stderr, "ca-paysim: --bank-key: %s\n", err);
		return false;
	}
	if (upsign_cert_id(c->bank_merchant_pem, c->bank_merchant_cert_id, err, sizeof(err)) ||
	    wxsign_verify(c->bank_merchant_pem, "x", 1, sig, err, sizeof(err)) == CA_ERR_ARG) {
		fprintf(stderr, "ca-paysim: --bank-merchant-cert: %s\n", err);
		return false;
	}
	return true;
}

/* serve's command line into c. 0, or 2 after saying why. */
static int parse_serve(int argc, char **argv, struct psim_cfg *c)
{
	enum { O_DATA = 1, O_CERT, O_KEY, O_LISTEN, O_PORT, O_MCHID, O_APPID, O_SERIAL,
	       O_MCERT, O_APIV3, O_PKEY, O_PID, O_NCA, O_CLOCK, O_SCALE, O_MAXCONN, O_IDLE,
	       O_NONCES, O_MAXORD, O_BMER, O_BMCERT, O_BKEY, O_BCID };
	static const struct option opts[] = {
		{ "data", required_argument, NULL, O_DATA },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "port", required_argument, NULL, O_PORT },
		{ "mchid", required_argument, NULL, O_MCHID },
		{ "appid", required_argument, NULL, O_APPID },
		{ "merchant-serial", required_argument, NULL, O_SERIAL },
		{ "merchant-cert", required_argument, NULL, O_MCERT },
		{ "apiv3-key", required_argument, NULL, O_APIV3 },
		{ "platform-key", required_argument, NULL, O_PKEY },
		{ "platform-id", required_argument, NULL, O_PID },
		{ "notify-ca", required_argument, NULL, O_NCA },
		{ "clock-file", required_argument, NULL, O_CLOCK },
		{ "time-scale", required_argument, NULL, O_SCALE },
		{ "max-connections", required_argument, NULL, O_MAXCONN },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "nonce-cache", required_argument, NULL, O_NONCES },
		{ "max-orders", required_argument, NULL, O_MAXORD },
		{ "bank-mer-id", required_argument, NULL, O_BMER },
		{ "bank-merchant-cert", required_argument, NULL, O_BMCERT },
		{ "bank-key", required_argument, NULL, O_BKEY },
		{ "bank-cert-id", required_argument, NULL, O_BCID },
		{ NULL, 0, NULL, 0 },
	};
	char *key = NULL;
	size_t keylen = 0;
	bool ok = true, have_key = false;
	long v;
	int o;

	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->time_scale = 1;
	c->max_connections = PSIM_MAX_CONNECTIONS;
	c->idle_timeout_s = PSIM_IDLE_TIMEOUT_S;
	c->nonces = PSIM_NONCES;
	c->max_orders = PSIM_MAX_ORDERS;
	optind = 1;
	while (ok && (o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *name = o > 0 && o <= O_BCID ? opts[o - 1].name : "?";

		switch (o) {
		case O_DATA: ok = copy_opt(c->data_dir, sizeof(c->data_dir), optarg, name); break;
		case O_CERT: ok = read_pem(&c->cert_pem, optarg); break;
		case O_KEY: ok = read_pem(&c->key_pem, optarg); break;
		case O_LISTEN: ok = copy_opt(c->listen, sizeof(c->listen), optarg, name); break;
		case O_MCHID: ok = copy_opt(c->mchid, sizeof(c->mchid), optarg, name); break;
		case O_APPID: ok = copy_opt(c->appid, sizeof(c->appid), optarg, name); break;
		case O_SERIAL:
			ok = copy_opt(c->merchant_serial, sizeof(c->merchant_serial), optarg, name);
			break;
		case O_MCERT: ok = read_pem(&c->merchant_pem, optarg); break;
		case O_APIV3:
			ok = !read_file(optarg, &key, &keylen);
			if (ok && keylen != sizeof(c->apiv3_key)) {
				fprintf(stderr, "ca-paysim: --apiv3-key %s holds %zu bytes, not 32\n",
					optarg, keylen);
				ok = false;
			}
			if (ok)
				memcpy(c->apiv3_key, key, sizeof(c->apiv3_key));
			have_key = ok;
			free(key);
			key = NULL;
			break;
		case O_PKEY: ok = read_pem(&c->platform_key_pem, optarg); break;
		case O_PID: ok = copy_opt(c->platform_id, sizeof(c->platform_id), optarg, name); break;
		case O_NCA: ok = copy_opt(c->notify_ca, sizeof(c->notify_ca), optarg, name); break;
		case O_CLOCK: ok = copy_opt(c->clock_file, sizeof(c->clock_file), optarg, name); break;
		case O_BMER:
			ok = strlen(optarg) == 15 && strspn(optarg, "0123456789") == 15;
			if (!ok)
				fprintf(stderr, "ca-paysim: --bank-mer-id %s is not 15 digits\n", optarg);
			else
				snprintf(c->bank_mer_id, sizeof(c->bank_mer_id), "%s", optarg);
			break;
		case O_BMCERT: ok = read_pem(&c->bank_merchant_pem, optarg); break;
		case O_BKEY: ok = read_pem(&c->bank_key_pem, optarg); break;
		case O_BCID:
			ok = *optarg && strlen(optarg) < sizeof(c->bank_cert_id) &&
			     strspn(optarg, "0123456789") == strlen(optarg);
			if (!ok)
				fprintf(stderr, "ca-paysim: --bank-cert-id %s is not a decimal serial\n",
					optarg);
			else
				snprintf(c->bank_cert_id, sizeof(c->bank_cert_id), "%s", optarg);
			break;
		case O_PORT: case O_SCALE: case O_MAXCONN: case O_IDLE: case O_NONCES: case O_MAXORD:
			v = number(optarg, o == O_PORT ? 0 : 1, o == O_PORT ? 65535
				   : o == O_SCALE ? 1000000 : o == O_IDLE ? 3600
				   : o == O_MAXCONN ? 1000 : 10000000);
			if (v < 0) {
				fprintf(stderr, "ca-paysim: --%s %s is out of range\n", name, optarg);
				ok = false;
			} else if (o == O_PORT) {
				c->port = (int)v;
			} else if (o == O_SCALE) {
				c->time_scale = v;
			} else {
				*(o == O_MAXCONN ? &c->max_connections : o == O_IDLE ? &c->idle_timeout_s
				  : o == O_NONCES ? &c->nonces : &c->max_orders) = (int)v;
			}
			break;
		default:
			ok = false;
		}
	}
	if (ok && (optind != argc || !c->data_dir[0] || !c->cert_pem || !c->key_pem ||
		   !c->mchid[0] || !c->appid[0] || !c->merchant_serial[0] || !c->merchant_pem ||
		   !c->platform_key_pem || !c->platform_id[0] || !have_key)) {
		fprintf(stderr, "ca-paysim: serve needs --data, --cert, --key, --mchid, --appid, "
			"--merchant-serial, --merchant-cert, --apiv3-key, --platform-key and "
			"--platform-id\n");
		ok = false;
	}
	if (ok && (!c->bank_mer_id[0] || !c->bank_merchant_pem || !c->bank_key_pem ||
		   !c->bank_cert_id[0]) && (c->bank_mer_id[0] || c->bank_merchant_pem ||
					    c->bank_key_pem || c->bank_cert_id[0])) {
		fprintf(stderr, "ca-paysim: the bank gateway needs all of --bank-mer-id, "
			"--bank-merchant-cert, --bank-key and --bank-cert-id\n");
		ok = false;
	}
	if (!ok)
		fputs(usage, stderr);
	return ok && keys_ok(c) ? 0 : 2;
}

static void cfg_release(struct psim_cfg *c)
{
	free(c->cert_pem);
	free(c->key_pem);
	free(c->merchant_pem);
	free(c->platform_key_pem);
	free(c->bank_merchant_pem);
	if (c->bank_key_pem)
		explicit_bzero(c->bank_key_pem, strlen(c->bank_key_pem));
	free(c->bank_key_pem);
	memset(c->apiv3_key, 0, sizeof(c->apiv3_key));
}

/* DIR made (0700) when missing, and its lock taken: the lock's fd, or -1. */
static int take_dir(const char *dir)
{
	char path[PSIM_PATH_MAX + 16];
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_error(TAG, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/paysim.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		log_error(TAG, "%s: %s", path, fd < 0 ? strerror(errno)
			  : "another ca-paysim serves this directory");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Write the port to DIR/paysim.port (atomically). */
static int write_port(const char *dir, int port)
{
	char path[PSIM_PATH_MAX + 16], text[16], err[200];
	int n = snprintf(text, sizeof(text), "%d\n", port);

	snprintf(path, sizeof(path), "%s/paysim.port", dir);
	if (file_save(path, text, (size_t)n, 0600, err, sizeof(err))) {
		log_error(TAG, "%s", err);
		return -1;
	}
	return 0;
}

static int serve(int argc, char **argv)
{
	static struct psim_cfg cfg;
	struct psim ps = { 0 };
	struct server *srv = NULL;
	char err[300];
	sigset_t set;
	int lock = -1, rc = 1, sig = 0;

	if (parse_serve(argc, argv, &cfg)) {
		cfg_release(&cfg);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread after this: only sigwait sees them */
	signal(SIGPIPE, SIG_IGN);
	simclock_init(cfg.clock_file);
	ps.cfg = &cfg;
	lock = take_dir(cfg.data_dir);
	if (lock < 0)
		goto out;
	if (books_open(cfg.data_dir, cfg.max_orders, &ps.books, err, sizeof(err))) {
		log_error(TAG, "%s", err);
		goto out;
	}
	ps.nonces = nonces_new(cfg.nonces);
	if (!ps.nonces || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error(TAG, "out of memory");
		goto out;
	}
	if (notifier_start(&ps, &ps.notifier, err, sizeof(err)) ||
	    server_start(&ps, &srv, err, sizeof(err))) {
		log_error(TAG, "%s", err);
		goto out;
	}
	if (write_port(cfg.data_dir, server_port(srv)))
		goto out;
	log_info(TAG, "WeChat Pay v3 simulator for merchant %s on https://%s:%d (time scale %ld, "
		 "at most %d connections, %d nonces, %d orders)", cfg.mchid, cfg.listen,
		 server_port(srv), cfg.time_scale, cfg.max_connections, cfg.nonces, cfg.max_orders);
	if (cfg.bank_mer_id[0])
		log_info(TAG, "bank gateway for merchant %s (certId %s) under /gateway/, signing "
			 "as certId %s", cfg.bank_mer_id, cfg.bank_merchant_cert_id,
			 cfg.bank_cert_id);
	while (sigwait(&set, &sig) != 0 || sig == SIGHUP)
		;
	log_info(TAG, "signal %d: stopping", sig);
	rc = 0;
out:
	server_stop(srv);
	notifier_stop(ps.notifier);
	nonces_free(ps.nonces);
	books_close(ps.books);
	if (lock >= 0)
		close(lock);
	curl_global_cleanup();
	cfg_release(&cfg);
	if (!rc)
		log_info(TAG, "stopped");
	return rc;
}

/* `ca-paysim pay --sim URL --ca PEM CODE_URL`: the customer's phone. */
static int pay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sim", required_argument, NULL, 's' },
		{ "ca", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sim = NULL, *ca = NULL;
	struct browse_body answer = { .cap = PAY_ANSWER_MAX };
	char url[PSIM_PATH_MAX + 16], *body;
	struct curl_slist *hl = NULL;
	json_t *j;
	long status = 0;
	CURLcode cc;
	CURL *cu;
	int o, rc = 2;

	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 's')
			sim = optarg;
		else if (o == 'c')
			ca = optarg;
		else
			break;
	}
	if (o != -1 || !sim || !ca || optind != argc - 1 || strlen(sim) > PSIM_PATH_MAX) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strncmp(argv[optind], "https://", 8)) {
		/* 个人网银: the QR code is the merchant's page; pay as a browser. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return 2;
		rc = browse_pay(argv[optind], ca);
		curl_global_cleanup();
		return rc;
	}
	snprintf(url, sizeof(url), "%s/sim/pay", sim);
	j = json_pack("{s:s}", "code_url", argv[optind]);
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(cu = curl_easy_init())) {
		fprintf(stderr, "ca-paysim: out of memory\n");
		free(body);
		return 2;
	}
	hl = curl_slist_append(hl, "Content-Type: application/json");
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(cu, CURLOPT_CAINFO, ca);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, browse_gather);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &answer);
	cc = curl_easy_perform(cu);
	if (cc == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	j = answer.p ? json_loads(answer.p, 0, NULL) : NULL;
	if (cc != CURLE_OK && answer.too_big) {
		fprintf(stderr, "ca-paysim: %s: the answer is over %d bytes: not read\n", url,
			PAY_ANSWER_MAX);
	} else if (cc != CURLE_OK) {
		fprintf(stderr, "ca-paysim: %s: %s\n", url, curl_easy_strerror(cc));
	} else if (status == 200 && json_is_string(json_object_get(j, "out_trade_no"))) {
		printf("paid %s %s %s %lld\n",
		       json_string_value(json_object_get(j, "out_trade_no")),
		       json_string_value(json_object_get(j, "trade_state")),
		       json_string_value(json_object_get(j, "success_time")),
		       (long long)json_integer_value(json_object_get(j, "amount_fen")));
		rc = 0;
	} else if (json_is_string(json_object_get(j, "code"))) {
		printf("refused %s: %s\n", json_string_value(json_object_get(j, "code")),
		       json_string_value(json_object_get(j, "message")));
		rc = status >= 400 && status < 500 ? 1 : 2;
	} else {
		fprintf(stderr, "ca-paysim: %s answered %ld without a JSON body\n", url, status);
	}
	json_decref(j);
	free(answer.p);
	free(body);
	curl_slist_free_all(hl);
	curl_easy_cleanup(cu);
	curl_global_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "pay"))
		return pay(argc - 1, argv + 1);
	fputs(usage, stderr);
	return 2;
}
