/*
 * err.h - the one error enum used by every module of the project.
 *
 * Fallible functions return a ca_err (CA_OK == 0) and hand results back
 * through out parameters. ca_strerror() gives a short English text for logs;
 * what a person sees comes from the message catalog (msg.h), never from here.
 */
#ifndef CA_ERR_H
#define CA_ERR_H

#include <stddef.h>

typedef enum ca_err {
	CA_OK = 0,
	CA_ERR_NOMEM,      /* allocation failed */
	CA_ERR_ARG,        /* bad argument from the caller */
	CA_ERR_INVALID,    /* data failed validation (see the validation report) */
	CA_ERR_FORBIDDEN,  /* action not allowed in the record's current status */
	CA_ERR_NOT_FOUND,  /* no such record */
	CA_ERR_CONFLICT,   /* same key, different content */
	CA_ERR_CODEC,      /* malformed record (JSON) */
	CA_ERR_TOO_LONG,   /* input over a size cap */
	CA_ERR_IO,         /* file or device I/O failed */
	CA_ERR_DB,         /* database error other than the ones below */
	CA_ERR_CORRUPT,    /* database file is corrupt or not a database */
	CA_ERR_SCHEMA,     /* database schema is newer than this program */
	CA_ERR_CONFIG,     /* configuration file has errors (or a service refuses what
			    * it configures: a key, a template) */
	CA_ERR_LIMITED,    /* over a rate limit; try again later */
	CA_ERR_UNAVAILABLE, /* a service the program needs is down or gave no answer */
	CA_ERR__N
} ca_err;

/* Short English description of err for log lines; never NULL. */
const char *ca_strerror(ca_err err);

/* Format an error message into err (size n), as snprintf; nothing when err
 * is NULL or n is 0 (the caller did not ask for a message). */
void ca_errmsg(char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ca_errmsg, then return e: the "say why, then fail" exit said once, as in
 * `return ca_fail(CA_ERR_IO, err, n, "%s is not a directory", dir);`. */
ca_err ca_fail(ca_err e, char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
