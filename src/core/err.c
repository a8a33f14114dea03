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
};

const char *ca_strerror(ca_err err)
{
	if ((unsigned)err >= CA_ERR__N || !err_text[err])
		return "unknown error";
	return err_text[err];
}

void ca_errmsg(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!err || n == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}
