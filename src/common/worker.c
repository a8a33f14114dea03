/* worker.c - one background thread and its wake-up (see worker.h). */
#include "worker.h"

#include <stdbool.h>
#include <time.h>

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
