/*
 * hubproc.h - a real ca-hub for tests: a throw-away CA and server
 * certificate (openssl CLI; CN/SAN 127.0.0.1 and localhost), a config and a
 * data dir in a temp directory, the hub started on a free loopback port
 * with TLS (fork/exec of build/ca-hub), ready when it answers GET /health;
 * devices provisioned through ca-hubctl; signed requests with libcurl.
 *
 * Binaries are found next to the test program (BUILD/tests/<area>/x ->
 * BUILD/ca-hub), or in $CA_HUB_BIN_DIR. The hub's log goes to DIR/hub.log.
 * Functions return 0 on success, -1 on failure (with a line on stderr).
 */
#ifndef TEST_HUBPROC_H
#define TEST_HUBPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HUBPROC_PATH 512

struct hubproc {
	char dir[HUBPROC_PATH - 64]; /* temp dir holding everything below */
	char data_dir[HUBPROC_PATH]; /* the hub's data dir (survives restarts) */
	char cacert[HUBPROC_PATH];   /* CA that signed the hub's certificate */
	char other_ca[HUBPROC_PATH]; /* an unrelated CA (wrong-CA tests) */
	char config[HUBPROC_PATH];   /* the hub's INI file */
	char log[HUBPROC_PATH];      /* the hub's stderr */
	char bin_dir[HUBPROC_PATH];  /* where ca-hub and ca-hubctl are */
	char url[64];                /* https://127.0.0.1:PORT */
	int port;                    /* current port */
	pid_t pid;                   /* running hub, 0 when none */
	bool virtual_clock;          /* started with --virtual-clock */
	int nofile;                  /* > 0: RLIMIT_NOFILE set in the child */
	char host_token[65];         /* the hub machine's token (DATA_DIR/admin.token):
				      * the built-in account "host", staff and devices */
	char token[65];              /* a ca-hubctl token of HUBPROC_STAFF, every role */
	int console_port;            /* the staff console's port */
	bool wechatpay;              /* 微信支付 through ca-paysim (hubproc_opts) */
	pid_t paysim_pid;            /* the provider simulator, 0 when none */
	int paysim_port;             /* its port */
	char paysim_log[HUBPROC_PATH]; /* its stderr */
	struct taxproc *tax;         /* the tax platform (hubproc_opts.taxplat), or NULL */
	char tax_ini[2048];          /* its [taxplat] section */
};

/* The merchant the simulator knows (hubproc_opts.wechatpay). */
#define HUBPROC_MCHID "1900000109"
#define HUBPROC_APPID "wxd678efh567hg6787"
#define HUBPROC_WXPUB_ID "PUB_KEY_ID_0119000001092026120400000000000001"
/* The bank gateway's merchant at the same simulator, its certificate's
 * serial (its certId) and the gateway's (hubproc_opts.wechatpay). */
#define HUBPROC_BANK_MER "777290058110048"
#define HUBPROC_BANK_MCH_CID "69026276696"
#define HUBPROC_BANK_GW_CID "69042905377"

/* The staff account every started hub has (all roles), and its password. */
#define HUBPROC_STAFF "tester"
#define HUBPROC_STAFF_DISPLAY "测试员"
#define HUBPROC_STAFF_PASSWORD "tester-password-1"

struct hubproc_opts {
	bool virtual_clock;     /* pass --virtual-clock */
	const char *demo_code;  /* mode = demo with this code; NULL = dev mode */
	const char *mode;       /* [hub] mode, e.g. "production"; NULL: as demo_code says */
	const char *extra_ini;  /* appended to the config (e.g. an [invoice] section) */
	const char *hub_ini;    /* lines added to [hub] ("key = value\n" each) */
	const char *sms_ini;    /* the lines of [sms] ("provider = gateway\n..."; smsproc.h
				 * makes them); NULL: "provider = dev\n" */
	int nofile;             /* > 0: the hub's open-file limit (soft and hard) */
	const char *log_level;  /* [log] level; NULL = info */
	bool wechatpay;         /* 微信支付 through WeChat Pay API v3 and 个人网银
				 * through the bank gateway, both at a ca-paysim
				 * started beside the hub (docs/paysim.md): merchant,
				 * platform and gateway keys made with openssl, the hub on a
				 * port chosen first (its notify_url names it), the
				 * simulator on the hub's clock file; always with
				 * mode "production", which refuses the built-in one */
	int paysim_scale;       /* its --time-scale; 0 = 100 */
	bool taxplat;           /* e-invoices through ca-taxsim (taxproc.h) started
				 * beside the hub on the hub's clock file; always with
				 * mode "production" */
};

/* Make the throw-away CA (ca.pem), an unrelated one (other-ca.pem) and a
 * server certificate for 127.0.0.1 and localhost signed by the first
 * (srv.pem, srv.key) in dir. */
int hubproc_certs(const char *dir);

/* Make the directory, certificates and config, and start the hub. */
int hubproc_start(struct hubproc *hp, const struct hubproc_opts *o);
/* Start it again on the same data dir (new port, url updated). */
int hubproc_restart(struct hubproc *hp);
/* SIGTERM and wait (10 s, then SIGKILL). Returns the exit status, or -1
 * when it had to be killed or died of a signal. */
int hubproc_stop(struct hubproc *hp);
/* SIGKILL and reap. */
void hubproc_kill(struct hubproc *hp);
/* Stop if running and remove the directory. */
void hubproc_cleanup(struct hubproc *hp);

/* Run ca-hubctl --hub URL --cacert CA --data-dir DATA ARGS... (NULL
 * terminated); its stdout into out (size n). Returns its exit status. */
int hubproc_ctl(struct hubproc *hp, char *out, size_t n, ...);
/* Provision device id; its secret into secret. */
int hubproc_device_add(struct hubproc *hp, const char *id, char secret[65]);

/* Options of one signed request. */
struct hubproc_req {
	const char *device;      /* X-CA-Device; NULL: no signature headers */
	const char *secret;      /* key to sign with */
	int64_t ts;              /* timestamp; 0 = now (+ ts_offset) */
	int64_t ts_offset;       /* added to now (follow a virtual clock) */
	const char *nonce;       /* NULL = fresh */
	const char *cacert;      /* NULL = the hub's CA */
	const char *host;        /* connect to this name (resolved to 127.0.0.1) */
	const char *bearer;      /* Authorization: Bearer (admin calls) */
	const char *session;     /* X-CA-Session (payments); NULL = none */
	long timeout_ms;         /* 0 = 30 s */
	bool console;            /* to the staff console's port (its pages) */
	bool form;               /* the body is a form (x-www-form-urlencoded), not JSON */
	const char *cookie;      /* Cookie: header value; NULL = none */
	bool paysim;             /* to the provider simulator (its /sim/ routes) */
};

/* What came back. */
struct hubproc_resp {
	long status;       /* HTTP status; 0 when the request failed */
	int curl_code;     /* CURLcode */
	char *body;        /* malloc'd, NUL-terminated, "" when none */
	char date[64];     /* Date header */
	char content_type[64]; /* Content-Type header */
	char disposition[128]; /* Content-Disposition header */
	char referrer_policy[32]; /* Referrer-Policy header */
	char frame_options[16];   /* X-Frame-Options header */
	char csp[160];            /* Content-Security-Policy header */
	char hsts[64];            /* Strict-Transport-Security header */
	char set_cookie[256];     /* Set-Cookie header */
	char location[256];       /* Location header */
	size_t body_len;   /* bytes of body (a PDF holds NULs) */
	long retry_after;  /* Retry-After, 0 when absent */
	char nonce[33];    /* the nonce sent */
	int64_t ts;        /* the timestamp sent */
};

/* The customer's phone pays code_url at the simulator (POST /sim/pay).
 * Returns the HTTP status (200 paid, 403 refused), -1 when it did not
 * answer; its body into r when r is not NULL (free r->body). */
long hubproc_customer_pay(struct hubproc *hp, const char *code_url, struct hubproc_resp *r);

/* One request to the hub; body may be NULL. Free r->body with free(). */
int hubproc_request(struct hubproc *hp, const struct hubproc_req *q, const char *method,
		    const char *target, const char *body, struct hubproc_resp *r);

#endif
