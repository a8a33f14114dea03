/*
 * fuzz_hubcfg.c - libFuzzer target: the hub's INI loader (src/hub/hubcfg.c)
 * on arbitrary file content, written to a memfd once per run and read back
 * through /proc/self/fd, as ca-hub reads its --config file.
 *
 * Property: never crashes or leaks; fails only with CA_ERR_CONFIG and a
 * clear message: terminated inside HUBCFG_ERR_MAX, one "FILE:LINE: text"
 * or "FILE: text" line per problem (at most hc_err's 699 bytes), no control
 * character but the newlines between lines, and valid UTF-8 whatever the
 * file holds (a quoted value is cut at whole characters, before the first
 * byte that is not UTF-8). On success the message is empty and every value
 * is inside the range hubcfg.h gives it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/utf8.h"
#include "core/valid.h"
#include "hub/hubcfg.h"
#include "../support/fuzzfile.h"

/* Longest line hc_err() makes (its buffer), newline excluded. */
#define LINE_MAX_BYTES 699

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether s (NUL-terminated inside n bytes) is a string without controls. */
static int plain(const char *s, size_t n)
{
	size_t i;

	if (!memchr(s, '\0', n))
		return 0;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Abort unless the loaded configuration is inside its ranges. */
static void check_loaded(const struct hubcfg *c)
{
	unsigned char addr[16];
	size_t chars;
	int b, t;

	if ((unsigned)c->mode > HUB_MODE_PRODUCTION || (unsigned)c->log_level >= LOG__N)
		abort();
	if (!plain(c->listen, sizeof(c->listen)) ||
	    (inet_pton(AF_INET, c->listen, addr) != 1 && inet_pton(AF_INET6, c->listen, addr) != 1))
		abort();
	if (c->port < 0 || c->port > 65535 || c->max_connections < 16 ||
	    c->max_connections > 1000000 || c->per_address_connections < 1 ||
	    c->per_address_connections > 100000 || c->connection_timeout_s < 5 ||
	    c->connection_timeout_s > 3600 || c->request_timeout_s < 5 ||
	    c->request_timeout_s > 600 || c->threads < 0 || c->threads > 64 ||
	    c->device_sms_max < 1 || c->device_sms_max > 100000 || c->device_login_max < 1 ||
	    c->device_login_max > 100000 || c->binding_days < 1 || c->binding_days > 3650 ||
	    c->sms_max_sends < 1 || c->sms_max_sends > 1000 ||
	    c->invoice_ttl_s < 300 || c->invoice_ttl_s > 2592000 ||
	    c->invoice_max_attempts < 1 || c->invoice_max_attempts > 20)
		abort();
	if (!plain(c->data_dir, sizeof(c->data_dir)) || !c->data_dir[0] ||
	    !plain(c->cert, sizeof(c->cert)) || !plain(c->key, sizeof(c->key)) ||
	    !c->cert[0] != !c->key[0] ||
	    !plain(c->invoice_font, sizeof(c->invoice_font)) || !c->invoice_font[0])
		abort();
	if (strcmp(c->sms_provider, "dev") != 0 && strcmp(c->sms_provider, "gateway") != 0)
		abort();
	if (!strcmp(c->sms_provider, "dev") && c->mode == HUB_MODE_PRODUCTION)
		abort();
	if (!strcmp(c->sms_provider, "gateway") && (strncmp(c->sms_url, "https://", 8) != 0 ||
	    !c->sms_key_id[0] || !c->sms_secret_file[0] || !c->sms_template_id[0] ||
	    !c->sms_sign_name[0] || c->sms_timeout_ms < 100 || c->sms_timeout_ms > 10000))
		abort();
	/* A tax platform has all four of its needed keys, or none of them. */
	if (c->tax_timeout_ms < 100 || c->tax_timeout_ms > 60000 ||
	    !c->tax_url[0] != !c->tax_app_id[0] || !c->tax_url[0] != !c->tax_secret_file[0] ||
	    !c->tax_url[0] != !c->tax_seller_id[0] ||
	    (c->tax_url[0] && (strncmp(c->tax_url, "https://", 8) != 0 ||
			       valid_uscc(c->tax_seller_id) != MSG_NONE)))
		abort();
	if (c->demo_code[0] && (c->mode != HUB_MODE_DEMO || strlen(c->demo_code) != 6 ||
				strspn(c->demo_code, "0123456789") != 6))
		abort();
	if (!memchr(c->seller_name, '\0', sizeof(c->seller_name)) ||
	    !utf8_count(c->seller_name, &chars) || chars < 1 || chars > HUBCFG_SELLER_MAX ||
	    !plain(c->seller_name, sizeof(c->seller_name)))
		abort();
	if (!memchr(c->seller_uscc, '\0', sizeof(c->seller_uscc)) ||
	    (c->seller_uscc[0] && valid_uscc(c->seller_uscc) != MSG_NONE))
		abort();
	for (b = 0; b < CA_BIZ__N; b++)
		for (t = 0; t < CA_CERT__N; t++)
			if (c->price_fen[b][t] < 1 || c->price_fen[b][t] > 100000000)
				abort();
}

/* Abort unless err is a clear message of a failed load of path. */
static void check_message(const char *err, size_t errlen, const char *path)
{
	size_t plen = strlen(path), chars;
	const char *line, *nl;
	size_t i;

	if (!memchr(err, '\0', errlen) || !err[0])
		abort();
	if (!utf8_count(err, &chars))
		abort();
	for (line = err; line; line = nl ? nl + 1 : NULL) {
		size_t len;

		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > LINE_MAX_BYTES || len < plen + 2 || memcmp(line, path, plen) != 0 ||
		    line[plen] != ':')
			abort();
		for (i = 0; i < len; i++)
			if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[HUBCFG_ERR_MAX];
	const char *path = fuzzfile_put("hub.ini", data, size);
	struct hubcfg c;
	ca_err e;

	memset(err, 'x', sizeof(err));
	e = hubcfg_load(&c, path, err, sizeof(err));
	if (e == CA_OK) {
		if (!memchr(err, '\0', sizeof(err)) || err[0])
			abort();
		check_loaded(&c);
	} else if (e == CA_ERR_CONFIG) {
		check_message(err, sizeof(err), path);
	} else {
		abort();
	}
	return 0;
}
