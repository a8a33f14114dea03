/* childout.c - a child process with its output in a pipe (see childout.h). */
#include "childout.h"

#include <stdio.h>
#include <unistd.h>

pid_t childout_start(int *fd, void (*run)(void *ctx), void *ctx)
{
	int p[2];
	pid_t pid;

	if (pipe(p) != 0) {
		perror("childout: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("childout: fork");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		run(ctx);
		_exit(127);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

void childout_read(int fd, char *out, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got + 1 < n && (r = read(fd, out + got, n - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	close(fd);
}
