/*
 * fuzz_paynotify.c - libFuzzer target: what the payment providers' servers
 * POST to the hub, the one door of the hub that anyone on the internet can
 * knock on (POST /v1/pay/notify/wechatpay, /v1/pay/notify/bank and the
 * browser's return to /pay/bank/NO): wxpay_notification() and
 * bankpay_notification() (docs/hub.md, Payments).
 *
 * LLVMFuzzerInitialize() makes real keys with the openssl command line in
 * a temporary directory (the merchant's, WeChat Pay's, the gateway's, an
 * APIv3 key), a hub config naming them and a store, and the two providers
 * from them, as the hub does. Most random input fails the signature check
 * at once; so that the code behind it is reached too, the harness can play
 * the provider and sign (or seal) what the input says:
 *
 *   byte 0 & 1   0: WeChat Pay; 1: the bank gateway
 *   byte 0 & 6   WeChat Pay: 0 the rest is "TS\nNONCE\nSIG\nSERIAL\nBODY",
 *                every header as given; 2 the body, signed by WeChat Pay's
 *                key with the time now; 4 the resource's plaintext, sealed
 *                with the APIv3 key in a TRANSACTION.SUCCESS envelope and
 *                signed; 6 as 4 with the envelope's nonce and associated
 *                data taken from the input's first two lines
 *                the bank: 0 the rest is the form as sent; 2 the form read,
 *                then signed by the gateway (its certId set) and sent
 *
 * Property: no crash, leak or undefined behaviour; the answer is CA_OK,
 * CA_ERR_FORBIDDEN or CA_ERR_ARG with a reason, and an accepted
 * notification names a valid order number, a known state and a positive
 * amount.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/log.h"
#include "core/pay.h"
#include "hub/bankpay.h"
#include "hub/db.h"
#include "hub/hubcfg.h"
#include "hub/upsign.h"
#include "hub/wxpay.h"
#include "hub/wxsign.h"

#define FZ_MCHID "1900000109"
#define FZ_APPID "wxd678efh567hg6787"
#define FZ_WX_KEY_ID "PUB_KEY_ID_0119000001092026120400000000000001"
#define FZ_MER_ID "777290058110048"
#define FZ_MCH_CID "69042905377"
#define FZ_GW_CID "69629715588"
#define FZ_INPUT_MAX 16384 /* bytes of one input used */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];            /* the keys and the store, temporary */
static struct hubcfg cfg;
static struct hubdb *db;
static struct wxpay *wx;
static struct bankpay *bank;
static char *wx_key;            /* WeChat Pay's private key (PEM), to sign as it */
static char *gw_key;            /* the gateway's */
static char apiv3[33];          /* the APIv3 key */

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_paynotify: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The whole of DIR/name, NUL-terminated (malloc'd). */
static char *slurp(const char *name)
{
	char path[128];
	FILE *f;
	char *buf = calloc(1, 65536);
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f || !buf)
		die("cannot read %s", path);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void cleanup(void)
{
	char cmd[160];

	wxpay_free(wx);
	bankpay_free(bank);
	hubdb_close(db);
	free(wx_key);
	free(gw_key);
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz_paynotify: could not remove %s\n", dir);
	}
}

/* The keys, as the real parties hold them, made by the openssl command line. */
static void make_keys(void)
{
	char cmd[2048], path[128], err[256];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/fuzz-paynotify-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "(set -e; mkdir -p %s; cd %s; umask 077; "
		 "r='-algorithm RSA -pkeyopt rsa_keygen_bits:2048'; "
		 "openssl genpkey $r -out mch.key; "
		 "openssl req -x509 -key mch.key -out mch.pem -days 30 -subj /CN=" FZ_MCHID "; "
		 "openssl genpkey $r -out wxp.key; openssl pkey -in wxp.key -pubout -out wxp.pub; "
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout bmch.key -out bmch.pem "
		 "-days 30 -subj /CN=" FZ_MER_ID " -set_serial " FZ_MCH_CID "; "
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout bgw.key -out bgw.pem "
		 "-days 30 -subj /CN=gateway -set_serial " FZ_GW_CID " ) >/dev/null 2>&1",
		 dir, dir);
	if (system(cmd) != 0)
		die("openssl could not make the keys (is it installed?)");
	snprintf(apiv3, sizeof(apiv3), "0123456789abcdef0123456789abcdef");
	snprintf(path, sizeof(path), "%s/apiv3.key", dir);
	f = fopen(path, "w");
	if (!f || fwrite(apiv3, 1, 32, f) != 32 || fclose(f))
		die("cannot write %s", path);
	wx_key = slurp("wxp.key");
	gw_key = slurp("bgw.key");

	hubcfg_defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
#define SETF(field, ...) snprintf(cfg.field, sizeof(cfg.field), __VA_ARGS__)
	SETF(pay_wechat, "wechatpay_v3");
	SETF(wx_api_url, "https://127.0.0.1:9");
	SETF(wx_mchid, FZ_MCHID);
	SETF(wx_appid, FZ_APPID);
	SETF(wx_serial, "0123456789ABCDEF");
	SETF(wx_merchant_key, "%s/mch.key", dir);
	SETF(wx_apiv3_key, "%s/apiv3.key", dir);
	SETF(wx_public_key_id, FZ_WX_KEY_ID);
	SETF(wx_public_key, "%s/wxp.pub", dir);
	SETF(wx_notify_url, "https://127.0.0.1:9/v1/pay/notify/wechatpay");
	SETF(pay_bank, "gateway");
	SETF(bk_gateway_url, "https://127.0.0.1:9");
	SETF(bk_mer_id, FZ_MER_ID);
	SETF(bk_merchant_key, "%s/bmch.key", dir);
	SETF(bk_merchant_cert, "%s/bmch.pem", dir);
	SETF(bk_gateway_cert, "%s/bgw.pem", dir);
	SETF(bk_gateway_cert_id, FZ_GW_CID);
	SETF(bk_notify_url, "https://127.0.0.1:9/v1/pay/notify/bank");
#undef SETF
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	if (hubdb_open(path, &db, err, sizeof(err)))
		die("%s", err);
	if (wxpay_new(&cfg, &wx, err, sizeof(err)) || bankpay_new(&cfg, db, &bank, err, sizeof(err)))
		die("the providers refused their keys: %s", err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	atexit(cleanup);
	make_keys();
	return 0;
}

/* What every answer must be. */
static void check(ca_err e, const struct pay_order *o, const char *err)
{
	if (e != CA_OK && e != CA_ERR_FORBIDDEN && e != CA_ERR_ARG)
		die("unexpected answer %s (%s)", ca_strerror(e), err);
	if (e != CA_OK && !err[0])
		die("refused (%s) without a reason", ca_strerror(e));
	if (e == CA_OK && (!pay_trade_no_valid(o->out_trade_no) || o->amount_fen <= 0 ||
			   (unsigned)o->state > PAY_REFUND))
		die("accepted a notification of order '%s', state %d, amount %lld",
		    o->out_trade_no, (int)o->state, (long long)o->amount_fen);
}

/* The next line of *p (up to '\n' or the end), NUL-terminated in place. */
static char *line(char **p)
{
	char *s = *p, *nl = strchr(s, '\n');

	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

/* WeChat Pay signs body at now: the headers into ts, nonce, sig. */
static void wx_sign(const char *body, char ts[24], char nonce[40], char sig[WXSIGN_SIG_MAX])
{
	char err[128], *msg = NULL;

	snprintf(ts, 24, "%lld", (long long)time(NULL));
	snprintf(nonce, 40, "fuzznonce%lld", (long long)time(NULL));
	if (wxsign_answer_message(ts, nonce, body, &msg) ||
	    wxsign_sign(wx_key, msg, strlen(msg), sig, err, sizeof(err)))
		die("cannot sign as WeChat Pay");
	free(msg);
}

static void wechat(int mode, char *s)
{
	char ts[24], nonce[40], sig[WXSIGN_SIG_MAX], err[WXPAY_ERR_MAX] = "";
	struct pay_order o;
	char *body = s, *sealed = NULL, *dumped = NULL;
	const char *rn = "fuzzresource", *aad = "transaction";
	json_t *env;
	ca_err e;

	memset(&o, 0, sizeof(o));
	if (mode == 0) {
		const char *t = line(&s), *n = line(&s), *g = line(&s), *sr = line(&s);

		e = wxpay_notification(wx, t, n, g, sr, s, &o, err, sizeof(err));
		check(e, &o, err);
		return;
	}
	if (mode >= 4) {
		if (mode == 6) {
			rn = line(&s);
			aad = line(&s);
		}
		/* A nonce the cipher cannot take (WeChat Pay's are 12
		 * characters) is nothing the provider would send. */
		if (wxsign_encrypt(apiv3, 32, rn, aad, s, strlen(s), &sealed)) {
			if (mode == 4)
				die("cannot seal with the harness's own nonce");
			return;
		}
		env = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "id", "fz-1",
				"create_time", "2026-12-05T10:00:00+08:00", "resource_type",
				"encrypt-resource", "event_type", "TRANSACTION.SUCCESS", "resource",
				"original_type", "transaction", "algorithm", "AEAD_AES_256_GCM",
				"ciphertext", sealed, "associated_data", aad, "nonce", rn);
		dumped = env ? json_dumps(env, JSON_COMPACT) : NULL;
		json_decref(env);
		free(sealed);
		if (!dumped)
			return; /* not UTF-8: jansson refuses it, as it would on the wire */
		body = dumped;
	}
	wx_sign(body, ts, nonce, sig);
	e = wxpay_notification(wx, ts, nonce, sig, FZ_WX_KEY_ID, body, &o, err, sizeof(err));
	check(e, &o, err);
	free(dumped);
}

static void bankgw(int mode, char *s, size_t len)
{
	char err[BANKPAY_ERR_MAX] = "", *body = NULL;
	struct pay_order o;
	struct upform f;
	ca_err e;

	memset(&o, 0, sizeof(o));
	if (mode == 0) {
		e = bankpay_notification(bank, s, len, &o, err, sizeof(err));
		check(e, &o, err);
		return;
	}
	upform_init(&f);
	if (upform_parse(&f, s, len, err, sizeof(err)) == CA_OK &&
	    upform_set(&f, "certId", FZ_GW_CID) == CA_OK &&
	    upsign_sign(&f, gw_key, err, sizeof(err)) == CA_OK &&
	    upform_encode(&f, &body) == CA_OK) {
		err[0] = '\0';
		e = bankpay_notification(bank, body, strlen(body), &o, err, sizeof(err));
		check(e, &o, err);
	}
	free(body);
	upform_release(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1 > FZ_INPUT_MAX ? FZ_INPUT_MAX : size - 1;
	s = malloc(n + 1);
	if (!s)
		return 0;
	memcpy(s, data + 1, n);
	s[n] = '\0';
	if (data[0] & 1)
		bankgw(data[0] & 2, s, n);
	else
		wechat(data[0] & 6, s);
	free(s);
	return 0;
}
