/* taxproc.c - ca-taxsim for tests (see taxproc.h). */
#include "taxproc.h"
#include "hubproc.h"
#include "membuf.h"

#include <ctype.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/sign.h"
#include "tmpdir.h"

#define SKEW_S 300

/* BUILD dir of the running test (BUILD/tests/AREA/prog), or $CA_HUB_BIN_DIR. */
static int bin_dir(char *out, size_t n)
{
	const char *env = getenv("CA_HUB_BIN_DIR");
	ssize_t len;
	int i;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	len = readlink("/proc/self/exe", out, n - 1);
	if (len <= 0)
		return -1;
	out[len] = '\0';
	for (i = 0; i < 3; i++) {
		char *s = strrchr(out, '/');

		if (!s)
			return -1;
		*s = '\0';
	}
	return 0;
}

/* Write text to path with mode 0600. */
static int put_private(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t len = (ssize_t)strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, (size_t)len) != len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int taxproc_start(struct taxproc *tp)
{
	char clock[sizeof(tp->clock)];

	/* The clock file the caller named (a hub's), kept. */
	memcpy(clock, tp->clock, sizeof(clock));
	memset(tp, 0, sizeof(*tp));
	memcpy(tp->clock, clock, sizeof(clock));
	tp->exit_status = -1;
	if (bin_dir(tp->bin, sizeof(tp->bin) - 16) ||
	    tmpdir_make(tp->dir, sizeof(tp->dir), "taxproc"))
		return -1;
	strcat(tp->bin, "/ca-taxsim");
	if (hubproc_certs(tp->dir))
		return -1;
	snprintf(tp->data, sizeof(tp->data), "%s/data", tp->dir);
	snprintf(tp->cacert, sizeof(tp->cacert), "%s/ca.pem", tp->dir);
	snprintf(tp->secret, sizeof(tp->secret), "%s/app.secret", tp->dir);
	if (!tp->clock[0]) /* unless the caller names one (a hub's clock file) */
		snprintf(tp->clock, sizeof(tp->clock), "%s/clock.offset", tp->dir);
	snprintf(tp->log, sizeof(tp->log), "%s/taxsim.log", tp->dir);
	if (put_private(tp->secret, TAXPROC_SECRET "\n"))
		return -1;
	return taxproc_launch(tp);
}

int taxproc_launch(struct taxproc *tp)
{
	char portfile[TAXPROC_PATH + 16], cert[TAXPROC_PATH], key[TAXPROC_PATH];
	const char *argv[64];
	int i, n = 0, st;
	FILE *f;

	snprintf(portfile, sizeof(portfile), "%s/taxsim.port", tp->data);
	snprintf(cert, sizeof(cert), "%s/srv.pem", tp->dir);
	snprintf(key, sizeof(key), "%s/srv.key", tp->dir);
	unlink(portfile);
	tp->exit_status = -1;
	argv[n++] = tp->bin;
	argv[n++] = "--data"; argv[n++] = tp->data;
	argv[n++] = "--cert"; argv[n++] = cert;
	argv[n++] = "--key"; argv[n++] = key;
	argv[n++] = "--app-id"; argv[n++] = TAXPROC_APP_ID;
	argv[n++] = "--secret-file"; argv[n++] = tp->secret;
	argv[n++] = "--seller-tax-id"; argv[n++] = TAXPROC_SELLER_ID;
	argv[n++] = "--seller-name"; argv[n++] = TAXPROC_SELLER;
	argv[n++] = "--clock-file"; argv[n++] = tp->clock;
	argv[n++] = "--port"; argv[n++] = "0";
	for (i = 0; tp->extra[i] && n < 62; i++)
		argv[n++] = tp->extra[i];
	argv[n] = NULL;
	tp->pid = fork();
	if (tp->pid < 0)
		return -1;
	if (tp->pid == 0) {
		int fd = open(tp->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		close_range(3, ~0U, 0);
		/* A test that fails half-way leaves no platform behind. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(tp->bin, (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 400; i++) { /* 20 s: an ASan build starts slowly */
		if (waitpid(tp->pid, &st, WNOHANG) == tp->pid) {
			tp->pid = 0;
			tp->exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			return -1;
		}
		f = fopen(portfile, "r");
		if (f) {
			int ok = fscanf(f, "%d", &tp->port) == 1;

			fclose(f);
			if (ok)
				break;
		}
		ca_sleep_ms(50);
	}
	if (i == 400) {
		fprintf(stderr, "taxproc: ca-taxsim wrote no port; see %s\n", tp->log);
		taxproc_kill(tp);
		return -1;
	}
	snprintf(tp->url, sizeof(tp->url), "https://127.0.0.1:%d", tp->port);
	return 0;
}

int taxproc_stop(struct taxproc *tp)
{
	int st = 0, i;

	if (!tp->pid)
		return -1;
	kill(tp->pid, SIGTERM);
	for (i = 0; i < 400 && waitpid(tp->pid, &st, WNOHANG) != tp->pid; i++)
		ca_sleep_ms(25);
	if (i == 400) {
		taxproc_kill(tp);
		return -1;
	}
	tp->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void taxproc_kill(struct taxproc *tp)
{
	if (!tp->pid)
		return;
	kill(tp->pid, SIGKILL);
	waitpid(tp->pid, NULL, 0);
	tp->pid = 0;
}

void taxproc_cleanup(struct taxproc *tp)
{
	int rc = tp->pid ? taxproc_stop(tp) : 0;

	if (rc)
		fprintf(stderr, "taxproc: ca-taxsim ended with %d; see %s\n", rc, tp->log);
	if (tp->dir[0] && !rc && !getenv("TAXPROC_KEEP"))
		tmpdir_remove(tp->dir);
	tp->dir[0] = '\0';
}

int taxproc_clock(struct taxproc *tp, int64_t offset_ms)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld\n", (long long)offset_ms);
	if (tmpdir_put(tp->clock, text))
		return -1;
	tp->offset_ms = offset_ms;
	return 0;
}

bool taxproc_log_has(const struct taxproc *tp, const char *text)
{
	FILE *f = fopen(tp->log, "r");
	char line[2048];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	if (f)
		fclose(f);
	return found;
}

int taxproc_ini(struct taxproc *tp, const char *hub_secret, int timeout_ms, char *out, size_t n)
{
	char path[TAXPROC_PATH + 16];
	int len;

	snprintf(path, sizeof(path), "%s/hub.secret", tp->dir);
	if (put_private(path, hub_secret ? hub_secret : TAXPROC_SECRET "\n"))
		return -1;
	len = snprintf(out, n, "[taxplat]\nurl = %s\napp_id = %s\nsecret_file = %s\n"
		       "seller_tax_id = %s\nca_file = %s\n", tp->url, TAXPROC_APP_ID, path,
		       TAXPROC_SELLER_ID, tp->cacert);
	if (timeout_ms > 0 && len > 0 && (size_t)len < n)
		len += snprintf(out + len, n - (size_t)len, "timeout_ms = %d\n", timeout_ms);
	return len > 0 && (size_t)len < n ? 0 : -1;
}

/* hex HMAC-SHA256 with secret over the five lines of docs/taxsim.md. */
static void signature(const char *secret, const char *head, const char *subject, const char *ts,
		      const char *nonce, const char *body, size_t len, char out[SIGN_HEX_LEN + 1])
{
	size_t pre = strlen(head) + strlen(subject) + strlen(ts) + strlen(nonce) + 4;
	char *msg = malloc(pre + len + 1);

	out[0] = '\0';
	if (!msg)
		return;
	snprintf(msg, pre + 1, "%s\n%s\n%s\n%s\n", head, subject, ts, nonce);
	memcpy(msg + pre, body, len);
	if (sign_hmac_hex(secret, strlen(secret), msg, pre + len, out))
		out[0] = '\0';
	free(msg);
}

static size_t keep(char *d, size_t size, size_t nmemb, void *user)
{
	return membuf_add(user, d, size * nmemb) ? 0 : size * nmemb;
}

/* Copy the value of header line d into out when it is name's. */
static void take(const char *d, size_t n, const char *name, char *out, size_t size)
{
	size_t k = strlen(name);

	if (n > k + 1 && !strncasecmp(d, name, k) && d[k] == ':') {
		snprintf(out, size, "%.*s", (int)(n - k - 1), d + k + 1);
		memmove(out, out + strspn(out, " "), strlen(out + strspn(out, " ")) + 1);
		out[strcspn(out, "\r\n")] = '\0';
	}
}

static size_t on_header(char *d, size_t size, size_t nmemb, void *user)
{
	struct taxproc_ans *a = user;
	size_t n = size * nmemb;

	take(d, n, "X-Tax-App-Id", a->app, sizeof(a->app));
	take(d, n, "X-Tax-Timestamp", a->ts, sizeof(a->ts));
	take(d, n, "X-Tax-Nonce", a->nonce, sizeof(a->nonce));
	take(d, n, "X-Tax-Signature", a->sig, sizeof(a->sig));
	return n;
}

/* The signed headers of q into *hl. */
static struct curl_slist *headers(const struct taxproc *tp, const struct taxproc_req *q,
				  struct taxproc_ans *a, struct curl_slist *hl)
{
	char ts[32], sig[SIGN_HEX_LEN + 1], h[300];
	const char *body = q->body ? q->body : "";
	size_t i;

	snprintf(ts, sizeof(ts), "%lld", (long long)((ca_wall_ms() + tp->offset_ms) / 1000 +
						     q->skew_s));
	if (q->nonce)
		snprintf(a->req_nonce, sizeof(a->req_nonce), "%s", q->nonce);
	else if (sign_random_hex(16, a->req_nonce))
		return hl;
	signature(q->secret ? q->secret : TAXPROC_SECRET, q->method, q->target, ts, a->req_nonce,
		  body, strlen(body), sig);
	if (q->flip)
		sig[3] = sig[3] == 'a' ? 'b' : 'a';
	for (i = 0; q->upper && sig[i]; i++)
		sig[i] = (char)toupper((unsigned char)sig[i]);
	snprintf(h, sizeof(h), "X-Tax-App-Id: %s", q->app_id ? q->app_id : TAXPROC_APP_ID);
	if (!(q->omit & TAXPROC_NO_APP))
		hl = curl_slist_append(hl, h);
	snprintf(h, sizeof(h), "X-Tax-Timestamp: %s", ts);
	if (!(q->omit & TAXPROC_NO_TIME))
		hl = curl_slist_append(hl, h);
	snprintf(h, sizeof(h), "X-Tax-Nonce: %s", a->req_nonce);
	if (!(q->omit & TAXPROC_NO_NONCE))
		hl = curl_slist_append(hl, h);
	else
		a->req_nonce[0] = '\0'; /* the answer's subject: the nonce as carried */
	snprintf(h, sizeof(h), "X-Tax-Signature: %s", sig);
	if (!(q->omit & TAXPROC_NO_SIG))
		hl = curl_slist_append(hl, h);
	return hl;
}

/* One request of method to target with body and headers hl; into a. */
static int perform(struct taxproc *tp, const char *method, const char *target, const char *body,
		   bool expect, struct curl_slist *hl, struct taxproc_ans *a)
{
	char *url = malloc(strlen(tp->url) + strlen(target) + 1);
	struct membuf b = { 0 };
	CURL *c = curl_easy_init();

	if (!url || !c) {
		free(url);
		curl_easy_cleanup(c);
		return -1;
	}
	sprintf(url, "%s%s", tp->url, target);
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, expect ? "Expect: 100-continue" : "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, tp->cacert);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	a->len = b.n;
	a->body = b.p ? b.p : strdup("");
	a->j = a->body ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(url);
	return a->status ? 0 : -1;
}

int taxproc_call(struct taxproc *tp, const struct taxproc_req *q, struct taxproc_ans *a)
{
	memset(a, 0, sizeof(*a));
	return perform(tp, q->method, q->target, q->body, q->expect, headers(tp, q, a, NULL), a);
}

bool taxproc_signed(const struct taxproc *tp, const struct taxproc_ans *a)
{
	char want[SIGN_HEX_LEN + 1], status[8];
	long long ts = atoll(a->ts), now = (ca_wall_ms() + tp->offset_ms) / 1000;

	if (!a->sig[0] || !a->ts[0] || !a->nonce[0] || strcmp(a->app, TAXPROC_APP_ID) ||
	    ts > now + SKEW_S || ts < now - SKEW_S)
		return false;
	snprintf(status, sizeof(status), "%03ld", a->status);
	signature(TAXPROC_SECRET, status, a->req_nonce, a->ts, a->nonce, a->body, a->len, want);
	return want[0] && !strcmp(want, a->sig);
}

void taxproc_ans_free(struct taxproc_ans *a)
{
	free(a->body);
	json_decref(a->j);
	memset(a, 0, sizeof(*a));
}

void *taxproc_sim(struct taxproc *tp, const char *method, const char *target,
		  const char *body, long *status)
{
	struct taxproc_ans a;
	json_t *j = NULL;

	memset(&a, 0, sizeof(a));
	perform(tp, method, target, body, false, NULL, &a);
	if (status)
		*status = a.status;
	if (a.status == 200 && taxproc_signed(tp, &a)) {
		j = a.j;
		a.j = NULL;
	} else {
		fprintf(stderr, "taxproc: %s %s: %ld %s\n", method, target, a.status,
			a.body ? a.body : "");
	}
	taxproc_ans_free(&a);
	return j;
}
