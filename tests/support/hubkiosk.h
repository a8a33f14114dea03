/*
 * hubkiosk.h - a kiosk of a test hub (hubproc.h), made the way the sync
 * tests need it: its own directory under the hub's, the device provisioned,
 * its secret in a file of mode 0600, an INI config for ca-kiosk-sync that
 * points at the hub, and the same settings as a struct config for an
 * in-process engine (sync_start).
 *
 * Returns 0 on success, -1 on failure (with a line on stderr); no test
 * framework inside, callers assert.
 */
#ifndef TEST_HUBKIOSK_H
#define TEST_HUBKIOSK_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "kiosk/config/config.h"
#include "hubproc.h"

/* One kiosk. */
struct hubkiosk {
	char dir[PATH_MAX];              /* its directory: HUB_DIR/kiosk-DEVICE */
	char db[PATH_MAX + 16];          /* dir/kiosk.db (not created here) */
	char secret_path[PATH_MAX + 16]; /* dir/secret */
	char cfg_path[PATH_MAX + 16];    /* dir/kiosk.ini */
	char device[33];                 /* device id */
	char secret[65];                 /* its key, made by the hub */
	struct config cfg;               /* the INI's settings, for sync_start */
};

/* What differs between the tests' kiosks; the rest is fixed: connect
 * timeout 2000 ms, sync_interval_s 2. */
struct hubkiosk_opts {
	int total_timeout_ms;  /* [server] total_timeout_ms */
	int heartbeat_s;       /* [timeouts] heartbeat_s; 0: left out (the default) */
	const char *log_level; /* [log] level in the INI */
	bool cfg_data_dir;     /* cfg.data_dir is dir too (else the default) */
};

/* Make kiosk device of hp into *k (zeroed first) as o says. */
int hubkiosk_make(struct hubkiosk *k, struct hubproc *hp, const char *device,
		  const struct hubkiosk_opts *o);

/* Start hp's ca-kiosk-sync --config K's INI with the further arguments
 * (NULL-terminated; at most 16); its stdout to /dev/null, its stderr too
 * when mute_stderr. The child's pid, or -1. */
pid_t hubkiosk_sync(const struct hubkiosk *k, const struct hubproc *hp, bool mute_stderr, ...);

#endif
