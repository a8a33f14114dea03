/*
 * test_log.c - log.h (level filter, line format, line cap, whole lines
 * under threads, journald priorities when $JOURNAL_STREAM names stderr) and mask.h (every mask: documented examples, short, long,
 * empty, NULL and malformed input, small buffers, hidden digits stay hidden).
 *
 * Log lines are captured by pointing file descriptor 2 at a temporary file
 * with dup2 for the length of one test step.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/mask.h"
#include "core/utf8.h"

/* Lines a capture can hold, and its text size. */
#define CAP_TEXT (1 << 20)

/* stderr redirected to a temporary file. */
struct capture {
	int fd;          /* the temporary file */
	int saved;       /* the real stderr */
	char path[64];   /* its name, to unlink */
	char *text;      /* what was written, after capture_end */
	size_t len;      /* its length */
};

/* Point fd 2 at a fresh temporary file (opened O_APPEND). */
static void capture_begin(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "/tmp/test_log.XXXXXX");
	c->fd = mkstemp(c->path);
	assert_true(c->fd >= 0);
	assert_int_equal(fcntl(c->fd, F_SETFL, O_APPEND), 0);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(c->fd, STDERR_FILENO) >= 0);
}

/* Restore fd 2 and read back what was written into c->text. */
static void capture_end(struct capture *c)
{
	ssize_t n;

	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	c->text = malloc(CAP_TEXT);
	assert_non_null(c->text);
	assert_int_equal(lseek(c->fd, 0, SEEK_SET), 0);
	n = read(c->fd, c->text, CAP_TEXT - 1);
	assert_true(n >= 0);
	c->len = (size_t)n;
	c->text[c->len] = '\0';
	close(c->fd);
	unlink(c->path);
}

/* Free what capture_end read. */
static void capture_free(struct capture *c)
{
	free(c->text);
	c->text = NULL;
}

/* Number of '\n' in s. */
static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every test leaves the level as it found it: the default. */
static int reset_level(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	return 0;
}

/* ---- log ---- */

static void test_log_default_level_is_info(void **state)
{
	(void)state;
	/* Runs first, before any test has called log_set_level. */
	assert_int_equal(log_get_level(), LOG_INFO);
}

static void test_log_set_level_is_read_back(void **state)
{
	int l;

	(void)state;
	for (l = LOG_ERROR; l < LOG__N; l++) {
		log_set_level((enum log_level)l);
		assert_int_equal(log_get_level(), l);
	}
}

static void test_log_level_from_name_knows_the_four_names(void **state)
{
	static const struct {
		const char *name; /* what a config says */
		int want;         /* the level, -1: not a level */
	} v[] = {
		{ "error", LOG_ERROR }, { "warn", LOG_WARN }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG }, { "DEBUG", LOG_DEBUG }, { "warning", -1 },
		{ "", -1 }, { "info ", -1 }, { NULL, -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if ((int)log_level_from_name(v[i].name) != v[i].want)
			fail_msg("log_level_from_name(%s) is %d, want %d",
				 v[i].name ? v[i].name : "NULL", (int)log_level_from_name(v[i].name),
				 v[i].want);
}

static void test_log_filter_drops_lines_above_the_level(void **state)
{
	struct capture c;

	(void)state;
	log_set_level(LOG_WARN);
	capture_begin(&c);
	log_error("t", "one");
	log_warn("t", "two");
	log_info("t", "three");
	log_debug("t", "four");
	capture_end(&c);
	assert_int_equal(count_lines(c.text), 2);
	assert_non_null(strstr(c.text, " E t: one\n"));
	assert_non_null(strstr(c.text, " W t: two\n"));
	assert_null(strstr(c.text, "three"));
	assert_null(strstr(c.text, "four"));
	capture_free(&c);

	log_set_level(LOG_DEBUG);
	capture_begin(&c);
	log_debug("t", "four");
	capture_end(&c);
	assert_non_null(strstr(c.text, " D t: four\n"));
	capture_free(&c);

	log_set_level(LOG_ERROR);
	capture_begin(&c);
	log_warn("t", "two");
	capture_end(&c);
	assert_int_equal(c.len, 0);
	capture_free(&c);
}

static void test_log_tail_keeps_the_last_lines_written_oldest_first(void **state)
{
	struct capture c;
	char tail[LOG_TAIL_LINES * (LOG_TAIL_LINE_MAX + 1)], big[600], want[64];
	int i;

	(void)state;
	log_set_level(LOG_INFO);
	capture_begin(&c);
	for (i = 0; i < LOG_TAIL_LINES + 5; i++)
		log_info("tail", "line %d", i);
	log_debug("tail", "filtered"); /* not written, not kept */
	capture_end(&c);
	capture_free(&c);
	log_tail(tail, sizeof(tail), 3);
	assert_int_equal(count_lines(tail), 2); /* three lines, two separators */
	snprintf(want, sizeof(want), "line %d", LOG_TAIL_LINES + 1);
	assert_null(strstr(tail, want));
	snprintf(want, sizeof(want), " I tail: line %d\n", LOG_TAIL_LINES + 2);
	assert_non_null(strstr(tail, want));
	snprintf(want, sizeof(want), " I tail: line %d\n", LOG_TAIL_LINES + 3);
	assert_non_null(strstr(tail, want));
	snprintf(want, sizeof(want), " I tail: line %d", LOG_TAIL_LINES + 4);
	assert_non_null(strstr(tail, want));
	assert_true(strstr(tail, "line 0") == NULL);
	assert_null(strstr(tail, "filtered"));
	/* At most LOG_TAIL_LINES lines, each cut to LOG_TAIL_LINE_MAX bytes. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	capture_begin(&c);
	log_info("tail", "%s", big);
	capture_end(&c);
	capture_free(&c);
	log_tail(tail, sizeof(tail), 1000);
	assert_int_equal(count_lines(tail), LOG_TAIL_LINES - 1);
	assert_true(strlen(strrchr(tail, '\n') + 1) == LOG_TAIL_LINE_MAX);
	/* A small buffer is never overrun. */
	assert_true(log_tail(tail, 10, 5) < 10);
	assert_int_equal(tail[9 < strlen(tail) ? 9 : strlen(tail)], '\0');
}

/* The ring masks what looks like a phone, an ID number or a credit code
 * before it keeps a line (the tail may go to the hub); words, times and
 * short numbers stay. */
static void test_log_tail_masks_phones_ids_and_credit_codes(void **state)
{
	struct capture c;
	char tail[2 * (LOG_TAIL_LINE_MAX + 1)];
	char s[] = "a 13812345678 b 32010219900307123X c 91320500MA1W8XYZ3X d 2026 e 1234567890";

	(void)state;
	log_set_level(LOG_INFO);
	capture_begin(&c);
	log_info("tail", "call 13812345678 about 32010219900307123X of 91320500MA1W8XYZ3X");
	log_info("tail", "order 42 at 2026-11-24T07:45:00 slot 2 version v1.2.3");
	capture_end(&c);
	/* What stderr got is the line as written (the rule is: write none). */
	assert_non_null(strstr(c.text, "13812345678"));
	capture_free(&c);
	log_tail(tail, sizeof(tail), 2);
	assert_null(strstr(tail, "13812345678"));
	assert_non_null(strstr(tail, "call 138****5678 about 3201**********123X of "
				     "9132**********YZ3X"));
	assert_non_null(strstr(tail, "order 42 at 2026-11-24T07:45:00 slot 2 version v1.2.3"));
	/* mask_scrub itself: 11 or more letters and digits with 6 digits or more. */
	assert_int_equal(mask_scrub(s), 3);
	assert_string_equal(s, "a 138****5678 b 3201**********123X c 9132**********YZ3X d 2026 "
			       "e 1234567890");
	assert_int_equal(mask_scrub(NULL), 0);
}

static void test_log_line_format_is_utc_stamp_letter_module_text(void **state)
{
	static const char pattern[] =
		"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):"
		"([0-9]{2})\\.[0-9]{3}Z W store: saved 42 rows\n$";
	char *old_tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	regmatch_t m[7];
	struct capture c;
	struct tm tm;
	regex_t re;
	time_t now, stamp;
	int i, f[6];

	(void)state;
	/* A zone far from UTC, so a local-time stamp would show. */
	setenv("TZ", "CST-8", 1); /* POSIX form: needs no tzdata */
	tzset();
	capture_begin(&c);
	log_warn("store", "saved %d rows", 42);
	capture_end(&c);
	now = time(NULL);
	if (old_tz)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old_tz);

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED), 0);
	if (regexec(&re, c.text, 7, m, 0) != 0)
		fail_msg("line does not match the format: [%s]", c.text);
	regfree(&re);
	for (i = 0; i < 6; i++)
		f[i] = atoi(c.text + m[i + 1].rm_so);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	stamp = timegm(&tm);
	assert_true(stamp <= now && now - stamp <= 5);
	capture_free(&c);
}

/* Set $JOURNAL_STREAM to fd 2's DEV:INODE, with add added to the inode. */
static void journal_stream_is_stderr(unsigned long long add)
{
	struct stat st;
	char v[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + add);
	setenv("JOURNAL_STREAM", v, 1);
}

static void test_log_to_the_journal_lines_carry_priorities_no_stamp(void **state)
{
	struct capture c;

	(void)state;
	log_set_level(LOG_DEBUG);
	capture_begin(&c);
	journal_stream_is_stderr(0);
	assert_true(log_to_journal());
	log_error("hub", "a");
	log_warn("hub", "b");
	log_info("hub", "c");
	log_debug("hub", "d");
	unsetenv("JOURNAL_STREAM");
	capture_end(&c);
	assert_string_equal(c.text, "<3>E hub: a\n<4>W hub: b\n<6>I hub: c\n<7>D hub: d\n");
	capture_free(&c);
}

static void test_log_journal_stream_of_another_file_gives_plain_lines(void **state)
{
	struct capture c;

	(void)state;
	capture_begin(&c);
	journal_stream_is_stderr(1); /* the journal, but not our stderr */
	assert_false(log_to_journal());
	log_warn("hub", "b");
	unsetenv("JOURNAL_STREAM");
	capture_end(&c);
	assert_true(c.len > 25 && c.text[4] == '-' && c.text[23] == 'Z');
	assert_string_equal(c.text + 25, "W hub: b\n");
	capture_free(&c);
}

static void test_log_malformed_journal_stream_is_said_once_plain_lines(void **state)
{
	struct capture c;

	(void)state;
	capture_begin(&c);
	setenv("JOURNAL_STREAM", "8:12x", 1);
	log_warn("hub", "b");
	log_warn("hub", "c");
	unsetenv("JOURNAL_STREAM");
	capture_end(&c);
	assert_int_equal(count_lines(c.text), 3);
	assert_true(strncmp(c.text, "log: JOURNAL_STREAM is not DEV:INODE; plain log lines\n",
			    54) == 0);
	assert_non_null(strstr(c.text, "Z W hub: b\n"));
	assert_non_null(strstr(c.text, "Z W hub: c\n"));
	capture_free(&c);
}

static void test_log_null_module_is_written_as_dash(void **state)
{
	struct capture c;

	(void)state;
	capture_begin(&c);
	log_info(NULL, "x");
	capture_end(&c);
	assert_non_null(strstr(c.text, "Z I -: x\n"));
	capture_free(&c);
}

static void test_log_long_text_is_cut_to_1024_bytes_with_marker(void **state)
{
	char *big = malloc(5000);
	struct capture c;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	capture_begin(&c);
	log_info("m", "%s", big);
	log_info("m", "after");
	capture_end(&c);
	assert_int_equal(count_lines(c.text), 2);
	assert_int_equal(strchr(c.text, '\n') - c.text + 1, 1024);
	assert_memory_equal(c.text + 1024 - 5, "a...\n", 5);
	assert_non_null(strstr(c.text + 1024, " I m: after\n"));
	capture_free(&c);
	free(big);
}

static void test_log_text_that_just_fits_is_not_cut(void **state)
{
	/* 25 bytes stamp + "I m: " (5) + text + '\n' = 1024. */
	char text[1024 - 25 - 5 - 1 + 1];
	struct capture c;

	(void)state;
	memset(text, 'b', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	capture_begin(&c);
	log_info("m", "%s", text);
	capture_end(&c);
	assert_int_equal(c.len, 1024);
	assert_null(strstr(c.text, "..."));
	capture_free(&c);
}

static void test_log_cut_never_splits_a_utf8_character(void **state)
{
	char big[3 * 600 + 1];
	struct capture c;
	size_t chars;
	int shift, i;

	(void)state;
	/* Shift the text by 0..2 ASCII bytes so the cap lands in each byte
	 * of a 3-byte character at least once. */
	for (shift = 0; shift < 3; shift++) {
		for (i = 0; i < 600; i++)
			memcpy(big + 3 * i, "中", 3);
		big[3 * 600] = '\0';
		capture_begin(&c);
		log_info("m", "%.*s%s", shift, "xx", big);
		capture_end(&c);
		assert_true(c.len <= 1024);
		assert_memory_equal(c.text + c.len - 4, "...\n", 4);
		assert_true(utf8_count_n(c.text, c.len, &chars));
		capture_free(&c);
	}
}

static void test_log_control_characters_keep_one_line(void **state)
{
	struct capture c;

	(void)state;
	capture_begin(&c);
	log_info("m", "a\nb\r\tc\x01" "d");
	capture_end(&c);
	assert_int_equal(count_lines(c.text), 1);
	assert_non_null(strstr(c.text, " I m: a b  c?d\n"));
	capture_free(&c);
}

/* A caller's errno survives a log line, also one whose write fails:
 * stderr is /dev/full (every write fails with ENOSPC) while errno is
 * EDOM, and EDOM is what the caller reads after. */
static void test_log_keeps_errno_when_the_write_fails(void **state)
{
	int saved = dup(STDERR_FILENO), full = open("/dev/full", O_WRONLY), got;

	(void)state;
	assert_true(saved >= 0 && full >= 0);
	assert_int_equal(dup2(full, STDERR_FILENO), STDERR_FILENO);
	errno = EDOM;
	log_error("m", "x");
	got = errno;
	(void)dup2(saved, STDERR_FILENO);
	close(saved);
	close(full);
	assert_int_equal(got, EDOM);
}

/* Each thread writes this many long lines. */
#define THREAD_LINES 300

/* Write THREAD_LINES long lines tagged with the thread's letter. */
static void *log_thread(void *arg)
{
	char tag = *(const char *)arg, text[701];
	int i;

	memset(text, tag, sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (i = 0; i < THREAD_LINES; i++)
		log_info("thr", "%c%04d %s", tag, i, text);
	return NULL;
}

static void test_log_lines_from_threads_never_interleave(void **state)
{
	static const char tags[4] = { 'p', 'q', 'r', 's' };
	pthread_t th[4];
	struct capture c;
	char *line, *save = NULL;
	int i, n = 0;

	(void)state;
	capture_begin(&c);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, log_thread,
						(void *)&tags[i]), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	capture_end(&c);
	for (line = strtok_r(c.text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *body = strstr(line, " I thr: ");
		size_t k;

		assert_non_null(body);
		body += 8;
		/* "X0123 " then 700 times X: all one thread's letter. */
		assert_int_equal(strlen(body), 6 + 700);
		for (k = 6; k < 706; k++)
			if (body[k] != body[0])
				fail_msg("line mixes threads: %.40s", line);
		n++;
	}
	assert_int_equal(n, 4 * THREAD_LINES);
	capture_free(&c);
}

/* ---- mask ---- */

static void test_mask_phone_documented_example(void **state)
{
	char out[MASK_BUF];

	(void)state;
	assert_ptr_equal(mask_phone("13812345678", out, sizeof(out)), out);
	assert_string_equal(out, "138****5678");
}

static void test_mask_phone_hides_every_middle_digit(void **state)
{
	char in[12], out[MASK_BUF];
	unsigned mid;

	(void)state;
	/* Every middle block 0000..9999: the output shows none of it. */
	for (mid = 0; mid < 10000; mid++) {
		snprintf(in, sizeof(in), "139%04u8765", mid);
		mask_phone(in, out, sizeof(out));
		assert_string_equal(out, "139****8765");
	}
}

/* An input and what a mask function makes of it. */
struct mask_vec {
	const char *in;   /* NULL allowed */
	const char *want; /* the masked text */
};

/* Fail unless fn masks the in of every vector of v[0..n) as its want. */
static void check_masks(char *(*fn)(const char *, char *, size_t), const struct mask_vec *v,
			size_t n)
{
	char out[MASK_BUF];
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(fn(v[i].in, out, sizeof(out)), v[i].want) != 0)
			fail_msg("vector %zu (%.40s): \"%s\", want \"%s\"", i,
				 v[i].in ? v[i].in : "NULL", out, v[i].want);
}

static void test_mask_phone_short_empty_null_give_four_stars(void **state)
{
	static const struct mask_vec v[] = {
		{ "1381234", "****" }, { "1", "****" }, { "", "****" }, { NULL, "****" },
		/* 8 characters is the shortest that keeps 3 + 4. */
		{ "12345678", "123*5678" },
	};

	(void)state;
	check_masks(mask_phone, v, sizeof(v) / sizeof(v[0]));
}

static void test_mask_phone_one_star_per_hidden_character(void **state)
{
	static const struct mask_vec v[] = {
		{ "+8613812345678", "+86*******5678" }, { "0512-12345678", "051******5678" },
	};

	(void)state;
	check_masks(mask_phone, v, sizeof(v) / sizeof(v[0]));
}

static void test_mask_phone_malformed_or_long_masked_entirely(void **state)
{
	static char big[200];
	const struct mask_vec v[] = {
		{ "\xff\xfe" "123456789", "****" }, { "138１２３４5678", "****" },
		{ "138\n12345678", "****" }, { big, "****" },
	};
	char out[MASK_BUF];

	(void)state;
	memset(big, '7', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	check_masks(mask_phone, v, sizeof(v) / sizeof(v[0]));
	/* The longest that is still masked digit by digit. */
	big[MASK_BUF - 1] = '\0';
	mask_phone(big, out, sizeof(out));
	assert_int_equal(strlen(out), MASK_BUF - 1);
	assert_memory_equal(out + 3, "************************", 24);
}

static void test_mask_id_documented_example(void **state)
{
	char out[MASK_BUF];

	(void)state;
	assert_ptr_equal(mask_id("32010219900307123X", out, sizeof(out)), out);
	assert_string_equal(out, "3201**********123X");
	/* The birth date (19900307) is not in it. */
	assert_null(strstr(out, "1990"));
	assert_null(strstr(out, "0307"));
}

static void test_mask_id_15_digit_and_shortest(void **state)
{
	static const struct mask_vec v[] = {
		{ "320102900307123", "3201*******7123" }, { "123456789", "1234*6789" },
		{ "12345678", "****" },
	};

	(void)state;
	check_masks(mask_id, v, sizeof(v) / sizeof(v[0]));
}

static void test_mask_id_empty_null_malformed_long(void **state)
{
	static char big[100];
	const struct mask_vec v[] = {
		{ "", "****" }, { NULL, "****" }, { "3201021990\x80\x80" "0307123X", "****" },
		{ "３２０１０２19900307123X", "****" }, { big, "****" },
	};

	(void)state;
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	check_masks(mask_id, v, sizeof(v) / sizeof(v[0]));
}

static void test_mask_text_keeps_first_three_code_points(void **state)
{
	static const struct mask_vec v[] = {
		{ "Zhang San Road 8", "Zha****" }, { "欧阳小明", "欧阳小****" },
		{ "a😀bc", "a😀b****" },
	};
	char out[MASK_BUF];

	(void)state;
	/* mask.h's prose: the first 3 characters, then "****". */
	assert_ptr_equal(mask_text("江苏省苏州市张家港市杨舍镇人民路 1 号",
				   out, sizeof(out)), out);
	assert_string_equal(out, "江苏省****");
	check_masks(mask_text, v, sizeof(v) / sizeof(v[0]));
}

static void test_mask_text_short_never_shown_whole(void **state)
{
	static const struct mask_vec v[] = {
		{ "王小明", "****" }, { "张三", "****" }, { "a", "****" },
	};

	(void)state;
	check_masks(mask_text, v, sizeof(v) / sizeof(v[0]));
}

static void test_mask_text_empty_and_null_give_empty(void **state)
{
	char out[MASK_BUF] = "junk";

	(void)state;
	assert_string_equal(mask_text("", out, sizeof(out)), "");
	strcpy(out, "junk");
	assert_string_equal(mask_text(NULL, out, sizeof(out)), "");
}

static void test_mask_text_malformed_utf8_masked_entirely(void **state)
{
	/* truncated sequence, lone continuation, overlong '/', surrogate */
	static const struct mask_vec v[] = {
		{ "江苏\xe7\x9c", "****" }, { "\x80" "abcd", "****" },
		{ "ab\xc0\xaf" "cd", "****" }, { "abc\xed\xa0\x80", "****" },
		{ "\xff\xff\xff\xff", "****" },
	};

	(void)state;
	check_masks(mask_text, v, sizeof(v) / sizeof(v[0]));
}

static void test_mask_text_long_input_result_stays_small(void **state)
{
	char *big = malloc(3 * 10000 + 1), out[MASK_BUF];
	int i;

	(void)state;
	assert_non_null(big);
	for (i = 0; i < 10000; i++)
		memcpy(big + 3 * i, "路", 3);
	big[3 * 10000] = '\0';
	assert_string_equal(mask_text(big, out, sizeof(out)), "路路路****");
	free(big);
}

static void test_mask_small_buffer_is_never_overrun(void **state)
{
	static const struct {
		char *(*fn)(const char *, char *, size_t); /* the mask */
		const char *in;                            /* its input */
		const char *want;                          /* what fits in 5 bytes */
	} v[] = {
		{ mask_phone, "13812345678", "138*" },
		{ mask_id, "32010219900307123X", "3201" },
		/* Cut on a code point: "江" fits in 5 bytes, "江苏" does not. */
		{ mask_text, "江苏省苏州市", "江" },
	};
	char buf[16];
	size_t i;

	(void)state;
	/* n = 5: a prefix of the mask, NUL-terminated, canary untouched. */
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(buf, '#', sizeof(buf));
		v[i].fn(v[i].in, buf, 5);
		assert_string_equal(buf, v[i].want);
		assert_int_equal(buf[5], '#');
	}

	memset(buf, '#', sizeof(buf));
	mask_text("江苏省苏州市", buf, 1);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '#');

	/* n = 0 writes nothing at all. */
	memset(buf, '#', sizeof(buf));
	mask_phone("13812345678", buf, 0);
	mask_id("32010219900307123X", buf, 0);
	mask_text("江苏省苏州市", buf, 0);
	assert_int_equal(buf[0], '#');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* must run first: it checks the untouched default */
		cmocka_unit_test(test_log_default_level_is_info),
		cmocka_unit_test_teardown(test_log_set_level_is_read_back,
					  reset_level),
		cmocka_unit_test(test_log_level_from_name_knows_the_four_names),
		cmocka_unit_test_teardown(
			test_log_filter_drops_lines_above_the_level,
			reset_level),
		cmocka_unit_test_teardown(
			test_log_tail_keeps_the_last_lines_written_oldest_first,
			reset_level),
		cmocka_unit_test_teardown(
			test_log_tail_masks_phones_ids_and_credit_codes,
			reset_level),
		cmocka_unit_test(
			test_log_line_format_is_utc_stamp_letter_module_text),
		cmocka_unit_test(test_log_null_module_is_written_as_dash),
		cmocka_unit_test_teardown(
			test_log_to_the_journal_lines_carry_priorities_no_stamp,
			reset_level),
		cmocka_unit_test(
			test_log_journal_stream_of_another_file_gives_plain_lines),
		cmocka_unit_test(
			test_log_malformed_journal_stream_is_said_once_plain_lines),
		cmocka_unit_test(
			test_log_long_text_is_cut_to_1024_bytes_with_marker),
		cmocka_unit_test(test_log_text_that_just_fits_is_not_cut),
		cmocka_unit_test(test_log_cut_never_splits_a_utf8_character),
		cmocka_unit_test(test_log_control_characters_keep_one_line),
		cmocka_unit_test(test_log_keeps_errno_when_the_write_fails),
		cmocka_unit_test(test_log_lines_from_threads_never_interleave),
		cmocka_unit_test(test_mask_phone_documented_example),
		cmocka_unit_test(test_mask_phone_hides_every_middle_digit),
		cmocka_unit_test(
			test_mask_phone_short_empty_null_give_four_stars),
		cmocka_unit_test(
			test_mask_phone_one_star_per_hidden_character),
		cmocka_unit_test(
			test_mask_phone_malformed_or_long_masked_entirely),
		cmocka_unit_test(test_mask_id_documented_example),
		cmocka_unit_test(test_mask_id_15_digit_and_shortest),
		cmocka_unit_test(test_mask_id_empty_null_malformed_long),
		cmocka_unit_test(test_mask_text_keeps_first_three_code_points),
		cmocka_unit_test(test_mask_text_short_never_shown_whole),
		cmocka_unit_test(test_mask_text_empty_and_null_give_empty),
		cmocka_unit_test(test_mask_text_malformed_utf8_masked_entirely),
		cmocka_unit_test(
			test_mask_text_long_input_result_stays_small),
		cmocka_unit_test(test_mask_small_buffer_is_never_overrun),
	};

	return cmocka_run_group_tests_name("core/log", tests, NULL, NULL);
}
