/* hubkiosk.c - a kiosk of a test hub (see hubkiosk.h). */
#include "hubkiosk.h"
#include "tmpdir.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copy src into dst (size n); -1 when it does not fit. */
static int copy_to(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n) {
		fprintf(stderr, "hubkiosk: path too long: %s\n", src);
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

/* Write text to path (mode 0600 when secret). */
static int write_file(const char *path, const char *text, bool secret)
{
	if (tmpdir_put(path, text))
		return -1;
	return secret ? chmod(path, 0600) : 0;
}

/* The INI of k for ca-kiosk-sync. */
static int write_ini(const struct hubkiosk *k, const struct hubproc *hp,
		     const struct hubkiosk_opts *o)
{
	char text[4 * PATH_MAX + 512], beat[48] = "";

	if (o->heartbeat_s > 0)
		snprintf(beat, sizeof(beat), "heartbeat_s = %d\n", o->heartbeat_s);
	snprintf(text, sizeof(text), "[kiosk]\nid = %s\ndata_dir = %s\nsecret_file = %s\n"
		 "[server]\nurl = %s\nca_file = %s\nconnect_timeout_ms = 2000\n"
		 "total_timeout_ms = %d\n[timeouts]\nsync_interval_s = 2\n%s"
		 "[log]\nlevel = %s\n", k->device, k->dir, k->secret_path, hp->url, hp->cacert,
		 o->total_timeout_ms, beat, o->log_level);
	return write_file(k->cfg_path, text, false);
}

int hubkiosk_make(struct hubkiosk *k, struct hubproc *hp, const char *device,
		  const struct hubkiosk_opts *o)
{
	char dir[HUBPROC_PATH + 64], secret[80];

	memset(k, 0, sizeof(*k));
	snprintf(dir, sizeof(dir), "%s/kiosk-%s", hp->dir, device);
	if (copy_to(k->dir, sizeof(k->dir), dir) || mkdir(k->dir, 0700) != 0)
		return -1;
	snprintf(k->db, sizeof(k->db), "%s/kiosk.db", dir);
	snprintf(k->secret_path, sizeof(k->secret_path), "%s/secret", dir);
	snprintf(k->cfg_path, sizeof(k->cfg_path), "%s/kiosk.ini", dir);
	snprintf(k->device, sizeof(k->device), "%s", device);
	if (hubproc_device_add(hp, device, k->secret))
		return -1;
	snprintf(secret, sizeof(secret), "%s\n", k->secret);
	if (write_file(k->secret_path, secret, true) || write_ini(k, hp, o))
		return -1;
	config_defaults(&k->cfg);
	snprintf(k->cfg.kiosk_id, sizeof(k->cfg.kiosk_id), "%s", device);
	snprintf(k->cfg.server_url, sizeof(k->cfg.server_url), "%s", hp->url);
	if (copy_to(k->cfg.ca_file, sizeof(k->cfg.ca_file), hp->cacert) ||
	    (o->cfg_data_dir && copy_to(k->cfg.data_dir, sizeof(k->cfg.data_dir), dir)))
		return -1;
	k->cfg.connect_timeout_ms = 2000;
	k->cfg.total_timeout_ms = o->total_timeout_ms;
	k->cfg.sync_interval_s = 2;
	if (o->heartbeat_s > 0)
		k->cfg.heartbeat_s = o->heartbeat_s;
	return 0;
}

pid_t hubkiosk_sync(const struct hubkiosk *k, const struct hubproc *hp, bool mute_stderr, ...)
{
	char bin[HUBPROC_PATH + 32];
	const char *argv[20];
	va_list ap;
	int n = 0;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/ca-kiosk-sync", hp->bin_dir);
	argv[n++] = bin;
	argv[n++] = "--config";
	argv[n++] = k->cfg_path;
	va_start(ap, mute_stderr);
	while (n < 19 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		perror("hubkiosk: fork");
		return -1;
	}
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) ||
		    (mute_stderr && !freopen("/dev/null", "w", stderr)))
			_exit(126);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}
