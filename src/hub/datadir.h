/*
 * datadir.h - the hub's data directory: what is in it, who may read it, who
 * is using it, and its backup and restore (docs/hub.md, "Data directory",
 * "Backup and restore").
 *
 * DATA_DIR holds hub.db (with its -wal and -shm), admin.token, hub.port and
 * hub.lock. At every start the hub makes the directory private (0700, its
 * own, not a symbolic link) and each of these files 0600, or refuses to
 * start (src/common/fsperm.h). hub.lock is held (flock) by the running hub
 * and by a restore, so a restore never runs under a live hub and two hubs
 * never share a store.
 *
 * Used by ca-hub (src/hub/main.c) and ca-hubctl (backup, restore).
 */
#ifndef HUB_DATADIR_H
#define HUB_DATADIR_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define DATADIR_DB "hub.db"           /* the store */
#define DATADIR_TOKEN "admin.token"   /* ca-hubctl's bearer token */
#define DATADIR_PORT "hub.port"       /* the port bound, rewritten at each start */
#define DATADIR_LOCK "hub.lock"       /* held by the running hub (pid inside) */
#define DATADIR_ERR_MAX 1024          /* room for a message of this module */

/* Create dir if missing and make it and the files above private. CA_ERR_IO
 * with a message in err when that cannot be done (the hub must not start). */
ca_err datadir_prepare(const char *dir, char *err, size_t errlen);

/* Take DIR/hub.lock for this process (kept until it exits, or until
 * datadir_unlock) and write the pid into it. CA_ERR_CONFLICT when another
 * process holds it (err names its pid), CA_ERR_IO otherwise. */
ca_err datadir_lock(const char *dir, int *fd, char *err, size_t errlen);

/* Release a lock datadir_lock took. */
void datadir_unlock(int fd);

/* A consistent copy of DIR/hub.db, while a hub may run: SQLite's online
 * backup into FILE.tmp (mode 0600), synced, renamed to FILE. Refuses when
 * FILE exists (CA_ERR_CONFLICT) or FILE.tmp exists; *bytes (may be NULL)
 * gets the size of the copy. */
ca_err datadir_backup(const char *dir, const char *file, long long *bytes, char *err,
		      size_t errlen);

/*
 * Put the backup file into place as DIR/hub.db, with the hub stopped:
 * takes hub.lock (CA_ERR_CONFLICT while a hub runs), checks and migrates a
 * copy of the backup, gives it a NEW epoch (*epoch), keeps the store it
 * replaces as DIR/hub.db.before-restore-STAMP (path into aside, size
 * asidelen; "" when there was none), removes the stale -wal/-shm and
 * renames the copy into place. The backup file itself is only read.
 */
ca_err datadir_restore(const char *dir, const char *backup, int64_t *epoch, char *aside,
		       size_t asidelen, char *err, size_t errlen);

#endif
