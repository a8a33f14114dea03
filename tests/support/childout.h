/*
 * childout.h - a child process whose standard output and error go into a
 * pipe the test reads: started with a function that runs in the child
 * (sets its environment, then execs), read to the end afterwards.
 *
 * Functions return 0 (or a pid) on success, -1 on failure (with a line on
 * stderr); no test framework inside, callers assert.
 */
#ifndef TEST_CHILDOUT_H
#define TEST_CHILDOUT_H

#include <stddef.h>
#include <sys/types.h>

/* Fork; in the child, stdout and stderr go to the write end of a new pipe
 * and run(ctx) is called (it execs, or _exits; returning is exit 127).
 * The read end into *fd. The child's pid, or -1. */
pid_t childout_start(int *fd, void (*run)(void *ctx), void *ctx);

/* Read fd to its end or n - 1 bytes into out (NUL-terminated), then close it. */
void childout_read(int fd, char *out, size_t n);

#endif
