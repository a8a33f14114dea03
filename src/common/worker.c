/* worker.c - one background thread and its wake-up (see worker.h). */
#include "worker.h"

#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "core/clock.h"

void worker_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

int worker_start(struct worker *w, void *(*fn)(void *), void *arg)
{
	int rc;

	atomic_init(&w->stop, false);
	pthread_mutex_init(&w->mu, NULL);
	worker_cond_init(&w->cv);
	rc = pthread_create(&w->thread, NULL, fn, arg);
	if (rc) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
	}
	return rc;
}

/* worker_every's thread: tick, then sleep a period or until stopped. */
static void *worker_every_main(void *arg)
{
	struct worker *w = arg;
	struct timespec dl;

	pthread_mutex_lock(&w->mu);
	while (!atomic_load(&w->stop)) {
		pthread_mutex_unlock(&w->mu);
		w->tick(w->tick_arg);
		pthread_mutex_lock(&w->mu);
		dl = ca_mono_after(w->period_ms);
		while (!atomic_load(&w->stop) &&
		       pthread_cond_timedwait(&w->cv, &w->mu, &dl) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int worker_every(struct worker *w, int period_ms, void (*tick)(void *), void *arg)
{
	w->tick = tick;
	w->tick_arg = arg;
	w->period_ms = period_ms;
	return worker_start(w, worker_every_main, w);
}

void worker_raise(struct worker *w, atomic_bool *flag)
{
	pthread_mutex_lock(&w->mu);
	atomic_store(flag, true);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void worker_stop(struct worker *w)
{
	worker_raise(w, &w->stop);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}
