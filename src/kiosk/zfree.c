/*
 * zfree.c - the kiosk's programs zero every heap block as it is freed.
 *
 * A freed block keeps its bytes until the allocator hands it out again: a
 * person's ID number in a form copy, a decoded hub answer, a TLS record,
 * a string SQLite bound, a line a font shaper laid out. The kiosk clears
 * its own buffers when a session ends (wipe.h, docs/privacy.md), but the
 * libraries it uses (libcurl, OpenSSL, jansson, SQLite, SDL, SDL_ttf,
 * HarfBuzz, the pinyin engine) free their copies without clearing them.
 * Linked into ca-kiosk and ca-kiosk-sync only, this file defines free,
 * realloc and reallocarray over glibc's allocator (__libc_*, exported for
 * exactly this): a block is zeroed up to its usable size, then freed;
 * realloc never lets the allocator drop a block it has not cleared. Every
 * shared library resolves these names to the program's definitions, so
 * the libraries' frees are covered as well. Cost: one memset of the bytes
 * freed (docs/privacy.md has the figures).
 *
 * Not built under AddressSanitizer, whose allocator replaces glibc's
 * (its quarantine holds freed blocks; the privacy test runs on the plain
 * build).
 */
#if defined(__SANITIZE_ADDRESS__)
#define ZFREE_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZFREE_OFF 1
#endif
#endif

#ifndef ZFREE_OFF
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/wipe.h"

/* glibc's allocator under its own names (libc.so exports them). */
extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t n);

extern bool wipe_heap_on;

void free(void *p);
void *realloc(void *p, size_t n);
void *reallocarray(void *p, size_t nmemb, size_t size);

__attribute__((constructor)) static void zfree_on(void)
{
	wipe_heap_on = true;
}

void free(void *p)
{
	if (!p)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	__libc_free(p);
}

void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return __libc_malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (n <= old) {
		/* Shrinking in place: the allocator may free the tail as a
		 * block of its own, so the tail is cleared first. */
		explicit_bzero((char *)p + n, old - n);
		return __libc_realloc(p, n);
	}
	/* Growing: a new block, so that the old one is freed through free()
	 * above (glibc's realloc would free it uncleared when it moves). */
	q = __libc_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	free(p);
	return q;
}

void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;

	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}
#endif
