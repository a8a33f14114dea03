/* version.c - see version.h. */
#include "version.h"

#ifndef CA_VERSION
#define CA_VERSION "0.0.0-unknown"
#endif

const char *ca_version(void)
{
	return CA_VERSION;
}
