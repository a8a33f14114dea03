/*
 * worker.h - one background thread that sleeps on a condition variable until
 * its owner wakes or stops it: the shape of the kiosk's sync engine
 * (src/kiosk/net/sync.c), online requests (src/kiosk/net/online.c) and key
 * pickup (src/kiosk/device/pickup.c).
 *
 * The owner embeds a struct worker, guards what it shares with the thread by
 * w.mu, and has the thread wait on w.cv until w.stop (or a flag of its own,
 * raised with worker_raise). worker_stop raises w.stop, joins the thread and
 * tears the mutex and the condition down. A thread with nothing to wait for
 * but the clock (the hub's payment sweep, src/hub/pay.c) is started with
 * worker_every.
 */
#ifndef CA_WORKER_H
#define CA_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

/* One thread and what it waits on. */
struct worker {
	pthread_t thread;   /* the thread, between worker_start and worker_stop */
	pthread_mutex_t mu; /* guards what the owner shares with the thread */
	pthread_cond_t cv;  /* the thread waits here; timed waits use CLOCK_MONOTONIC */
	atomic_bool stop;   /* worker_stop was called */
	void (*tick)(void *); /* worker_every: what runs each period */
	void *tick_arg;     /* its argument */
	int period_ms;      /* worker_every: pause between two runs */
};

/* Initialise cv for timed waits against CLOCK_MONOTONIC. */
void worker_cond_init(pthread_cond_t *cv);

/* Set w up and run fn(arg) on its thread. 0, or the error number of
 * pthread_create (w is then torn down again). */
int worker_start(struct worker *w, void *(*fn)(void *), void *arg);

/* Set w up and run tick(arg) on its thread now, then every period_ms until
 * worker_stop. 0, or the error number of pthread_create. */
int worker_every(struct worker *w, int period_ms, void (*tick)(void *), void *arg);

/* Under w->mu: set *flag and wake the thread. */
void worker_raise(struct worker *w, atomic_bool *flag);

/* Raise w->stop, wait for the thread to end, tear w down. */
void worker_stop(struct worker *w);

#endif
