/*
 * feed.c - a change-feed answer into the store's changes (see feed.h):
 * the page's members, then each change through the decoder of its kind
 * (kinds[]). Start reading at feed_decode().
 */
#include "feed.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/uuid.h"

#define TAG "sync"

/* Room for what a decoder says is wrong. */
#define WHY_MAX CODEC_ERR_MAX

/* An application: the codec's strict record. */
static bool dec_app(const json_t *v, struct store_change *out, char *why, size_t n)
{
	return codec_app_decode(v, &out->u.app, why, n) == CA_OK && uuid_valid(out->u.app.id);
}

/* A processing record: the codec's strict record. */
static bool dec_record(const json_t *v, struct store_change *out, char *why, size_t n)
{
	return codec_record_decode(v, &out->u.rec, why, n) == CA_OK &&
	       uuid_valid(out->u.rec.id) && uuid_valid(out->u.rec.app_id);
}

/* Where a key waits: {"app_id", "kiosk", "slot", "at_ms"}. */
static bool dec_pickup(const json_t *v, struct store_change *out, char *why, size_t n)
{
	struct store_pickup *p = &out->u.pickup;
	const char *id = json_string_value(json_object_get(v, "app_id"));
	const char *ki = json_string_value(json_object_get(v, "kiosk"));
	const char *sl = json_string_value(json_object_get(v, "slot"));

	memset(p, 0, sizeof(*p));
	if (!id || !uuid_valid(id) || !ki || !sl || strlen(ki) >= sizeof(p->kiosk) ||
	    strlen(sl) >= sizeof(p->slot)) {
		snprintf(why, n, "needs app_id, kiosk and slot");
		return false;
	}
	snprintf(p->app_id, sizeof(p->app_id), "%s", id);
	snprintf(p->kiosk, sizeof(p->kiosk), "%s", ki);
	snprintf(p->slot, sizeof(p->slot), "%s", sl);
	p->at_ms = (int64_t)json_integer_value(json_object_get(v, "at_ms"));
	return true;
}

/* An e-invoice, in the whole or the older form (codec.h). */
static bool dec_invoice(const json_t *v, struct store_change *out, char *why, size_t n)
{
	return codec_invoice_decode(v, &out->u.inv, why, n) == CA_OK;
}

/* The kinds this kiosk knows: the feed's name, which is also the member
 * holding the change, the store's kind, the decoder and what the log
 * calls it. */
static const struct {
	const char *name;
	enum store_change_kind kind;
	bool (*decode)(const json_t *v, struct store_change *out, char *why, size_t n);
	const char *what;
} kinds[] = {
	{ "app", STORE_CHANGE_APP, dec_app, "application" },
	{ "record", STORE_CHANGE_RECORD, dec_record, "processing record" },
	{ "pickup", STORE_CHANGE_PICKUP, dec_pickup, "pickup" },
	{ "invoice", STORE_CHANGE_INVOICE, dec_invoice, "invoice" },
};

/* Change c (entry i of the page) into *out; false when it is skipped. */
static bool change_decode(const json_t *c, size_t i, struct store_change *out)
{
	const char *name = json_string_value(json_object_get(c, "kind"));
	json_int_t rev = json_integer_value(json_object_get(c, "rev"));
	char why[WHY_MAX] = "";
	size_t k;

	if (!name) {
		log_warn(TAG, "feed entry %zu has no kind; skipped", i);
		return false;
	}
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(kinds[k].name, name))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0])) {
		log_debug(TAG, "feed rev %lld: kind '%.40s' not known here, skipped",
			  (long long)rev, name);
		return false;
	}
	out->rev = (int64_t)rev;
	out->kind = kinds[k].kind;
	if (!kinds[k].decode(json_object_get(c, name), out, why, sizeof(why))) {
		log_warn(TAG, "feed rev %lld: %s unreadable, skipped: %s", (long long)rev,
			 kinds[k].what, why);
		return false;
	}
	return true;
}

bool feed_decode(const char *body, size_t len, int64_t since, struct store_change *ch,
		 int max, struct feed_page *pg, char *why, size_t whylen)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	json_t *changes = json_object_get(root, "changes");
	json_t *jn = json_object_get(root, "next");
	json_t *je = json_object_get(root, "epoch");
	size_t i;
	bool ok = false;

	memset(pg, 0, sizeof(*pg));
	pg->reset = json_is_true(json_object_get(root, "reset"));
	pg->epoch = json_is_integer(je) ? (int64_t)json_integer_value(je) : 0;
	if (je && (!json_is_integer(je) || pg->epoch <= 0)) {
		snprintf(why, whylen, "bad feed answer from hub: bad epoch");
		goto out;
	}
	if (pg->reset) {
		ok = pg->epoch > 0;
		if (!ok)
			snprintf(why, whylen, "bad feed answer from hub: reset without epoch");
		goto out;
	}
	if (!json_is_array(changes) || !json_is_integer(jn) ||
	    json_integer_value(jn) < since) {
		snprintf(why, whylen, "bad feed answer from hub: %s",
			 root ? "missing or bad changes/next" : "not JSON");
		goto out;
	}
	pg->next = (int64_t)json_integer_value(jn);
	pg->more = json_is_true(json_object_get(root, "more"));
	for (i = 0; i < json_array_size(changes) && pg->n < max; i++) {
		if (change_decode(json_array_get(changes, i), i, &ch[pg->n]))
			pg->n++;
		else
			pg->skipped++;
	}
	/* A truncated page must not move the cursor past what was read. */
	if (i < json_array_size(changes) && pg->n == max) {
		json_t *c = json_array_get(changes, i - 1);

		pg->next = (int64_t)json_integer_value(json_object_get(c, "rev"));
		pg->more = true;
	}
	ok = true;
out:
	json_decref(root);
	return ok;
}
