/*
 * simrun.h - what every simulator of tools/ (ca-paysim, ca-taxsim) does
 * the same way around its protocol: the options they share (the data
 * directory, the HTTPS certificate and key, where to listen, the clock
 * file, the connection and nonce limits) read from the command line with
 * their ranges, a PEM file read whole, and a run's frame: the signals
 * left to sigwait, the clock, the directory's lock (one simulator a
 * directory), the port file once it answers, the wait for SIGTERM or
 * SIGINT.
 *
 * A simulator has a name ("paysim"): it is the log tag, the program is
 * "ca-NAME" in messages, and its files are DIR/NAME.lock and
 * DIR/NAME.port.
 *
 * Where to start reading: simrun_option(), then simrun_start().
 */
#ifndef SIMKIT_SIMRUN_H
#define SIMKIT_SIMRUN_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define SIM_PATH_MAX 1024
#define SIM_PEM_MAX (256 * 1024)    /* a PEM file larger than this is refused */
#define SIM_BODY_MAX (64 * 1024)    /* a request body over this: 413 */
#define SIM_HEAD_MAX (32 * 1024)    /* MHD's memory per connection (head and buffers) */
#define SIM_TARGET_MAX 1024         /* a longer request target is refused */
#define SIM_NONCE_LIFE_MS (5 * 60 * 1000) /* a request's time at most this far off; nonce life */

/* Defaults of the shared limits the command line may change. */
#define SIM_MAX_CONNECTIONS 64      /* open connections at once */
#define SIM_IDLE_TIMEOUT_S 15       /* a connection idle this long is closed */
#define SIM_NONCES 10000            /* nonces remembered (each SIM_NONCE_LIFE_MS) */

/* The options every simulator takes (simrun_option fills them). */
struct sim_opts {
	char data_dir[SIM_PATH_MAX];    /* DIR: the books, NAME.port, NAME.lock */
	char *cert_pem;                 /* the HTTPS certificate (PEM text, owned) */
	char *key_pem;                  /* its key (PEM text, owned, wiped at release) */
	char listen[64];                /* IP address to listen on */
	int port;                       /* 0: any free port */
	char clock_file[SIM_PATH_MAX];  /* the shared clock's offset ("": none) */
	int max_connections;            /* SIM_MAX_CONNECTIONS unless told */
	int idle_timeout_s;             /* SIM_IDLE_TIMEOUT_S unless told */
	int nonces;                     /* SIM_NONCES unless told */
};

/* The getopt_long entries of the shared options, each with val v: the
 * simulator's table lists them among its own and hands what comes with v
 * to simrun_option. */
#define SIMRUN_OPTIONS(v) \
	{ "data", required_argument, NULL, (v) }, \
	{ "cert", required_argument, NULL, (v) }, \
	{ "key", required_argument, NULL, (v) }, \
	{ "listen", required_argument, NULL, (v) }, \
	{ "port", required_argument, NULL, (v) }, \
	{ "clock-file", required_argument, NULL, (v) }, \
	{ "max-connections", required_argument, NULL, (v) }, \
	{ "idle-timeout", required_argument, NULL, (v) }, \
	{ "nonce-cache", required_argument, NULL, (v) }

/* Name the simulator (for messages and files); before anything else. */
void simrun_name(const char *name);

/* The defaults of o (listen 127.0.0.1, the limits). */
void simrun_defaults(struct sim_opts *o);

/* One shared option, name (without "--") with value v, into o. false
 * after a line on stderr saying why. */
bool simrun_option(struct sim_opts *o, const char *name, const char *v);

/* Whether the options every simulator needs were given (--data, --cert,
 * --key). */
bool simrun_given(const struct sim_opts *o);

/* Free and wipe what o holds. */
void simrun_release(struct sim_opts *o);

/* The whole file path, at most max bytes, into *out (malloc'd,
 * NUL-terminated; an earlier value is freed), its length into *len unless
 * len is NULL. false after a line on stderr. */
bool simrun_read_file(const char *path, size_t max, char **out, size_t *len);

/* Copy an option's value v into dst (size n); false, saying so, when it
 * is longer than that. */
bool simrun_copy(char *dst, size_t n, const char *v, const char *name);

/* The whole decimal v of option name in lo..hi into *out; false, saying
 * so, when it is not one. */
bool simrun_number(const char *name, const char *v, long lo, long hi, long *out);

/* A whole-number option: its name, range and where in a struct it goes. */
struct simrun_int {
	const char *name;  /* without "--" */
	long lo, hi;       /* its range */
	size_t off;        /* the offset of its int in the struct */
};

/* Option name with value v into the int of base that its row of tab (n
 * rows) names: 1 when taken, 0 after saying why it is out of range, -1
 * when tab has no such option. */
int simrun_int_option(const struct simrun_int *tab, size_t n, void *base, const char *name,
		      const char *v);

/* A run's start: SIGTERM, SIGINT and SIGHUP blocked (into *set: every
 * thread made after this leaves them to sigwait), SIGPIPE ignored, the
 * clock on o->clock_file, DIR made (0700) when missing and DIR/NAME.lock
 * taken. The lock's fd, or -1 after logging why. */
int simrun_start(const struct sim_opts *o, sigset_t *set);

/* Write port to DIR/NAME.port (atomically): the simulator answers. 0, or
 * -1 after logging why. */
int simrun_port_file(const struct sim_opts *o, int port);

/* Wait for SIGTERM or SIGINT of set (SIGHUP is ignored); log it. */
void simrun_wait(sigset_t *set);

#endif
