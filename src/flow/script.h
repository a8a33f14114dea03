/*
 * script.h - flow scripts: the language of `ca-kiosk --headless --script`
 * (docs/flows.md), parsed into a bounded list of commands and run
 * through a table of callbacks.
 *
 * Two halves, neither of which knows SDL:
 *   - the parser (script_parse, script_load) turns a file into at most
 *     SCRIPT_CMDS_MAX commands, one per non-blank, non-comment line, keeping
 *     the line number and the line's text. Every syntax error is reported as
 *     "FILE:LINE: message", all of them at once; a script with any error
 *     holds no commands, so nothing of a broken script is ever run.
 *   - the executor (script_run) calls one callback of struct script_ops per
 *     command, in order, and stops at the first line that does not hold,
 *     reporting "FILE:LINE: `the line`: why". `expect` and `expect-not` are
 *     retried for a settle time (real time), drawing a frame between tries,
 *     so a script need not know how many frames an animation takes.
 *
 * The UI supplies the callbacks (widgets by label and id, the keyboard, the
 * virtual clock, the outbox, screenshots); tests supply their own.
 *
 * Start reading at script_parse() in script.c, then script_run().
 */
#ifndef CA_SCRIPT_H
#define CA_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Caps. A line is counted in bytes without its line ending. */
#define SCRIPT_LINE_MAX   2048         /* bytes of one line */
#define SCRIPT_STR_MAX    1024         /* bytes of a "string" after unescaping */
#define SCRIPT_ID_MAX     63           /* bytes of a widget id after '@' */
#define SCRIPT_SHOT_MAX   64           /* bytes of a shot file name */
#define SCRIPT_CMDS_MAX   2000         /* commands in one script */
#define SCRIPT_TEXT_MAX   (128 * 1024) /* bytes of kept line text and strings */
#define SCRIPT_FILE_MAX   (1024 * 1024) /* bytes of a script file */
#define SCRIPT_NAME_MAX   255          /* bytes of the file name kept for messages */
#define SCRIPT_XY_MAX     99999        /* largest tap coordinate */
#define SCRIPT_CAND_MAX   100          /* largest pinyin candidate number */
#define SCRIPT_WAIT_MAX_MS 60000L      /* longest `wait` (real time) */
#define SCRIPT_ADVANCE_MAX_S (7L * 24 * 3600) /* longest `advance` (virtual) */

/* How long expect / expect-not keep trying by default (real time, ms). */
#define SCRIPT_SETTLE_MS  2000
/* Room for one "FILE:LINE: ..." run-time message; parse messages may be more. */
#define SCRIPT_ERR_MAX    4096
/* Room a callback gets for its reason. */
#define SCRIPT_WHY_MAX    512

/* Exit statuses of a scripted run (script_exit_status, script_exec_file). */
enum script_exit {
	SCRIPT_EXIT_OK = 0,         /* every line held */
	SCRIPT_EXIT_FAILED = 1,     /* a line did not hold (or a callback failed) */
	SCRIPT_EXIT_BAD_SCRIPT = 2, /* unreadable file or syntax errors: nothing ran */
};

/* The commands of the language, one per line. */
enum script_op {
	SCRIPT_TAP_LABEL,  /* tap "文字": the widget whose visible label is that text */
	SCRIPT_TAP_ID,     /* tap @id: the widget with that id */
	SCRIPT_TAP_XY,     /* tap X,Y: a point on the screen, in pixels */
	SCRIPT_TYPE,       /* type "text": into the focused field */
	SCRIPT_PINYIN,     /* pinyin "letters" N: on-screen keyboard, candidate N (1-based) */
	SCRIPT_EXPECT,     /* expect "文字": fail unless the text is visible */
	SCRIPT_EXPECT_NOT, /* expect-not "文字": fail while the text is visible */
	SCRIPT_WAIT,       /* wait 2s / 500ms: real time */
	SCRIPT_ADVANCE,    /* advance 60s / 5m: the kiosk's virtual clock */
	SCRIPT_SYNC,       /* sync: wait until the outbox is drained, or fail */
	SCRIPT_SHOT,       /* shot NAME.png: screenshot into the shots directory */
	SCRIPT_STALL,      /* stall 5s: the runner's thread blocks, nothing drawn (a hung UI) */
	SCRIPT_OP__N
};

/* One parsed line. Text lives in the owning script (see script_arg). */
struct script_cmd {
	enum script_op op; /* what to do */
	int line;          /* 1-based line number in the file */
	uint32_t src;      /* offset in text[] of the line as written (trimmed, no comment) */
	uint32_t arg;      /* offset in text[] of the string argument: label, id
	                    * (without '@'), text, pinyin letters, shot name; "" if none */
	int x, y;          /* SCRIPT_TAP_XY: the point */
	int cand;          /* SCRIPT_PINYIN: candidate number, 1 = first */
	long ms;           /* SCRIPT_WAIT, SCRIPT_STALL: milliseconds of real time */
	long secs;         /* SCRIPT_ADVANCE: seconds of virtual time */
};

/*
 * A parsed script. About 200 KiB: allocate it with script_new() or keep it
 * static, not on a small stack. Invariant: every cmds[i] with i < n is
 * well-formed (its strings are valid UTF-8 inside text[], line numbers rise).
 */
struct script {
	char name[SCRIPT_NAME_MAX + 1];          /* file name used in messages */
	size_t n;                                /* commands in cmds[] */
	struct script_cmd cmds[SCRIPT_CMDS_MAX]; /* the commands, in file order */
	size_t used;                             /* bytes used in text[] */
	char text[SCRIPT_TEXT_MAX];              /* NUL-terminated strings of cmds[] */
};

/*
 * What the executor drives. Each action callback returns 0 when the step
 * held, or non-zero with a reason in why (size whylen, English, for the
 * log; may be left empty). A NULL action callback fails its line with
 * "not supported". ctx is passed through untouched.
 */
struct script_ops {
	int (*tap_label)(void *ctx, const char *label, char *why, size_t whylen);
	int (*tap_id)(void *ctx, const char *id, char *why, size_t whylen);
	int (*tap_xy)(void *ctx, int x, int y, char *why, size_t whylen);
	int (*type)(void *ctx, const char *text, char *why, size_t whylen);
	/* Type letters on the keyboard in pinyin mode, then pick candidate
	 * cand (1 = first of the bar, counting on across pages). */
	int (*pinyin)(void *ctx, const char *letters, int cand, char *why, size_t whylen);
	/* Answer in *present whether text is visible on screen now. Return
	 * non-zero only when that cannot be told. On a mismatch the executor
	 * quotes what was left in why (e.g. what is on screen instead). */
	int (*expect)(void *ctx, const char *text, bool *present, char *why, size_t whylen);
	/* Let ms of real time pass, still handling events and drawing. */
	int (*wait_ms)(void *ctx, long ms, char *why, size_t whylen);
	/* Move the kiosk's virtual clock on by secs, then draw. */
	int (*advance_s)(void *ctx, long secs, char *why, size_t whylen);
	/* Wait until the outbox is drained; fail when it cannot be. */
	int (*sync)(void *ctx, char *why, size_t whylen);
	/* Save the current frame as name (validated: a plain *.png name). */
	int (*shot)(void *ctx, const char *name, char *why, size_t whylen);
	/* Block for ms of real time without events or frames, as a hung UI
	 * would (the watchdog's test). NULL: stall is not supported. */
	int (*stall_ms)(void *ctx, long ms, char *why, size_t whylen);

	/* Handle pending events and timers and draw one frame; may block about
	 * a frame period. Called between expect tries. NULL: no retries. */
	int (*frame)(void *ctx, char *why, size_t whylen);
	/* Monotonic real time in ms for the settle time. NULL: CLOCK_MONOTONIC. */
	int64_t (*now_ms)(void *ctx);
	/* Told before each line runs (e.g. to log progress). May be NULL. */
	void (*trace)(void *ctx, const char *file, int line, const char *src);
	/* How long expect / expect-not retry, in ms of real time:
	 * 0 = SCRIPT_SETTLE_MS, negative = check once. */
	int settle_ms;
};

/* A zeroed script on the heap, or NULL when out of memory. */
struct script *script_new(void);

/* Free s (contents and struct); script_free(NULL) is fine. */
void script_free(struct script *s);

/*
 * Parse len bytes of buf (need not be NUL-terminated; may hold any bytes)
 * as a script named name. CA_OK, or CA_ERR_INVALID with one
 * "name:line: message" line per problem in err (size errlen, may be NULL/0)
 * and s->n == 0; CA_ERR_TOO_LONG when len > SCRIPT_FILE_MAX.
 */
ca_err script_parse(struct script *s, const char *name, const char *buf, size_t len,
		    char *err, size_t errlen);

/* Read the file at path and parse it (named path). As script_parse, or
 * CA_ERR_IO when the file cannot be read (the message names it). */
ca_err script_load(struct script *s, const char *path, char *err, size_t errlen);

/* The string argument of cmd / the line as written. Borrowed from s. */
const char *script_arg(const struct script *s, const struct script_cmd *cmd);
const char *script_src(const struct script *s, const struct script_cmd *cmd);

/* Name of an op as written in scripts ("expect-not"); "?" if out of range. */
const char *script_op_name(enum script_op op);

/*
 * Run every command of s through ops, in order. Returns 0 when every line
 * held; otherwise the line number of the first that did not, with
 * "FILE:LINE: `the line`: why" in err (size errlen, may be NULL/0) - the
 * commands after it are not run.
 */
int script_run(const struct script *s, const struct script_ops *ops, void *ctx,
	       char *err, size_t errlen);

/* The process exit status for a run: load is what script_load/parse
 * returned, failed_line what script_run returned (ignored unless load
 * is CA_OK). See enum script_exit. */
int script_exit_status(ca_err load, int failed_line);

/* Load path, run it, and return the exit status: the whole of --script.
 * Messages (syntax errors, or the failing line) go to err. */
int script_exec_file(const char *path, const struct script_ops *ops, void *ctx,
		     char *err, size_t errlen);

#endif
