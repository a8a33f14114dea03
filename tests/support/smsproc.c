/* smsproc.c - ca-smssim for tests (see smsproc.h). */
#include "smsproc.h"
#include "hubproc.h"
#include "membuf.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simproc.h"
#include "tmpdir.h"

/* The key's secret the simulator is started with. */
#define SMSPROC_SECRET "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a"
/* The login template, as registered with the simulator. */
#define SMSPROC_TEXT "您的登录验证码为${code}，5分钟内有效，请勿告诉他人。"

int smsproc_start(struct smsproc *sp, const struct smsproc_opts *o)
{
	char bin[SMSPROC_PATH + 16], portfile[SMSPROC_PATH], msgs[SMSPROC_PATH];
	char cert[SMSPROC_PATH], key[SMSPROC_PATH], limit[32], quota[24], tmpl[256];
	const char *argv[32];
	struct simproc_child child = { .name = "ca-smssim", .log = sp->log, .portfile = portfile,
				       .tries = 200 }; /* 10 s */
	int n = 0, status = 0;

	memset(sp, 0, sizeof(*sp));
	if (simproc_bin_dir(bin, sizeof(bin) - 16) ||
	    tmpdir_make(sp->dir, sizeof(sp->dir), "smsproc"))
		return -1;
	strcat(bin, "/ca-smssim");
	if (hubproc_certs(sp->dir))
		return -1;
	snprintf(sp->cacert, sizeof(sp->cacert), "%s/ca.pem", sp->dir);
	snprintf(cert, sizeof(cert), "%s/srv.pem", sp->dir);
	snprintf(key, sizeof(key), "%s/srv.key", sp->dir);
	snprintf(sp->secret, sizeof(sp->secret), "%s/sim.secret", sp->dir);
	snprintf(sp->hub_secret, sizeof(sp->hub_secret), "%s/hub.secret", sp->dir);
	snprintf(sp->log, sizeof(sp->log), "%s/smssim.log", sp->dir);
	snprintf(portfile, sizeof(portfile), "%s/smssim.port", sp->dir);
	snprintf(msgs, sizeof(msgs), "%s/messages.jsonl", sp->dir);
	if (simproc_put_private(sp->secret, SMSPROC_SECRET "\n") ||
	    simproc_put_private(sp->hub_secret, o && o->hub_secret ? o->hub_secret
				: SMSPROC_SECRET))
		return -1;
	snprintf(tmpl, sizeof(tmpl), "%s=%s", SMSPROC_TEMPLATE, SMSPROC_TEXT);
	argv[n++] = bin;
	argv[n++] = "--cert"; argv[n++] = cert;
	argv[n++] = "--key"; argv[n++] = key;
	argv[n++] = "--key-id"; argv[n++] = SMSPROC_KEY_ID;
	argv[n++] = "--secret-file"; argv[n++] = sp->secret;
	argv[n++] = "--sign-name"; argv[n++] = SMSPROC_SIGN;
	argv[n++] = "--template"; argv[n++] = tmpl;
	argv[n++] = "--port"; argv[n++] = "0";
	argv[n++] = "--port-file"; argv[n++] = portfile;
	argv[n++] = "--messages"; argv[n++] = msgs;
	if (o && o->phone_limit) {
		snprintf(limit, sizeof(limit), "%s", o->phone_limit);
		argv[n++] = "--phone-limit"; argv[n++] = limit;
	}
	if (o && o->quota > 0) {
		snprintf(quota, sizeof(quota), "%ld", o->quota);
		argv[n++] = "--quota"; argv[n++] = quota;
	}
	argv[n] = NULL;
	sp->pid = simproc_start(argv, &child, &sp->port, &status);
	if (sp->pid <= 0) {
		sp->pid = 0;
		return -1;
	}
	snprintf(sp->url, sizeof(sp->url), "https://127.0.0.1:%d/v1/sms/send", sp->port);
	n = snprintf(sp->ini, sizeof(sp->ini), "provider = gateway\nurl = %s\naccess_key_id = %s\n"
		     "secret_file = %s\nsign_name = %s\ntemplate_id = %s\nca_file = %s\n%s",
		     sp->url, SMSPROC_KEY_ID, sp->hub_secret, SMSPROC_SIGN, SMSPROC_TEMPLATE,
		     sp->cacert, o && o->extra_sms ? o->extra_sms : "");
	if (o && o->timeout_ms)
		snprintf(sp->ini + n, sizeof(sp->ini) - (size_t)n, "timeout_ms = %d\n",
			 o->timeout_ms);
	return 0;
}

int smsproc_cleanup(struct smsproc *sp)
{
	int ret = 0;

	if (sp->pid > 0) {
		ret = simproc_stop(&sp->pid, 30000, NULL);
		ret = ret < -1 ? -1 : ret; /* killed: as a signal */
		if (ret)
			fprintf(stderr, "smsproc: ca-smssim ended with %d; see %s\n", ret, sp->log);
	}
	if (sp->dir[0] && !ret)
		tmpdir_remove(sp->dir);
	sp->dir[0] = '\0';
	return ret;
}

/* libcurl's write callback into a membuf. */
static size_t keep(char *d, size_t size, size_t nmemb, void *user)
{
	return membuf_add(user, d, size * nmemb) ? 0 : size * nmemb;
}

/* One request to the simulator; the answer's JSON or NULL. */
static json_t *call(struct smsproc *sp, const char *method, const char *target,
		    const char *body)
{
	char url[600];
	struct membuf b = { 0 };
	struct curl_slist *h = NULL;
	json_t *j = NULL;
	CURL *c = curl_easy_init();
	long status = 0;

	if (!c)
		return NULL;
	snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", sp->port, target);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, sp->cacert);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200 && b.p)
		j = json_loadb(b.p, b.n, 0, NULL);
	if (status != 200)
		fprintf(stderr, "smsproc: %s %s: HTTP %ld\n", method, target, status);
	free(b.p);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return j;
}

void *smsproc_get(struct smsproc *sp, const char *target)
{
	return call(sp, "GET", target, NULL);
}

int smsproc_fault(struct smsproc *sp, const char *fault)
{
	json_t *j = call(sp, "POST", "/sim/fault", fault);
	int ok = j != NULL;

	json_decref(j);
	return ok ? 0 : -1;
}

int smsproc_messages(struct smsproc *sp, const char *phone, char *code)
{
	char target[64];
	json_t *j, *list;
	int n;

	snprintf(target, sizeof(target), "/sim/messages?phone=%s", phone);
	j = smsproc_get(sp, target);
	list = json_object_get(j, "messages");
	if (!json_is_array(list)) {
		json_decref(j);
		return -1;
	}
	n = (int)json_array_size(list);
	if (code) {
		/* The code: the first run of 6 digits of the text. */
		const char *t = n ? json_string_value(json_object_get(json_array_get(list,
							(size_t)n - 1), "text")) : NULL;

		code[0] = '\0';
		for (; t && *t; t++)
			if (strspn(t, "0123456789") == 6) {
				memcpy(code, t, 6);
				code[6] = '\0';
				break;
			}
	}
	json_decref(j);
	return n;
}

int smsproc_requests(struct smsproc *sp, const char *phone, char *id, bool *same_id)
{
	char target[64];
	json_t *j, *list, *r;
	size_t i;
	int n;

	snprintf(target, sizeof(target), "/sim/requests?phone=%s", phone);
	j = smsproc_get(sp, target);
	list = json_object_get(j, "requests");
	if (!json_is_array(list)) {
		json_decref(j);
		return -1;
	}
	n = (int)json_array_size(list);
	id[0] = '\0';
	if (same_id)
		*same_id = true;
	json_array_foreach(list, i, r) {
		const char *rid = json_string_value(json_object_get(r, "request_id"));

		if (i == 0)
			snprintf(id, 40, "%s", rid ? rid : "");
		else if (same_id && (!rid || strcmp(rid, id) != 0))
			*same_id = false;
	}
	json_decref(j);
	return n;
}
