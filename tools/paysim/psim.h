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
 * simclock.c (the clock shared with the hub through --clock-file).
 *
 * Where to start reading: main.c (serve()), then server.c (on_request()).
 */
#ifndef PSIM_H
#define PSIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define PSIM_PATH_MAX 1024
#define PSIM_BODY_MAX (64 * 1024)   /* a request body over this: 413 */
#define PSIM_HEAD_MAX (32 * 1024)   /* MHD's memory per connection (head and buffers) */
#define PSIM_TARGET_MAX 1024        /* a longer request target: 400 PARAM_ERROR */
#define PSIM_ID_MAX 32              /* mchid, appid, out_trade_no, transaction_id */
#define PSIM_URL_MAX 255            /* notify_url */
#define PSIM_DESC_CHARS 127         /* description, in characters */
#define PSIM_REASON_CHARS 80        /* a refund's reason, in characters */
#define PSIM_REFUND_NO_MAX 64       /* out_refund_no */
#define PSIM_REFUNDS_PER_ORDER 50   /* as WeChat Pay: the 51st refund of an order is refused */
#define PSIM_AMOUNT_MAX 2147483647LL /* fen, an int32 as WeChat Pay's */
#define PSIM_SKEW_MS (5 * 60 * 1000) /* a request's timestamp at most this far off; nonce life */
#define PSIM_NOTIFY_TIMEOUT_MS 5000 /* a merchant that has not answered by then failed */

/* Defaults of the limits the command line may change. */
#define PSIM_MAX_CONNECTIONS 64     /* open connections at once */
#define PSIM_IDLE_TIMEOUT_S 15      /* a connection idle this long is closed */
#define PSIM_NONCES 10000           /* nonces remembered (each for PSIM_SKEW_MS) */
#define PSIM_MAX_ORDERS 100000      /* orders in the books */

/* What `ca-paysim serve` was told (main.c fills it; read-only after). */
struct psim_cfg {
	char data_dir[PSIM_PATH_MAX];        /* DIR: paysim.db, paysim.port, paysim.lock */
	char *cert_pem;                      /* the HTTPS certificate (PEM text, owned) */
	char *key_pem;                       /* its key (PEM text, owned) */
	char listen[64];                     /* IP address to listen on */
	int port;                            /* 0: any free port */
	char mchid[PSIM_ID_MAX + 1];         /* the merchant */
	char appid[PSIM_ID_MAX + 1];         /* its app */
	char merchant_serial[65];            /* what serial_no must say */
	char *merchant_pem;                  /* the merchant's certificate or public key (owned) */
	unsigned char apiv3_key[32];         /* seals notification resources */
	char *platform_key_pem;              /* our private key: signs answers (owned) */
	char platform_id[65];                /* Wechatpay-Serial: the key's id */
	char notify_ca[PSIM_PATH_MAX];       /* CA file for notify_url ("": the system's) */
	char clock_file[PSIM_PATH_MAX];      /* the shared clock's offset ("": none) */
	long time_scale;                     /* the retry schedule divided by this */
	int max_connections;                 /* PSIM_MAX_CONNECTIONS unless told */
	int idle_timeout_s;                  /* PSIM_IDLE_TIMEOUT_S unless told */
	int nonces;                          /* PSIM_NONCES unless told */
	int max_orders;                      /* PSIM_MAX_ORDERS unless told */
	/* The bank gateway (gateway.c); off when bank_mer_id is "". */
	char bank_mer_id[16];                /* the one merchant: 15 digits */
	char *bank_merchant_pem;             /* its certificate (owned) */
	char bank_merchant_cert_id[49];      /* its serial in decimal: its certId */
	char *bank_key_pem;                  /* the gateway's own key (owned) */
	char bank_cert_id[49];               /* the certId the gateway signs with */
};

struct books;
struct nonces;
struct notifier;

/* The running simulator: what the HTTP thread and the delivery thread share. */
struct psim {
	const struct psim_cfg *cfg;   /* borrowed from main */
	struct books *books;          /* the SQLite books (thread-safe) */
	struct nonces *nonces;        /* the replay cache (thread-safe) */
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
