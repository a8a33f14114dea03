/*
 * test_script.c - the flow-script language (script.h, docs/flows.md):
 * every command form parses to the right command, line and arguments; every
 * kind of syntax error is reported as "FILE:LINE: message", all at once, and
 * leaves nothing to run; the caps hold; the executor calls the callbacks in
 * order with the right arguments, stops at the first line that does not hold
 * and names it; expect / expect-not settle over frames; exit statuses.
 *
 * The executor is driven through a recording struct script_ops. That is a
 * test double of the UI, used because the real UI (src/ui/ui.c) does not
 * exist yet; the flow tests in tests/flows/ run the same executor against
 * the real screens once they do. Its clock is virtual (16 ms per frame) so
 * the settle behaviour is pinned exactly, without sleeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/utf8.h"
#include "flow/script.h"

/* One parse for a test: the script (heap, it is large) and the messages. */
static struct script *S;
static char ERR[SCRIPT_ERR_MAX];

static int setup(void **ctx)
{
	(void)ctx;
	S = script_new();
	return S ? 0 : -1;
}

static int teardown(void **ctx)
{
	(void)ctx;
	script_free(S);
	S = NULL;
	return 0;
}

static ca_err parse(const char *text)
{
	return script_parse(S, "t.flow", text, strlen(text), ERR, sizeof(ERR));
}

/* ---- parsing ---- */

static void test_parses_every_command_form(void **ctx)
{
	static const char text[] =
		"# login, then the form\n"                    /* 1 */
		"\n"                                           /* 2 */
		"tap \"提交信息\"\n"                           /* 3 */
		"tap @form.company_name-1\n"                  /* 4 */
		"  tap 540,960   # a trailing comment\n"       /* 5 */
		"type \"江苏\\\"国泰\\\" a\\\\b\\nc\"\n"       /* 6 */
		"pinyin \"jiangsu\" 1\n"                       /* 7 */
		"pinyin \"xi'an\" 12\r\n"                      /* 8: CRLF */
		"expect \"待审核\"\n"                          /* 9 */
		"expect-not \"编辑中\"\n"                      /* 10 */
		"wait 500ms\n"                                 /* 11 */
		"wait 2s\n"                                    /* 12 */
		"advance 60s\n"                                /* 13 */
		"advance 5m\n"                                 /* 14 */
		"sync\n"                                       /* 15 */
		"shot 01-login_screen.png\n"                   /* 16 */
		"\t sync\t# tabs count as spaces\n"            /* 17 */
		"   # an indented comment\n"                   /* 18 */
		"tap \"#不是注释\" # but this is\n"            /* 19 */
		"tap @pickup.1\n"                              /* 20 */
		"stall 1500ms\n"                              /* 21 */
		"wait 0ms";                                    /* 22: no final newline */
	static const struct {
		enum script_op op;
		int line;
		const char *arg;
		const char *src;
	} want[] = {
		{ SCRIPT_TAP_LABEL, 3, "提交信息", "tap \"提交信息\"" },
		{ SCRIPT_TAP_ID, 4, "form.company_name-1", "tap @form.company_name-1" },
		{ SCRIPT_TAP_XY, 5, "", "tap 540,960" },
		{ SCRIPT_TYPE, 6, "江苏\"国泰\" a\\b\nc", "type \"江苏\\\"国泰\\\" a\\\\b\\nc\"" },
		{ SCRIPT_PINYIN, 7, "jiangsu", "pinyin \"jiangsu\" 1" },
		{ SCRIPT_PINYIN, 8, "xi'an", "pinyin \"xi'an\" 12" },
		{ SCRIPT_EXPECT, 9, "待审核", "expect \"待审核\"" },
		{ SCRIPT_EXPECT_NOT, 10, "编辑中", "expect-not \"编辑中\"" },
		{ SCRIPT_WAIT, 11, "", "wait 500ms" },
		{ SCRIPT_WAIT, 12, "", "wait 2s" },
		{ SCRIPT_ADVANCE, 13, "", "advance 60s" },
		{ SCRIPT_ADVANCE, 14, "", "advance 5m" },
		{ SCRIPT_SYNC, 15, "", "sync" },
		{ SCRIPT_SHOT, 16, "01-login_screen.png", "shot 01-login_screen.png" },
		{ SCRIPT_SYNC, 17, "", "sync" },
		{ SCRIPT_TAP_LABEL, 19, "#不是注释", "tap \"#不是注释\"" },
		{ SCRIPT_TAP_ID, 20, "pickup.1", "tap @pickup.1" },
		{ SCRIPT_STALL, 21, "", "stall 1500ms" },
		{ SCRIPT_WAIT, 22, "", "wait 0ms" },
	};
	size_t i;

	(void)ctx;
	assert_int_equal(parse(text), CA_OK);
	assert_string_equal(ERR, "");
	assert_string_equal(S->name, "t.flow");
	assert_int_equal(S->n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < S->n; i++) {
		const struct script_cmd *c = &S->cmds[i];

		assert_int_equal(c->op, want[i].op);
		assert_int_equal(c->line, want[i].line);
		assert_string_equal(script_arg(S, c), want[i].arg);
		assert_string_equal(script_src(S, c), want[i].src);
	}
	assert_int_equal(S->cmds[2].x, 540);
	assert_int_equal(S->cmds[2].y, 960);
	assert_int_equal(S->cmds[4].cand, 1);  /* 1-based, as the bar numbers them */
	assert_int_equal(S->cmds[5].cand, 12);
	assert_int_equal(S->cmds[8].ms, 500);
	assert_int_equal(S->cmds[9].ms, 2000);
	assert_int_equal(S->cmds[10].secs, 60);
	assert_int_equal(S->cmds[11].secs, 300);
	assert_int_equal(S->cmds[17].ms, 1500);
	assert_int_equal(S->cmds[18].ms, 0);
	assert_string_equal(script_op_name(SCRIPT_EXPECT_NOT), "expect-not");
	assert_string_equal(script_op_name(SCRIPT_STALL), "stall");
	assert_string_equal(script_op_name(SCRIPT_OP__N), "?");
}

static void test_limits_and_odd_files_that_are_fine(void **ctx)
{
	(void)ctx;
	/* A byte-order mark, an empty file, a file of comments. */
	assert_int_equal(parse("\xEF\xBB\xBFsync\n"), CA_OK);
	assert_int_equal(S->n, 1);
	assert_int_equal(S->cmds[0].line, 1);
	assert_int_equal(parse(""), CA_OK);
	assert_int_equal(S->n, 0);
	assert_int_equal(parse("# only\n\n   \n#\n"), CA_OK);
	assert_int_equal(S->n, 0);
	/* The largest values each command takes. */
	assert_int_equal(parse("tap 99999,0\npinyin \"a\" 100\nwait 60s\nwait 60000ms\n"
			       "advance 10080m\nadvance 604800s\n"), CA_OK);
	assert_int_equal(S->n, 6);
	assert_int_equal(S->cmds[0].x, 99999);
	assert_int_equal(S->cmds[1].cand, 100);
	assert_int_equal(S->cmds[3].ms, 60000);
	assert_int_equal(S->cmds[4].secs, 604800);
	/* A NULL name gets a placeholder; the parser does not need a NUL. */
	assert_int_equal(script_parse(S, NULL, "syncXX", 4, ERR, sizeof(ERR)), CA_OK);
	assert_string_equal(S->name, "<script>");
	assert_int_equal(S->n, 1);
}

/* Each bad line, placed on line 3 after two good ones, and its message. */
static void test_each_error_names_its_line(void **ctx)
{
	static const struct {
		const char *line;
		const char *msg;
	} cases[] = {
		/* unknown command */
		{ "tapp \"x\"", "unknown command 'tapp' (commands: tap, type, pinyin, expect, "
				"expect-not, wait, advance, sync, shot, stall)" },
		{ "TAP \"x\"", "unknown command 'TAP' (commands: tap, type, pinyin, expect, "
			       "expect-not, wait, advance, sync, shot, stall)" },
		{ "\"tap\"", "expected a command, not a string" },
		/* missing / extra argument */
		{ "tap", "tap: missing argument (usage: tap \"label\" | tap @id | tap X,Y)" },
		{ "pinyin \"jiangsu\"", "pinyin: missing argument (usage: pinyin \"letters\" N)" },
		{ "shot", "shot: missing argument (usage: shot NAME.png)" },
		{ "tap \"a\" \"b\"", "tap: extra argument '\"b\"' (usage: tap \"label\" | tap @id "
				     "| tap X,Y)" },
		{ "sync now", "sync: extra argument 'now' (usage: sync)" },
		{ "tap 10, 20", "tap: extra argument '20' (usage: tap \"label\" | tap @id | "
				"tap X,Y)" },
		{ "shot a b.png", "shot: extra argument 'b.png' (usage: shot NAME.png)" },
		{ "pinyin \"a\" 1 2 3 4", "pinyin: extra argument '2' (usage: pinyin \"letters\" N)" },
		/* strings */
		{ "expect \"未完", "unterminated string (missing closing \")" },
		{ "expect \"a\\\"", "unterminated string (missing closing \")" },
		{ "expect \"a\\", "unterminated string (missing closing \")" },
		{ "type \"a\\q\"", "unknown escape \\q in string (use \\\", \\\\ or \\n)" },
		{ "type \"a\\江\"", "unknown escape in string (use \\\", \\\\ or \\n)" },
		{ "type \"a\x01\"", "control character in string (write a newline as \\n)" },
		{ "type \"a\tb\"", "control character in string (write a newline as \\n)" },
		{ "sync\x7f", "control character in line" },
		{ "type abc", "type: expected a \"quoted string\", not 'abc'" },
		{ "expect 待审核", "expect: expected a \"quoted string\", not '待审核'" },
		{ "expect \"\"", "expect: empty string" },
		{ "tap \"\"", "tap: empty string" },
		{ "tap \"a\"b", "unexpected text right after the closing quote (put a space between "
				"arguments)" },
		{ "tap a\"b\"", "unexpected '\"' in 'a\"' (strings start with a quote)" },
		/* tap */
		{ "tap 江苏", "tap: expected \"label\", @id or X,Y, not '江苏' (labels go in double "
			      "quotes)" },
		{ "tap 12,x", "tap: bad number in '12,x' (expected X,Y in whole pixels, e.g. "
			      "540,960)" },
		{ "tap 12", "tap: bad number in '12' (expected X,Y in whole pixels, e.g. 540,960)" },
		{ "tap 1,2,3", "tap: bad number in '1,2,3' (expected X,Y in whole pixels, e.g. "
			       "540,960)" },
		{ "tap 100000,1", "tap: bad number in '100000,1' (expected X,Y in whole pixels, "
				  "e.g. 540,960)" },
		{ "tap -1,5", "tap: bad number in '-1,5' (expected X,Y in whole pixels, e.g. "
			      "540,960)" },
		{ "tap @", "tap: bad id '@' (1 to 63 bytes after '@')" },
		{ "tap @0123456789012345678901234567890123456789012345678901234567890123",
		  "tap: bad id '@012345678901234567890123456789012345678...' (1 to 63 bytes after "
		  "'@')" },
		/* pinyin */
		{ "pinyin \"jiangsu\" 0", "pinyin: bad number '0' (candidate 1 to 100, 1 = first)" },
		{ "pinyin \"jiangsu\" 101", "pinyin: bad number '101' (candidate 1 to 100, 1 = "
					    "first)" },
		{ "pinyin \"jiangsu\" x", "pinyin: bad number 'x' (candidate 1 to 100, 1 = first)" },
		{ "pinyin \"jiangsu\" \"1\"", "pinyin: bad number '\"1\"' (candidate 1 to 100, 1 = "
					      "first)" },
		{ "pinyin \"JiangSu\" 1", "pinyin: only lower-case letters a-z and ' in "
					  "\"JiangSu\"" },
		{ "pinyin \"江苏\" 1", "pinyin: only lower-case letters a-z and ' in \"江苏\"" },
		{ "pinyin \"a\\nb\" 1", "pinyin: only lower-case letters a-z and ' in \"a\\nb\"" },
		{ "pinyin jiangsu 1", "pinyin: expected a \"quoted string\", not 'jiangsu'" },
		/* durations */
		{ "wait 2", "wait: bad duration '2' (a whole number and ms or s, e.g. 500ms, 2s)" },
		{ "wait 2m", "wait: bad duration '2m' (a whole number and ms or s, e.g. 500ms, 2s)" },
		{ "wait 1.5s", "wait: bad duration '1.5s' (a whole number and ms or s, e.g. 500ms, "
			       "2s)" },
		{ "wait -1s", "wait: bad duration '-1s' (a whole number and ms or s, e.g. 500ms, "
			      "2s)" },
		{ "wait s", "wait: bad duration 's' (a whole number and ms or s, e.g. 500ms, 2s)" },
		{ "wait 9999999999s", "wait: bad duration '9999999999s' (a whole number and ms or s, "
				      "e.g. 500ms, 2s)" },
		{ "wait 61s", "wait: bad duration '61s' (at most 60s of real time; advance moves "
			      "the kiosk's clock)" },
		{ "advance 60ms", "advance: bad duration '60ms' (a whole number and s or m, e.g. "
				  "60s, 5m)" },
		{ "advance 1h", "advance: bad duration '1h' (a whole number and s or m, e.g. 60s, "
				"5m)" },
		{ "advance 10081m", "advance: bad duration '10081m' (at most 10080m)" },
		/* shot names */
		{ "shot a/b.png", "shot: bad shot name 'a/b.png' (no '/' or '\\': a file name, not a "
				  "path)" },
		{ "shot ..png", "shot: bad shot name '..png' (no '..')" },
		{ "shot x..png", "shot: bad shot name 'x..png' (no '..')" },
		{ "shot shot.jpg", "shot: bad shot name 'shot.jpg' (must be NAME.png)" },
		{ "shot shot.PNG", "shot: bad shot name 'shot.PNG' (must be NAME.png)" },
		{ "shot .png", "shot: bad shot name '.png' (must be NAME.png)" },
		{ "shot .a.png", "shot: bad shot name '.a.png' (must not start with '.' or '-')" },
		{ "shot -a.png", "shot: bad shot name '-a.png' (must not start with '.' or '-')" },
		{ "shot 登录.png", "shot: bad shot name '登录.png' (letters, digits, '_', '-' and '.' "
				   "only)" },
		{ "shot \"a.png\"", "shot: bad shot name '\"a.png\"' (write the name without "
				    "quotes)" },
		{ "shot aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.png",
		  "shot: bad shot name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (too long)" },
		/* bytes */
		{ "expect \"\xE6\xB1\"", "invalid UTF-8" },
		{ "expect \"\xC0\xAF\"", "invalid UTF-8" },
		{ "# \xFF in a comment is still not UTF-8", "invalid UTF-8" },
	};
	char text[512], want[1024];
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "sync\n# fine\n%s\nsync\n", cases[i].line);
		snprintf(want, sizeof(want), "t.flow:3: %s", cases[i].msg);
		if (parse(text) != CA_ERR_INVALID)
			fail_msg("case %zu (%s) was accepted", i, cases[i].line);
		if (strcmp(ERR, want) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, ERR, want);
		assert_int_equal(S->n, 0); /* nothing of a broken script is kept */
		assert_true(utf8_count(ERR, &(size_t){ 0 }));
	}
}

static void test_nul_and_long_lines(void **ctx)
{
	static char line[SCRIPT_LINE_MAX + 64];
	static const char nul[] = "sync\nsy\0nc\n";

	(void)ctx;
	assert_int_equal(script_parse(S, "t.flow", nul, sizeof(nul) - 1, ERR, sizeof(ERR)),
			 CA_ERR_INVALID);
	assert_string_equal(ERR, "t.flow:2: NUL byte in line");

	/* Exactly the cap is fine (a comment, then a command after it). */
	memset(line, 'x', sizeof(line));
	line[0] = '#';
	memcpy(line + SCRIPT_LINE_MAX, "\r\nsync\n", 8);
	assert_int_equal(parse(line), CA_OK);
	assert_int_equal(S->n, 1);
	assert_int_equal(S->cmds[0].line, 2);
	/* One more byte is not, even in a comment; the next line still counts. */
	memcpy(line + SCRIPT_LINE_MAX, "x\nsync\nbad\n", 12);
	assert_int_equal(parse(line), CA_ERR_INVALID);
	assert_string_equal(ERR, "t.flow:1: line too long (2049 bytes, at most 2048)\n"
				 "t.flow:3: unknown command 'bad' (commands: tap, type, pinyin, "
				 "expect, expect-not, wait, advance, sync, shot, stall)");

	/* A string of SCRIPT_STR_MAX bytes is fine, one more is not. */
	memcpy(line, "type \"", 6);
	memset(line + 6, 'a', SCRIPT_STR_MAX);
	memcpy(line + 6 + SCRIPT_STR_MAX, "\"\n", 3);
	assert_int_equal(parse(line), CA_OK);
	assert_int_equal(strlen(script_arg(S, &S->cmds[0])), SCRIPT_STR_MAX);
	memcpy(line + 6 + SCRIPT_STR_MAX, "a\"\n", 4);
	assert_int_equal(parse(line), CA_ERR_INVALID);
	assert_string_equal(ERR, "t.flow:1: string too long (more than 1024 bytes)");
	/* An escape counts once: 1000 escaped quotes are 1000 bytes. */
	for (size_t k = 0; k < 1000; k++)
		memcpy(line + 6 + 2 * k, "\\\"", 2);
	memcpy(line + 6 + 2 * 1000, "\"\n", 3);
	assert_int_equal(parse(line), CA_OK);
	assert_int_equal(strlen(script_arg(S, &S->cmds[0])), 1000);
	assert_int_equal(strspn(script_arg(S, &S->cmds[0]), "\""), 1000);
}

static void test_all_problems_reported_at_once(void **ctx)
{
	(void)ctx;
	assert_int_equal(parse("tapp\nsync\nwait 2\n\nshot x.jpg\n"), CA_ERR_INVALID);
	assert_string_equal(ERR,
		"t.flow:1: unknown command 'tapp' (commands: tap, type, pinyin, expect, "
		"expect-not, wait, advance, sync, shot, stall)\n"
		"t.flow:3: wait: bad duration '2' (a whole number and ms or s, e.g. 500ms, 2s)\n"
		"t.flow:5: shot: bad shot name 'x.jpg' (must be NAME.png)");
	assert_int_equal(S->n, 0);

	/* More problems than fit: the rest are counted, not lost silently. */
	{
		char small[200];
		size_t k;
		static char many[64 * 10];

		many[0] = '\0';
		for (k = 0; k < 60; k++)
			strcat(many, "bad\n");
		assert_int_equal(script_parse(S, "t.flow", many, strlen(many), small,
					      sizeof(small)), CA_ERR_INVALID);
		assert_non_null(strstr(small, "t.flow:1: unknown command 'bad'"));
		assert_non_null(strstr(small, "more problems not shown"));
		assert_true(strlen(small) < sizeof(small));
	}
	/* No buffer at all is fine too. */
	assert_int_equal(script_parse(S, "t.flow", "bad\n", 4, NULL, 0), CA_ERR_INVALID);
}

static void test_caps_on_commands_text_and_file(void **ctx)
{
	char *buf = malloc(SCRIPT_FILE_MAX + 2);
	size_t k, len = 0;

	(void)ctx;
	assert_non_null(buf);
	/* SCRIPT_CMDS_MAX commands fit; one more is refused at its line. */
	for (k = 0; k < SCRIPT_CMDS_MAX; k++)
		len += (size_t)sprintf(buf + len, "sync\n");
	assert_int_equal(script_parse(S, "t.flow", buf, len, ERR, sizeof(ERR)), CA_OK);
	assert_int_equal(S->n, SCRIPT_CMDS_MAX);
	len += (size_t)sprintf(buf + len, "sync\nsync\n");
	assert_int_equal(script_parse(S, "t.flow", buf, len, ERR, sizeof(ERR)), CA_ERR_INVALID);
	assert_string_equal(ERR, "t.flow:2001: too many commands (at most 2000 in one script)");
	assert_int_equal(S->n, 0);

	/* Long strings fill the text store before the command cap. */
	len = 0;
	for (k = 0; k < 100; k++) {
		len += (size_t)sprintf(buf + len, "type \"");
		memset(buf + len, 'a', 1000);
		len += 1000;
		len += (size_t)sprintf(buf + len, "\"\n");
	}
	assert_int_equal(script_parse(S, "t.flow", buf, len, ERR, sizeof(ERR)), CA_ERR_INVALID);
	assert_non_null(strstr(ERR, ": script too large (more than 131072 bytes of commands)"));
	assert_null(strchr(ERR, '\n')); /* parsing stopped there */

	/* A file over SCRIPT_FILE_MAX is refused before parsing. */
	memset(buf, '\n', SCRIPT_FILE_MAX + 1);
	assert_int_equal(script_parse(S, "t.flow", buf, SCRIPT_FILE_MAX + 1, ERR, sizeof(ERR)),
			 CA_ERR_TOO_LONG);
	assert_string_equal(ERR, "t.flow: file too large (more than 1048576 bytes)");
	assert_int_equal(script_parse(S, "t.flow", buf, SCRIPT_FILE_MAX, ERR, sizeof(ERR)), CA_OK);
	free(buf);
}

/* Write text to a fresh file under /tmp; its name into path. */
static void write_file(char *path, size_t n, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, n, "/tmp/test_script.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void test_load_reads_a_real_file_and_names_it(void **ctx)
{
	char path[64], want[256];

	(void)ctx;
	write_file(path, sizeof(path), "sync\nshot a.png\n");
	assert_int_equal(script_load(S, path, ERR, sizeof(ERR)), CA_OK);
	assert_string_equal(S->name, path);
	assert_int_equal(S->n, 2);
	unlink(path);

	write_file(path, sizeof(path), "sync\nwait\n");
	assert_int_equal(script_load(S, path, ERR, sizeof(ERR)), CA_ERR_INVALID);
	snprintf(want, sizeof(want), "%s:2: wait: missing argument (usage: wait 2s | wait 500ms)",
		 path);
	assert_string_equal(ERR, want);
	unlink(path);

	assert_int_equal(script_load(S, path, ERR, sizeof(ERR)), CA_ERR_IO);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(ERR, want);
	assert_int_equal(script_load(S, "/tmp", ERR, sizeof(ERR)), CA_ERR_IO);
	assert_string_equal(ERR, "/tmp: cannot read: Is a directory");
}

/* ---- the executor, through a recording UI double ---- */

/* What the recording ops saw, and how they answer. */
struct rec {
	char log[64][128];     /* one line per callback call */
	int n;                 /* lines in log */
	int traced[64];        /* line numbers told to trace */
	int ntraced;           /* entries in traced */
	int fail_call;         /* make the Nth action call fail (1-based); 0 = never */
	const char *fail_why;  /* the reason it gives */
	const char *visible;   /* the text expect finds ... */
	int appear;            /* ... from this frame on ... */
	int vanish;            /* ... until this frame */
	const char *note;      /* what expect says when it does not find a text */
	int expect_error;      /* expect cannot tell (returns non-zero) */
	int frames;            /* frames drawn */
	int checks;            /* expect calls */
	int64_t now;           /* virtual real-time clock, ms */
};

__attribute__((format(printf, 4, 5)))
static int rec_call(struct rec *r, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	assert_true(r->n < 64);
	va_start(ap, fmt);
	vsnprintf(r->log[r->n], sizeof(r->log[0]), fmt, ap);
	va_end(ap);
	r->n++;
	if (r->fail_call && r->n == r->fail_call) {
		snprintf(why, whylen, "%s", r->fail_why ? r->fail_why : "");
		return 1;
	}
	return 0;
}

static int r_tap_label(void *c, const char *label, char *why, size_t n)
{
	return rec_call(c, why, n, "tap_label %s", label);
}

static int r_tap_id(void *c, const char *id, char *why, size_t n)
{
	return rec_call(c, why, n, "tap_id %s", id);
}

static int r_tap_xy(void *c, int x, int y, char *why, size_t n)
{
	return rec_call(c, why, n, "tap_xy %d %d", x, y);
}

static int r_type(void *c, const char *text, char *why, size_t n)
{
	return rec_call(c, why, n, "type %s", text);
}

static int r_pinyin(void *c, const char *letters, int cand, char *why, size_t n)
{
	return rec_call(c, why, n, "pinyin %s %d", letters, cand);
}

static int r_expect(void *c, const char *text, bool *present, char *why, size_t n)
{
	struct rec *r = c;

	r->checks++;
	if (r->expect_error) {
		snprintf(why, n, "renderer gone");
		return 1;
	}
	*present = r->visible && strcmp(text, r->visible) == 0 && r->frames >= r->appear &&
		   r->frames < r->vanish;
	if (!*present && r->note)
		snprintf(why, n, "%s", r->note);
	return 0;
}

static int r_wait_ms(void *c, long ms, char *why, size_t n)
{
	return rec_call(c, why, n, "wait_ms %ld", ms);
}

static int r_advance_s(void *c, long secs, char *why, size_t n)
{
	return rec_call(c, why, n, "advance_s %ld", secs);
}

static int r_sync(void *c, char *why, size_t n)
{
	return rec_call(c, why, n, "sync");
}

static int r_shot(void *c, const char *name, char *why, size_t n)
{
	return rec_call(c, why, n, "shot %s", name);
}

static int r_frame(void *c, char *why, size_t n)
{
	struct rec *r = c;

	(void)why;
	(void)n;
	r->frames++;
	r->now += 16;
	return 0;
}

static int64_t r_now_ms(void *c)
{
	return ((struct rec *)c)->now;
}

static void r_trace(void *c, const char *file, int line, const char *src)
{
	struct rec *r = c;

	(void)src;
	assert_string_equal(file, "t.flow");
	r->traced[r->ntraced++] = line;
}

static const struct script_ops REC_OPS = {
	.tap_label = r_tap_label,
	.tap_id = r_tap_id,
	.tap_xy = r_tap_xy,
	.type = r_type,
	.pinyin = r_pinyin,
	.expect = r_expect,
	.wait_ms = r_wait_ms,
	.advance_s = r_advance_s,
	.sync = r_sync,
	.shot = r_shot,
	.frame = r_frame,
	.now_ms = r_now_ms,
	.trace = r_trace,
};

static struct rec *new_rec(void)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->vanish = 1 << 30;
	return r;
}

static void test_run_calls_each_callback_in_order(void **ctx)
{
	static const char *want[] = {
		"tap_label 提交信息", "tap_id form.company", "tap_xy 540 960",
		"type 江苏\"国泰\"", "pinyin jiangsu 2", "wait_ms 500", "wait_ms 2000",
		"advance_s 60", "advance_s 300", "sync", "shot 01-home.png",
	};
	static const int lines[] = { 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
	struct rec *r = new_rec();
	size_t i;

	(void)ctx;
	r->visible = "待审核";
	assert_int_equal(parse("tap \"提交信息\"\ntap @form.company\n# comment\ntap 540,960\n"
			       "type \"江苏\\\"国泰\\\"\"\npinyin \"jiangsu\" 2\nexpect \"待审核\"\n"
			       "expect-not \"编辑中\"\nwait 500ms\nwait 2s\nadvance 60s\n"
			       "advance 5m\nsync\nshot 01-home.png\n"), CA_OK);
	snprintf(ERR, sizeof(ERR), "junk");
	assert_int_equal(script_run(S, &REC_OPS, r, ERR, sizeof(ERR)), 0);
	assert_string_equal(ERR, "");
	assert_int_equal(r->n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(r->log[i], want[i]);
	assert_int_equal(r->checks, 2); /* expect and expect-not each held at once */
	assert_int_equal(r->frames, 0);
	assert_int_equal(r->ntraced, S->n);
	for (i = 0; i < S->n; i++)
		assert_int_equal(r->traced[i], lines[i]);
	assert_int_equal(script_exit_status(CA_OK, 0), SCRIPT_EXIT_OK);
	free(r);
}

static void test_a_failing_line_stops_the_run_and_is_named(void **ctx)
{
	struct rec *r = new_rec();

	(void)ctx;
	assert_int_equal(parse("sync\n\n  tap @btn.submit   # go\ntype \"x\"\nshot a.png\n"),
			 CA_OK);
	r->fail_call = 2;
	r->fail_why = "no widget with id btn.submit on this screen";
	assert_int_equal(script_run(S, &REC_OPS, r, ERR, sizeof(ERR)), 3);
	assert_string_equal(ERR, "t.flow:3: `tap @btn.submit`: no widget with id btn.submit on "
				 "this screen");
	assert_int_equal(r->n, 2); /* type and shot never ran */
	assert_int_equal(r->ntraced, 2);
	assert_int_equal(script_exit_status(CA_OK, 3), SCRIPT_EXIT_FAILED);

	/* A callback that gives no reason still fails its line. */
	memset(r, 0, sizeof(*r));
	r->fail_call = 1;
	assert_int_equal(script_run(S, &REC_OPS, r, ERR, sizeof(ERR)), 1);
	assert_string_equal(ERR, "t.flow:1: `sync`: failed");

	/* A runner without a callback fails the line that needs it. */
	{
		const struct script_ops only_sync = { .sync = r_sync };

		memset(r, 0, sizeof(*r));
		assert_int_equal(script_run(S, &only_sync, r, ERR, sizeof(ERR)), 3);
		assert_string_equal(ERR, "t.flow:3: `tap @btn.submit`: tap is not supported by "
					 "this runner");
		assert_int_equal(r->n, 1);
	}
	/* A short buffer gets a cut message that is still valid UTF-8. */
	assert_int_equal(parse("expect \"提交信息\"\n"), CA_OK);
	memset(r, 0, sizeof(*r));
	{
		char small[24];
		size_t chars;

		assert_int_equal(script_run(S, &REC_OPS, r, small, sizeof(small)), 1);
		assert_true(strlen(small) < sizeof(small));
		assert_true(utf8_count(small, &chars));
		assert_int_equal(strncmp(small, "t.flow:1: `expect", 17), 0);
	}
	free(r);
}

static void test_expect_settles_over_frames(void **ctx)
{
	struct rec *r = new_rec();

	(void)ctx;
	/* Appears at the 5th frame: the line holds, after exactly 5 frames. */
	assert_int_equal(parse("expect \"审核通过\"\n"), CA_OK);
	r->visible = "审核通过";
	r->appear = 5;
	assert_int_equal(script_run(S, &REC_OPS, r, ERR, sizeof(ERR)), 0);
	assert_int_equal(r->frames, 5);
	assert_int_equal(r->checks, 6);

	/* Never appears: fails once SCRIPT_SETTLE_MS of real time has passed
	 * (2000 ms at 16 ms a frame = 125 frames), quoting the callback's note. */
	memset(r, 0, sizeof(*r));
	r->note = "on screen: 登录, 获取验证码";
	assert_int_equal(script_run(S, &REC_OPS, r, ERR, sizeof(ERR)), 1);
	assert_int_equal(r->frames, 125);
	assert_int_equal(r->checks, 126);
	assert_string_equal(ERR, "t.flow:1: `expect \"审核通过\"`: \"审核通过\" is not on screen "
				 "after 2000 ms; on screen: 登录, 获取验证码");

	/* expect-not waits for the text to go (a toast fading, a screen change). */
	assert_int_equal(parse("expect-not \"保存成功\"\n"), CA_OK);
	memset(r, 0, sizeof(*r));
	r->visible = "保存成功";
	r->vanish = 3;
	assert_int_equal(script_run(S, &REC_OPS, r, ERR, sizeof(ERR)), 0);
	assert_int_equal(r->frames, 3);
	memset(r, 0, sizeof(*r));
	r->visible = "保存成功";
	r->vanish = 1 << 30;
	assert_int_equal(script_run(S, &REC_OPS, r, ERR, sizeof(ERR)), 1);
	assert_string_equal(ERR, "t.flow:1: `expect-not \"保存成功\"`: \"保存成功\" is still on "
				 "screen after 2000 ms");
	assert_int_equal(r->frames, 125);
	free(r);
}

static void test_settle_time_is_the_runners_choice(void **ctx)
{
	struct rec *r = new_rec();
	struct script_ops ops = REC_OPS;

	(void)ctx;
	assert_int_equal(parse("expect \"缴费\"\n"), CA_OK);
	/* 100 ms: 7 frames of 16 ms. */
	ops.settle_ms = 100;
	assert_int_equal(script_run(S, &ops, r, ERR, sizeof(ERR)), 1);
	assert_int_equal(r->frames, 7);
	assert_string_equal(ERR, "t.flow:1: `expect \"缴费\"`: \"缴费\" is not on screen after "
				 "112 ms");
	/* Negative: one look, no frames. */
	memset(r, 0, sizeof(*r));
	ops.settle_ms = -1;
	assert_int_equal(script_run(S, &ops, r, ERR, sizeof(ERR)), 1);
	assert_int_equal(r->frames, 0);
	assert_int_equal(r->checks, 1);
	assert_string_equal(ERR, "t.flow:1: `expect \"缴费\"`: \"缴费\" is not on screen");
	/* No frame callback: one look as well. */
	memset(r, 0, sizeof(*r));
	ops.settle_ms = 0;
	ops.frame = NULL;
	assert_int_equal(script_run(S, &ops, r, ERR, sizeof(ERR)), 1);
	assert_int_equal(r->checks, 1);
	/* Without a clock callback the executor uses the monotonic clock: a
	 * real 30 ms settle ends (frames do not advance anything here). */
	memset(r, 0, sizeof(*r));
	ops = REC_OPS;
	ops.now_ms = NULL;
	ops.settle_ms = 30;
	assert_int_equal(script_run(S, &ops, r, ERR, sizeof(ERR)), 1);
	assert_true(r->frames > 0);
	/* An expect callback that cannot tell fails the line with its reason. */
	memset(r, 0, sizeof(*r));
	r->expect_error = 1;
	assert_int_equal(script_run(S, &REC_OPS, r, ERR, sizeof(ERR)), 1);
	assert_string_equal(ERR, "t.flow:1: `expect \"缴费\"`: renderer gone");
	free(r);
}

static void test_exec_file_gives_the_exit_status(void **ctx)
{
	char path[64], err[SCRIPT_ERR_MAX];
	struct rec *r = new_rec();
	struct script_ops ops = REC_OPS;

	(void)ctx;
	ops.trace = NULL; /* trace checks the name "t.flow" */
	write_file(path, sizeof(path), "sync\nshot 01.png\n");
	assert_int_equal(script_exec_file(path, &ops, r, err, sizeof(err)), SCRIPT_EXIT_OK);
	assert_int_equal(r->n, 2);
	unlink(path);

	write_file(path, sizeof(path), "sync\nexpect \"不存在\"\nsync\n");
	memset(r, 0, sizeof(*r));
	ops.settle_ms = -1;
	assert_int_equal(script_exec_file(path, &ops, r, err, sizeof(err)), SCRIPT_EXIT_FAILED);
	assert_non_null(strstr(err, ":2: `expect \"不存在\"`: \"不存在\" is not on screen"));
	assert_int_equal(r->n, 1);
	unlink(path);

	/* A syntax error on the last line: nothing runs at all. */
	write_file(path, sizeof(path), "sync\nsync\nwait forever\n");
	memset(r, 0, sizeof(*r));
	assert_int_equal(script_exec_file(path, &ops, r, err, sizeof(err)),
			 SCRIPT_EXIT_BAD_SCRIPT);
	assert_non_null(strstr(err, ":3: wait: bad duration 'forever'"));
	assert_int_equal(r->n, 0);
	unlink(path);

	assert_int_equal(script_exec_file(path, &ops, r, err, sizeof(err)),
			 SCRIPT_EXIT_BAD_SCRIPT);
	assert_non_null(strstr(err, "cannot open"));
	assert_int_equal(script_exit_status(CA_ERR_IO, 0), SCRIPT_EXIT_BAD_SCRIPT);
	assert_int_equal(script_exit_status(CA_ERR_TOO_LONG, 0), SCRIPT_EXIT_BAD_SCRIPT);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parses_every_command_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_odd_files_that_are_fine, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_each_error_names_its_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_and_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_problems_reported_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_caps_on_commands_text_and_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_reads_a_real_file_and_names_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_calls_each_callback_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_failing_line_stops_the_run_and_is_named,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_expect_settles_over_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_time_is_the_runners_choice, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exec_file_gives_the_exit_status, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("ui/script", tests, NULL, NULL);
}
