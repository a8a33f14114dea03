/*
 * dispsim.h - the key dispenser device simulator (tools/dispenser_sim.c)
 * as a child process for tests: started with its slots and stock, its pty
 * path read from its first line, control lines on its stdin answered on
 * its stdout (docs/dispenser.md, "Running the device simulator by hand").
 *
 * The binary is $CA_DISPENSER_SIM (the Makefile sets it), else
 * build/dispenser-sim. Its stderr goes to /dev/null unless
 * CA_TEST_VERBOSE is set. Functions return 0 on success, -1 on failure
 * (with a line on stderr); no test framework inside, callers assert.
 */
#ifndef TEST_DISPSIM_H
#define TEST_DISPSIM_H

#include <stddef.h>
#include <sys/types.h>

struct dispsim {
	pid_t pid;     /* the simulator, 0 when not running */
	int ctl;       /* its stdin: control lines */
	int out;       /* its stdout: answers */
	char pty[256]; /* the slave side the kiosk's serial driver opens */
};

/* Start it with --slots slots --stock stock ("5,0"); *sp filled. */
int dispsim_start(struct dispsim *sp, int slots, const char *stock);

/* SIGTERM, wait, close the pipes. Fine on a stopped or zeroed one. */
void dispsim_stop(struct dispsim *sp);

/* Send control line cmd and read its answer into ans (size n; ans may be
 * NULL). 0 when the answer starts with "ok"; -1 otherwise (the answer, or
 * "no answer", is in ans and on stderr). */
int dispsim_ctl(struct dispsim *sp, const char *cmd, char *ans, size_t n);

/* Keys it has dispensed in total ("status"); -1 when it does not say. */
int dispsim_dispensed(struct dispsim *sp);

#endif
