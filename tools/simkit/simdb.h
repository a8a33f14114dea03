/*
 * simdb.h - the simulators' books in SQLite, the part every simulator
 * does the same way (its own schema and statements stay its own): one
 * connection and one lock, the file DIR/NAME.db opened and set up with
 * sqlkit (private, migrated), statements prepared per call with their
 * parameters bound from a format (sqlkit_bindv: 't' text, 'i' int64_t,
 * 'n' int, 'b' a blob), a transaction that holds the lock, a failed call
 * logged under "books" and mapped to the project's error.
 */
#ifndef SIMKIT_SIMDB_H
#define SIMKIT_SIMDB_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "common/sqlkit.h"
#include "core/err.h"
#include "simrun.h"

struct simdb {
	sqlite3 *db;                   /* the connection */
	char path[SIM_PATH_MAX + 32];  /* DIR/NAME.db, for messages */
	pthread_mutex_t mu;            /* one call at a time */
	int limit;                     /* the most rows the books take (orders, invoices) */
};

/* A new struct of size bytes (zeroed) that begins with a struct simdb,
 * with dir/file opened (created) in it and set up as sc says, taking at
 * most limit rows, into *out. CA_OK, or the error with its message in
 * err (size n), nothing left. */
ca_err simdb_new(size_t size, const char *dir, const char *file,
		 const struct sqlkit_schema *sc, int limit, void **out, char *err, size_t n);

/* Close d and free the struct that begins with it (NULL is fine). */
void simdb_free(struct simdb *d);

/* A failed SQLite call (rc) while doing what: logged, mapped. */
ca_err simdb_fail(struct simdb *d, int rc, const char *what);

/* Prepare sql into *s and bind fmt's parameters: SQLite's result code. */
int simdb_prep(struct simdb *d, sqlite3_stmt **s, const char *sql, const char *fmt, ...);

/* One statement that returns no row. */
ca_err simdb_exec(struct simdb *d, const char *what, const char *sql, const char *fmt, ...);

/* The integer in the first column of the first row of sql into *v (0
 * when it has no row). */
ca_err simdb_int(struct simdb *d, int64_t *v, const char *sql, const char *fmt, ...);

/* Take the lock and begin; on failure the lock is given back. */
ca_err simdb_begin(struct simdb *d);

/* Commit when e is CA_OK, else roll back; give the lock back. e, or the
 * commit's error. */
ca_err simdb_end(struct simdb *d, ca_err e);

#endif
