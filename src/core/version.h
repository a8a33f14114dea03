/*
 * version.h - the one version of the product, in every program.
 *
 * The Makefile passes CA_VERSION (from `git describe`) when it compiles
 * version.c; --version, the User-Agent of the kiosk's requests and the
 * heartbeat all read it from here.
 */
#ifndef CA_CORE_VERSION_H
#define CA_CORE_VERSION_H

/* The version string, e.g. "0.12.0-3-g1a2b3c4" ("0.0.0-unknown" when the
 * build had no git describe). Static storage. */
const char *ca_version(void);

#endif
