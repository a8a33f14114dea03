/*
 * fuzzfile.h - the fuzz input as a file, for the targets that load a file
 * (tests/fuzz/fuzz_config.c, fuzz_hubcfg.c): one memory file (memfd) made
 * at the first call and rewritten with each input, named by its
 * /proc/self/fd path. Header-only: a fuzz target is built from its own .c
 * and the library sources (Makefile, FUZZ_USES_x), not the test archive.
 */
#ifndef TEST_FUZZFILE_H
#define TEST_FUZZFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Put data (size bytes) in the memory file called name; its path. Aborts
 * when the file cannot be made or written (the run is then meaningless). */
static inline const char *fuzzfile_put(const char *name, const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create(name, 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	return path;
}

#endif
