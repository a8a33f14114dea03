/*
 * psim.h - ca-paysim, the provider side of WeChat Pay API v3 (Native) as a
 * process of its own (docs/paysim.md): the configuration and the state
 * every part of it shares, and its limits.
 *
 * The parts: main.c (the command line: serve, pay), server.c (HTTPS with
 * libmicrohttpd: one request from its bytes to its signed answer),
 * routes.c (the endpoints, /v3/ and /sim/), gateway.c (the bank gateway,
 * /gateway/), v3check.c (what a v3 request
 * must be: its signature, nonce, fields), books.c (the SQLite books:
 * orders, refunds, notifications; bankbooks.c the gateway's), notify.c (the thread that delivers
 * notifications, and the bank gateway's back notifications: forms signed at
 * the payment, on the same schedule), wire.c (JSON and times as WeChat Pay writes them),
 * and, from tools/simkit (shared with ca-taxsim): the shared options and
 * the run's frame (simrun.h), the HTTPS plumbing (simhttp.h), refusals and
 * the nonce cache (simauth.h), the SQLite books' helpers (simdb.h), the
 * clock shared with the hub through --clock-file (simclock.h).
 *
 * Where to start reading: main.c (serve()), then server.c (on_request()).
 */
#ifndef PSIM_H
#define PSIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../simkit/simrun.h"

#define PSIM_PATH_MAX SIM_PATH_MAX
#define PSIM_ID_MAX 32              /* mchid, appid, out_trade_no, transaction_id */
#define PSIM_URL_MAX 255            /* notify_url */
#define PSIM_DESC_CHARS 127         /* description, in characters */
#define PSIM_REASON_CHARS 80        /* a refund's reason, in characters */
#define PSIM_REFUND_NO_MAX 64       /* out_refund_no */
#define PSIM_REFUNDS_PER_ORDER 50   /* as WeChat Pay: the 51st refund of an order is refused */
#define PSIM_AMOUNT_MAX 2147483647LL /* fen, an int32 as WeChat Pay's */
#define PSIM_SKEW_MS SIM_NONCE_LIFE_MS /* a request's timestamp at most this far off */
#define PSIM_NOTIFY_TIMEOUT_MS 5000 /* a merchant that has not answered by then failed */

/* The default of a limit the command line may change (the shared ones: simrun.h). */
#define PSIM_MAX_ORDERS 100000      /* orders in the books */

/* What `ca-paysim serve` was told (main.c fills it; read-only after). */
struct psim_cfg {
	struct sim_opts o;                   /* DIR (paysim.db, .port, .lock), HTTPS, limits */
	char mchid[PSIM_ID_MAX + 1];         /* the merchant */
	char appid[PSIM_ID_MAX + 1];         /* its app */
	char merchant_serial[65];            /* what serial_no must say */
	char *merchant_pem;                  /* the merchant's certificate or public key (owned) */
	unsigned char apiv3_key[32];         /* seals notification resources */
	char *platform_key_pem;              /* our private key: signs answers (owned) */
	char platform_id[65];                /* Wechatpay-Serial: the key's id */
	char notify_ca[PSIM_PATH_MAX];       /* CA file for notify_url ("": the system's) */
	long time_scale;                     /* the retry schedule divided by this */
	int max_orders;                      /* PSIM_MAX_ORDERS unless told */
	/* The bank gateway (gateway.c); off when bank_mer_id is "". */
	char bank_mer_id[16];                /* the one merchant: 15 digits */
	char *bank_merchant_pem;             /* its certificate (owned) */
	char bank_merchant_cert_id[49];      /* its serial in decimal: its certId */
	char *bank_key_pem;                  /* the gateway's own key (owned) */
	char bank_cert_id[49];               /* the certId the gateway signs with */
};

struct books;
struct simnonces;
struct notifier;

/* The running simulator: what the HTTP thread and the delivery thread share. */
struct psim {
	const struct psim_cfg *cfg;   /* borrowed from main */
	struct books *books;          /* the SQLite books (thread-safe) */
	struct simnonces *nonces;     /* the replay cache (thread-safe) */
	struct notifier *notifier;    /* the delivery thread */
	atomic_int fail_create;       /* /sim/fault: creations left to fail */
	atomic_int fail_query;        /* queries left to fail */
	atomic_int fail_close;        /* closes left to fail */
	atomic_int fail_refund;       /* refunds left to fail */
	atomic_bool notify_hold;      /* notifications kept owed, unsent */
	atomic_int fail_bank_query;   /* the gateway's queryTrans left to fail */
	atomic_bool bank_notify_hold; /* the gateway's back notifications kept owed */
};

#endif
