/* scratch.c - a test's files (see scratch.h). */
#include "scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tmpdir.h"

int scratch_sh(const char *dir, const char *script)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (chdir(dir) != 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int scratch_cmd(const char *cmd, char *out, size_t n)
{
	FILE *p = popen(cmd, "r");
	size_t got;
	int st;

	out[0] = '\0';
	if (!p) {
		perror(cmd);
		return -1;
	}
	got = fread(out, 1, n - 1, p);
	out[got] = '\0';
	st = pclose(p);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *scratch_read(const char *dir, const char *name)
{
	char path[PATH_MAX];
	char *buf = calloc(1, SCRATCH_READ_MAX + 1);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f || !buf) {
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	n = fread(buf, 1, SCRATCH_READ_MAX, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

int scratch_write(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tmpdir_put(path, text);
}

bool scratch_has(const char *path, const char *text)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	if (f)
		fclose(f);
	return found;
}
