/*
 * provio.h - what the hub's payment providers (wxpay.c, bankpay.c) do
 * with the world outside the hub, said once: their key and certificate
 * files read whole and checked, and one HTTPS request to the provider with
 * its answer. What an answer must be (its signature, its merchant) stays
 * each provider's.
 */
#ifndef HUB_PROVIO_H
#define HUB_PROVIO_H

#include <stddef.h>

#include "core/err.h"
#include "wxsign.h"

#define PROVIO_KEY_MAX (64 * 1024) /* a PEM key or certificate */

/* The whole of the file at path, at most max bytes, NUL-terminated and
 * malloc'd (a secret is the caller's to wipe before free); its length
 * into *len unless len is NULL. NULL with the reason, naming path, in
 * err. */
char *provio_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* The RSA private key (PEM) of the file path, [section] name: read, and
 * checked now that it signs rather than at the first customer; its
 * signature of "x" into sig (for provio's callers that match a
 * certificate with it). Free it with provio_key_free. NULL with the
 * reason in err. */
char *provio_private_key(const char *section, const char *name, const char *path,
			 char sig[WXSIGN_SIG_MAX], char *err, size_t errlen);

/* The RSA public key or certificate (PEM) of the file path, [section]
 * name: read and checked to be one. malloc'd; NULL with the reason in
 * err. */
char *provio_public_key(const char *section, const char *name, const char *path, char *err,
			size_t errlen);

/* Wipe and free a key provio_private_key read; NULL is fine. */
void provio_key_free(char *pem);

/* One request to a provider. */
struct provio_req {
	const char *method;         /* "GET", "POST" */
	const char *url;            /* https:// only */
	const char *const *headers; /* "Name: value" lines, NULL-terminated; NULL: none */
	const char *body;           /* NULL: none */
	long timeout_ms;            /* to connect, and for the whole request */
	const char *ca_file;        /* the CAs to trust; "": the system's */
	size_t answer_max;          /* the longest answer body taken */
	/* Each header line of the answer as it came (len bytes, not
	 * NUL-terminated), when not NULL. */
	void (*on_header)(const char *line, size_t len, void *arg);
	void *arg;                  /* on_header's */
};

/* What came back. */
struct provio_answer {
	long status; /* the HTTP status */
	char *body;  /* NUL-terminated, "" when none; malloc'd, the caller frees it */
	size_t len;  /* bytes in body */
};

/* Send q with the hub's User-Agent; the answer into *a whatever its
 * status. CA_ERR_IO when no whole answer came back (none at all, or one
 * over answer_max), the reason in err; CA_ERR_NOMEM. a->body is NULL
 * unless CA_OK. */
ca_err provio_call(const struct provio_req *q, struct provio_answer *a, char *err,
		   size_t errlen);

#endif
