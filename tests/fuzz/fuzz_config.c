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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static char err[CONFIG_ERR_MAX];
	struct config c;
	ca_err e;

	if (fd < 0) {
		fd = memfd_create("fuzz.ini", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
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
