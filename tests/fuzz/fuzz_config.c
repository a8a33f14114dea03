/*
 * fuzz_config.c - libFuzzer target: the INI loader on arbitrary file
 * content. Property: never crashes; fails only with CA_ERR_CONFIG and a
 * terminated message; on success every value is inside its range.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kiosk/config/config.h"
#include "../support/fuzzfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[CONFIG_ERR_MAX];
	const char *path = fuzzfile_put("fuzz.ini", data, size);
	struct config c;
	ca_err e;

	e = config_load(&c, path, err, sizeof(err));
	if (e != CA_OK && e != CA_ERR_CONFIG)
		abort();
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (e == CA_OK && (c.screen_w < 320 || c.screen_h < 320 || c.idle_warn_s < 1 ||
			   c.connect_timeout_ms < 1 || c.total_timeout_ms < c.connect_timeout_ms))
		abort();
	return 0;
}
