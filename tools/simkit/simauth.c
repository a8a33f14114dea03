/* simauth.c - refusals and the nonce cache of the simulators (see simauth.h). */
#include "simauth.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simrun.h"

/* One remembered nonce. */
struct seen {
	uint64_t hash;                 /* FNV-1a of the text, compared first */
	int64_t at_ms;                 /* when it was seen */
	char text[SIM_NONCE_MAX + 1];  /* as sent */
};

/* The ring of nonces in the order they came: live ones after head. */
struct simnonces {
	pthread_mutex_t mu; /* one check at a time */
	struct seen *ring;  /* cap entries */
	int cap;            /* the bound */
	int head;           /* the oldest */
	int n;              /* how many are held */
};

bool sim_refuse(struct sim_fail *f, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	f->status = status;
	f->code = code;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return false;
}

bool sim_take_fault(atomic_int *left)
{
	int n = left ? atomic_load(left) : 0;

	while (n > 0 && !atomic_compare_exchange_weak(left, &n, n - 1))
		;
	return n > 0;
}

struct simnonces *simnonces_new(int cap)
{
	struct simnonces *nc = cap > 0 ? calloc(1, sizeof(*nc)) : NULL;

	if (nc && !(nc->ring = calloc((size_t)cap, sizeof(*nc->ring)))) {
		free(nc);
		return NULL;
	}
	if (nc) {
		nc->cap = cap;
		pthread_mutex_init(&nc->mu, NULL);
	}
	return nc;
}

void simnonces_free(struct simnonces *nc)
{
	if (!nc)
		return;
	pthread_mutex_destroy(&nc->mu);
	free(nc->ring);
	free(nc);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* Forget the nonces older than their life, the oldest first (the lock held). */
static void expire(struct simnonces *nc, int64_t now_ms)
{
	while (nc->n && now_ms - nc->ring[nc->head].at_ms >= SIM_NONCE_LIFE_MS) {
		nc->head = (nc->head + 1) % nc->cap;
		nc->n--;
	}
}

bool simnonces_take(struct simnonces *nc, const char *nonce, int64_t now_ms,
		    const struct simnonce_words *w, struct sim_fail *f)
{
	uint64_t h = fnv1a(nonce);
	bool ok = true;
	int i;

	pthread_mutex_lock(&nc->mu);
	expire(nc, now_ms);
	for (i = 0; ok && i < nc->n; i++) {
		const struct seen *e = &nc->ring[(nc->head + i) % nc->cap];

		if (e->hash == h && !strcmp(e->text, nonce))
			ok = sim_refuse(f, 401, w->seen, "%s was used in the last %s (a replay)",
					w->field, w->window);
	}
	if (ok && nc->n == nc->cap)
		ok = sim_refuse(f, 429, w->full, "%d requests in %s: the %s's nonce cache is full",
				nc->cap, w->window, w->who);
	if (ok) {
		struct seen *e = &nc->ring[(nc->head + nc->n) % nc->cap];

		e->hash = h;
		e->at_ms = now_ms;
		snprintf(e->text, sizeof(e->text), "%s", nonce);
		nc->n++;
	}
	pthread_mutex_unlock(&nc->mu);
	return ok;
}

int simnonces_held(struct simnonces *nc, int64_t now_ms)
{
	int n;

	pthread_mutex_lock(&nc->mu);
	expire(nc, now_ms);
	n = nc->n;
	pthread_mutex_unlock(&nc->mu);
	return n;
}
