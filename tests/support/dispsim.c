/* dispsim.c - the dispenser simulator as a test's child process (dispsim.h). */
#include "dispsim.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read one line from fd into buf within 5 s; false on timeout or EOF. */
static bool read_line(int fd, char *buf, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t used = 0;
	char ch;

	while (used + 1 < n) {
		if (poll(&pfd, 1, 5000) <= 0 || read(fd, &ch, 1) != 1)
			return false;
		if (ch == '\n')
			break;
		buf[used++] = ch;
	}
	buf[used] = '\0';
	return true;
}

int dispsim_start(struct dispsim *sp, int slots, const char *stock)
{
	const char *bin = getenv("CA_DISPENSER_SIM");
	char line[256], nslots[16];
	int in[2], out[2];

	memset(sp, 0, sizeof(*sp));
	sp->ctl = sp->out = -1;
	if (!bin)
		bin = "build/dispenser-sim";
	snprintf(nslots, sizeof(nslots), "%d", slots);
	if (pipe(in) != 0)
		return -1;
	if (pipe(out) != 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	sp->pid = fork();
	if (sp->pid < 0) {
		sp->pid = 0;
		return -1;
	}
	if (sp->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		dup2(out[1], 1);
		if (null >= 0 && !getenv("CA_TEST_VERBOSE"))
			dup2(null, 2);
		close(in[1]);
		close(out[0]);
		execl(bin, bin, "--slots", nslots, "--stock", stock, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	sp->ctl = in[1];
	sp->out = out[0];
	if (!read_line(sp->out, line, sizeof(line)) || strncmp(line, "pty ", 4) != 0) {
		fprintf(stderr, "dispenser-sim (%s) did not start\n", bin);
		return -1;
	}
	snprintf(sp->pty, sizeof(sp->pty), "%s", line + 4);
	return 0;
}

void dispsim_stop(struct dispsim *sp)
{
	int st;

	if (sp->pid > 0) {
		kill(sp->pid, SIGTERM);
		waitpid(sp->pid, &st, 0);
	}
	if (sp->ctl >= 0)
		close(sp->ctl);
	if (sp->out >= 0)
		close(sp->out);
	sp->pid = 0;
	sp->ctl = sp->out = -1;
}

int dispsim_ctl(struct dispsim *sp, const char *cmd, char *ans, size_t n)
{
	char line[256], buf[256];
	size_t len;

	if (!ans) {
		ans = buf;
		n = sizeof(buf);
	}
	len = (size_t)snprintf(line, sizeof(line), "%s\n", cmd);
	if (write(sp->ctl, line, len) != (ssize_t)len || !read_line(sp->out, ans, n)) {
		snprintf(ans, n, "no answer");
		fprintf(stderr, "dispenser-sim: no answer to '%s'\n", cmd);
		return -1;
	}
	if (strncmp(ans, "ok", 2) != 0) {
		fprintf(stderr, "dispenser-sim: control '%s': %s\n", cmd, ans);
		return -1;
	}
	return 0;
}

int dispsim_dispensed(struct dispsim *sp)
{
	char ans[256], *p;

	if (dispsim_ctl(sp, "status", ans, sizeof(ans)) != 0)
		return -1;
	p = strstr(ans, "dispensed ");
	return p ? atoi(p + 10) : -1;
}
