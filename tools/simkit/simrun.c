/*
 * simrun.c - the simulators' shared options and the frame of a run (see
 * simrun.h).
 */
#include "simrun.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/filesave.h"
#include "core/log.h"
#include "simclock.h"

static const char *sim_name = "sim";

void simrun_name(const char *name)
{
	sim_name = name;
}

void simrun_defaults(struct sim_opts *o)
{
	snprintf(o->listen, sizeof(o->listen), "127.0.0.1");
	o->max_connections = SIM_MAX_CONNECTIONS;
	o->idle_timeout_s = SIM_IDLE_TIMEOUT_S;
	o->nonces = SIM_NONCES;
}

bool simrun_read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(max + 1);
	size_t n;

	free(*out);
	*out = NULL;
	if (!f || !buf) {
		fprintf(stderr, "ca-%s: %s: %s\n", sim_name, path, f ? "out of memory"
			: strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return false;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		fprintf(stderr, "ca-%s: %s: over %zu bytes\n", sim_name, path, max);
		free(buf);
		return false;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return true;
}

bool simrun_copy(char *dst, size_t n, const char *v, const char *name)
{
	if (strlen(v) >= n) {
		fprintf(stderr, "ca-%s: --%s is over %zu bytes\n", sim_name, name, n - 1);
		return false;
	}
	snprintf(dst, n, "%s", v);
	return true;
}

bool simrun_number(const char *name, const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < lo || n > hi) {
		fprintf(stderr, "ca-%s: --%s %s is out of range %ld..%ld\n", sim_name, name, v, lo,
			hi);
		return false;
	}
	*out = n;
	return true;
}

int simrun_int_option(const struct simrun_int *tab, size_t n, void *base, const char *name,
		      const char *v)
{
	size_t i;
	long k;

	for (i = 0; i < n && strcmp(tab[i].name, name); i++)
		;
	if (i == n)
		return -1;
	if (!simrun_number(name, v, tab[i].lo, tab[i].hi, &k))
		return 0;
	*(int *)(void *)((char *)base + tab[i].off) = (int)k;
	return 1;
}

/* The shared whole-number options. */
static const struct simrun_int numbers[] = {
	{ "port", 0, 65535, offsetof(struct sim_opts, port) },
	{ "max-connections", 1, 1000, offsetof(struct sim_opts, max_connections) },
	{ "idle-timeout", 1, 3600, offsetof(struct sim_opts, idle_timeout_s) },
	{ "nonce-cache", 1, 10000000, offsetof(struct sim_opts, nonces) },
};

bool simrun_option(struct sim_opts *o, const char *name, const char *v)
{
	int taken;

	if (!strcmp(name, "data"))
		return simrun_copy(o->data_dir, sizeof(o->data_dir), v, name);
	if (!strcmp(name, "cert"))
		return simrun_read_file(v, SIM_PEM_MAX, &o->cert_pem, NULL);
	if (!strcmp(name, "key"))
		return simrun_read_file(v, SIM_PEM_MAX, &o->key_pem, NULL);
	if (!strcmp(name, "listen"))
		return simrun_copy(o->listen, sizeof(o->listen), v, name);
	if (!strcmp(name, "clock-file"))
		return simrun_copy(o->clock_file, sizeof(o->clock_file), v, name);
	taken = simrun_int_option(numbers, sizeof(numbers) / sizeof(numbers[0]), o, name, v);
	if (taken >= 0)
		return taken;
	fprintf(stderr, "ca-%s: --%s is no option\n", sim_name, name);
	return false;
}

bool simrun_given(const struct sim_opts *o)
{
	return o->data_dir[0] && o->cert_pem && o->key_pem;
}

void simrun_release(struct sim_opts *o)
{
	free(o->cert_pem);
	if (o->key_pem)
		explicit_bzero(o->key_pem, strlen(o->key_pem));
	free(o->key_pem);
	o->cert_pem = o->key_pem = NULL;
}

/* DIR made (0700) when missing, and its lock taken: the lock's fd, or -1. */
static int take_dir(const char *dir)
{
	char path[SIM_PATH_MAX + 32];
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_error(sim_name, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.lock", dir, sim_name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (fd < 0)
			log_error(sim_name, "%s: %s", path, strerror(errno));
		else
			log_error(sim_name, "%s: another ca-%s serves this directory", path,
				  sim_name);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int simrun_start(const struct sim_opts *o, sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
	simclock_init(o->clock_file);
	return take_dir(o->data_dir);
}

int simrun_port_file(const struct sim_opts *o, int port)
{
	char path[SIM_PATH_MAX + 32], text[16], err[200];
	int n = snprintf(text, sizeof(text), "%d\n", port);

	snprintf(path, sizeof(path), "%s/%s.port", o->data_dir, sim_name);
	if (file_save(path, text, (size_t)n, 0600, err, sizeof(err))) {
		log_error(sim_name, "%s", err);
		return -1;
	}
	return 0;
}

void simrun_wait(sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0 || sig == SIGHUP)
		;
	log_info(sim_name, "signal %d: stopping", sig);
}
