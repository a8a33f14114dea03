/* err.c - descriptions for the project-wide error enum. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const err_text[CA_ERR__N] = {
	[CA_OK] = "ok",
	[CA_ERR_NOMEM] = "out of memory",
	[CA_ERR_ARG] = "bad argument",
	[CA_ERR_INVALID] = "validation failed",
	[CA_ERR_FORBIDDEN] = "action not allowed in this status",
	[CA_ERR_NOT_FOUND] = "not found",
	[CA_ERR_CONFLICT] = "conflict",
	[CA_ERR_CODEC] = "malformed record",
	[CA_ERR_TOO_LONG] = "input too long",
	[CA_ERR_IO] = "i/o error",
	[CA_ERR_DB] = "database error",
	[CA_ERR_CORRUPT] = "database corrupt",
	[CA_ERR_SCHEMA] = "database schema too new",
	[CA_ERR_CONFIG] = "configuration error",
	[CA_ERR_LIMITED] = "rate limited",
	[CA_ERR_UNAVAILABLE] = "service unavailable",
};

const char *ca_strerror(ca_err err)
{
	if ((unsigned)err >= CA_ERR__N || !err_text[err])
		return "unknown error";
	return err_text[err];
}

/* ca_errmsg and ca_fail: format into err unless the caller asked for no
 * message. */
__attribute__((format(printf, 3, 0)))
static void errmsg_v(char *err, size_t n, const char *fmt, va_list ap)
{
	if (err && n > 0)
		vsnprintf(err, n, fmt, ap);
}

void ca_errmsg(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errmsg_v(err, n, fmt, ap);
	va_end(ap);
}

ca_err ca_fail(ca_err e, char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errmsg_v(err, n, fmt, ap);
	va_end(ap);
	return e;
}
