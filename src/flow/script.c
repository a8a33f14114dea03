/*
 * script.c - flow scripts: parser and executor (see script.h, docs/flows.md).
 *
 * The parser works line by line over a byte buffer: check the line's size,
 * bytes and UTF-8; split it into at most a few tokens (bare words and
 * "quoted strings", a '#' at the start of a token begins a comment); then
 * the command's entry in cmd_table checks its arguments and fills one
 * struct script_cmd. Problems are collected, one "FILE:LINE: message" line
 * each, so a script writer sees all of them at once.
 *
 * The executor walks the commands and calls the matching callback; only
 * expect / expect-not have logic of their own (the settle loop).
 */
#include "script.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/msglist.h"
#include "core/utf8.h"

/* Bytes kept free at the end of the error buffer for "N more problems". */
#define ERR_RESERVE 64
/* How much of a bad token a message quotes, in bytes (cut at a character). */
#define QUOTE_MAX 40
/* Tokens looked at on one line: a command takes at most two arguments, so
 * a fourth token is already one too many. */
#define TOK_MAX 4

/* One token of a line. */
struct tok {
	bool quoted;             /* a "string" (val holds it unescaped) */
	const char *raw;         /* the token as written (a string with its quotes) */
	size_t rawlen;           /* its length in bytes */
	char val[SCRIPT_STR_MAX + 1]; /* quoted: the unescaped text, NUL-terminated */
	size_t vlen;             /* quoted: its length in bytes */
};

/* The tokens of one line. */
struct toks {
	struct tok tok[TOK_MAX]; /* the first TOK_MAX tokens */
	int count;               /* how many were found (at most TOK_MAX) */
	size_t start, end;       /* span of the command text, comment excluded */
};

/* State of one parse. */
struct parser {
	struct script *s;   /* where commands go */
	int line;           /* current line number */
	struct msglist errs; /* problems, in the caller's buffer */
	bool stop;          /* a cap was hit: parse no further */
};

/* ---- small helpers ---- */

/* Cut a UTF-8 sequence left incomplete at the end of s (after a truncating
 * snprintf), so messages stay valid UTF-8. */
static void trim_partial(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char lead;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	lead = (unsigned char)s[i - 1];
	if (lead < 0xC0)
		return;
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/* Append src to the string in dst (size n), cutting at a character. */
static void append(char *dst, size_t n, const char *src)
{
	size_t len = strlen(dst), k = strlen(src);

	if (len + 1 >= n)
		return;
	if (k > n - len - 1)
		k = n - len - 1;
	memcpy(dst + len, src, k);
	dst[len + k] = '\0';
	trim_partial(dst);
}

/* Copy at most QUOTE_MAX bytes of a valid UTF-8 span into dst (size n >=
 * QUOTE_MAX + 4), never splitting a character; "..." marks a cut. */
static void quote(char *dst, size_t n, const char *raw, size_t len)
{
	size_t k = len;

	if (k > QUOTE_MAX) {
		k = QUOTE_MAX;
		while (k > 0 && ((unsigned char)raw[k] & 0xC0) == 0x80)
			k--;
	}
	snprintf(dst, n, "%.*s%s", (int)k, raw, k < len ? "..." : "");
}

/* Record one problem at the current line. */
__attribute__((format(printf, 2, 3)))
static void perr(struct parser *p, const char *fmt, ...)
{
	char msg[512], one[SCRIPT_NAME_MAX + 600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	trim_partial(msg);
	snprintf(one, sizeof(one), "%s:%d: %s", p->s->name, p->line, msg);
	trim_partial(one);
	msglist_add(&p->errs, one);
}

/* Say how many problems did not fit, if any. */
static void perr_finish(struct parser *p)
{
	msglist_finish(&p->errs, p->s->name);
	if (p->errs.buf)
		trim_partial(p->errs.buf);
}

/* Parse 1..9 decimal digits of s (length len) into *v. */
static bool parse_uint(const char *s, size_t len, long *v)
{
	long x = 0;
	size_t i;

	if (len == 0 || len > 9)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

/* A unit suffix of a duration and what one of it is worth. */
struct unit {
	const char *suffix; /* "ms", "s", "m" */
	long scale;         /* in the command's base unit */
};

/* Parse digits followed by one of units (NULL-terminated list). */
static bool parse_duration(const char *s, size_t len, const struct unit *units, long *v)
{
	size_t d = 0;
	long x;

	while (d < len && s[d] >= '0' && s[d] <= '9')
		d++;
	if (!parse_uint(s, d, &x))
		return false;
	for (; units->suffix; units++)
		if (strlen(units->suffix) == len - d && memcmp(s + d, units->suffix, len - d) == 0) {
			*v = x * units->scale;
			return true;
		}
	return false;
}

/* ---- tokenizer ---- */

/* Is c a byte no script line may carry (outside a comment)? */
static bool is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* Read the "string" starting at line[*i] into t; false after reporting. */
static bool read_string(struct parser *p, const char *line, size_t n, size_t *i, struct tok *t)
{
	size_t j = *i + 1, o = 0;

	for (;;) {
		unsigned char c;

		if (j >= n) {
			perr(p, "unterminated string (missing closing \")");
			return false;
		}
		c = (unsigned char)line[j];
		if (c == '"') {
			j++;
			break;
		}
		if (c == '\\') {
			unsigned char e = j + 1 < n ? (unsigned char)line[j + 1] : 0;

			if (j + 1 >= n) {
				perr(p, "unterminated string (missing closing \")");
				return false;
			}
			if (e == '"' || e == '\\')
				c = e;
			else if (e == 'n')
				c = '\n';
			else {
				if (e >= 0x21 && e < 0x7F)
					perr(p, "unknown escape \\%c in string (use \\\", \\\\ or \\n)", e);
				else
					perr(p, "unknown escape in string (use \\\", \\\\ or \\n)");
				return false;
			}
			j += 2;
		} else if (is_control(c) || c == '\t') {
			perr(p, "control character in string (write a newline as \\n)");
			return false;
		} else {
			j++;
		}
		if (o >= SCRIPT_STR_MAX) {
			perr(p, "string too long (more than %d bytes)", SCRIPT_STR_MAX);
			return false;
		}
		t->val[o++] = (char)c;
	}
	if (j < n && line[j] != ' ' && line[j] != '\t') {
		perr(p, "unexpected text right after the closing quote (put a space between arguments)");
		return false;
	}
	t->val[o] = '\0';
	t->vlen = o;
	t->quoted = true;
	t->raw = line + *i;
	t->rawlen = j - *i;
	*i = j;
	return true;
}

/* Read the bare word starting at line[*i] into t; false after reporting. */
static bool read_word(struct parser *p, const char *line, size_t n, size_t *i, struct tok *t)
{
	size_t j = *i;
	char q[QUOTE_MAX + 4];

	while (j < n && line[j] != ' ' && line[j] != '\t') {
		if (line[j] == '"') {
			quote(q, sizeof(q), line + *i, j + 1 - *i);
			perr(p, "unexpected '\"' in '%s' (strings start with a quote)", q);
			return false;
		}
		if (is_control((unsigned char)line[j])) {
			perr(p, "control character in line");
			return false;
		}
		j++;
	}
	t->quoted = false;
	t->raw = line + *i;
	t->rawlen = j - *i;
	t->vlen = 0;
	t->val[0] = '\0';
	*i = j;
	return true;
}

/* Split line (n bytes, valid UTF-8) into t. False after reporting. */
static bool tokenize(struct parser *p, const char *line, size_t n, struct toks *t)
{
	size_t i = 0;

	t->count = 0;
	t->start = t->end = 0;
	while (t->count < TOK_MAX) {
		struct tok *k = &t->tok[t->count];

		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= n || line[i] == '#')
			break;
		if (t->count == 0)
			t->start = i;
		if (!(line[i] == '"' ? read_string(p, line, n, &i, k) : read_word(p, line, n, &i, k)))
			return false;
		t->end = i;
		t->count++;
	}
	return true;
}

/* ---- commands ---- */

/* Copy len bytes of str into the script's text, NUL-terminated; the offset
 * goes to *off. False (and parsing stops) when the text is full. */
static bool keep(struct parser *p, const char *str, size_t len, uint32_t *off)
{
	struct script *s = p->s;

	if (len + 1 > sizeof(s->text) - s->used) {
		perr(p, "script too large (more than %d bytes of commands)", SCRIPT_TEXT_MAX);
		p->stop = true;
		return false;
	}
	memcpy(s->text + s->used, str, len);
	s->text[s->used + len] = '\0';
	*off = (uint32_t)s->used;
	s->used += len + 1;
	return true;
}

/* What a command's parser gets: the line's tokens; tok[0] is the command. */
typedef bool (*cmd_parse_fn)(struct parser *p, const struct toks *t, struct script_cmd *c,
			     const char **arg, size_t *arglen);

/* One entry of the command table. */
struct cmd_def {
	const char *name;  /* as written in scripts */
	int nargs;         /* arguments it takes */
	const char *usage; /* shown with argument-count errors */
	cmd_parse_fn parse; /* checks the arguments, fills the command; NULL: the
			     * one argument is a non-empty "string" */
	enum script_op op;  /* the command's op (tap's parse picks one of three) */
};

/* Report unless token k is a non-empty "string"; point *arg at its text. */
static bool want_string(struct parser *p, const struct toks *t, int k, const char **arg,
			size_t *arglen)
{
	const char *cmd = t->tok[0].raw;
	int cmdlen = (int)t->tok[0].rawlen;
	char q[QUOTE_MAX + 4];

	if (!t->tok[k].quoted) {
		quote(q, sizeof(q), t->tok[k].raw, t->tok[k].rawlen);
		perr(p, "%.*s: expected a \"quoted string\", not '%s'", cmdlen, cmd, q);
		return false;
	}
	if (t->tok[k].vlen == 0) {
		perr(p, "%.*s: empty string", cmdlen, cmd);
		return false;
	}
	*arg = t->tok[k].val;
	*arglen = t->tok[k].vlen;
	return true;
}

/* tap "label" | tap @id | tap X,Y */
static bool parse_tap(struct parser *p, const struct toks *t, struct script_cmd *c,
		      const char **arg, size_t *arglen)
{
	const struct tok *a = &t->tok[1];
	const char *comma;
	char q[QUOTE_MAX + 4];
	long x, y;
	if (a->quoted) {
		c->op = SCRIPT_TAP_LABEL;
		return want_string(p, t, 1, arg, arglen);
	}
	quote(q, sizeof(q), a->raw, a->rawlen);
	if (a->raw[0] == '@') {
		/* Any characters the tokenizer lets through: ids are the UI's to
		 * choose ("company", "pickup.1", or a widget's label). */
		if (a->rawlen < 2 || a->rawlen - 1 > SCRIPT_ID_MAX) {
			perr(p, "tap: bad id '%s' (1 to %d bytes after '@')", q, SCRIPT_ID_MAX);
			return false;
		}
		c->op = SCRIPT_TAP_ID;
		*arg = a->raw + 1;
		*arglen = a->rawlen - 1;
		return true;
	}
	comma = memchr(a->raw, ',', a->rawlen);
	if (!comma && !(a->raw[0] >= '0' && a->raw[0] <= '9')) {
		perr(p, "tap: expected \"label\", @id or X,Y, not '%s' (labels go in double quotes)",
		     q);
		return false;
	}
	if (!comma || !parse_uint(a->raw, (size_t)(comma - a->raw), &x) ||
	    !parse_uint(comma + 1, a->rawlen - (size_t)(comma + 1 - a->raw), &y) ||
	    x > SCRIPT_XY_MAX || y > SCRIPT_XY_MAX) {
		perr(p, "tap: bad number in '%s' (expected X,Y in whole pixels, e.g. 540,960)", q);
		return false;
	}
	c->op = SCRIPT_TAP_XY;
	c->x = (int)x;
	c->y = (int)y;
	return true;
}

/* pinyin "letters" N */
static bool parse_pinyin(struct parser *p, const struct toks *t, struct script_cmd *c,
			 const char **arg, size_t *arglen)
{
	const struct tok *n = &t->tok[2];
	char q[QUOTE_MAX + 4];
	long cand;
	size_t i;

	if (!want_string(p, t, 1, arg, arglen))
		return false;
	for (i = 0; i < *arglen; i++)
		if (!(((*arg)[i] >= 'a' && (*arg)[i] <= 'z') || (*arg)[i] == '\'')) {
			quote(q, sizeof(q), t->tok[1].raw, t->tok[1].rawlen);
			perr(p, "pinyin: only lower-case letters a-z and ' in %s", q);
			return false;
		}
	quote(q, sizeof(q), n->raw, n->rawlen);
	if (n->quoted || !parse_uint(n->raw, n->rawlen, &cand) || cand < 1 ||
	    cand > SCRIPT_CAND_MAX) {
		perr(p, "pinyin: bad number '%s' (candidate 1 to %d, 1 = first)", q, SCRIPT_CAND_MAX);
		return false;
	}
	c->op = SCRIPT_PINYIN;
	c->cand = (int)cand;
	return true;
}

/* Read the argument of command name (t's second token), a duration in units,
 * into *v. False after telling "NAME: bad duration 'ARG' (...)": with form
 * (how a duration is written) when it is not one, and with "at most
 * MAX_SHOWN" and max_tail after it when it is over max. */
static bool parse_duration_arg(struct parser *p, const struct toks *t, const char *name,
			       const struct unit *units, const char *form, long max,
			       long max_shown, const char *max_tail, long *v)
{
	const struct tok *a = &t->tok[1];
	char q[QUOTE_MAX + 4];

	quote(q, sizeof(q), a->raw, a->rawlen);
	if (a->quoted || !parse_duration(a->raw, a->rawlen, units, v)) {
		perr(p, "%s: bad duration '%s' (%s)", name, q, form);
		return false;
	}
	if (*v > max) {
		perr(p, "%s: bad duration '%s' (at most %ld%s)", name, q, max_shown, max_tail);
		return false;
	}
	return true;
}

/* wait 2s | wait 500ms, and stall 5s (the UI thread blocks: a hung UI, for
 * the watchdog's tests) with the same durations; c->op says which. */
static bool parse_ms(struct parser *p, const struct toks *t, struct script_cmd *c,
		     const char **arg, size_t *arglen)
{
	static const struct unit units[] = { { "ms", 1 }, { "s", 1000 }, { NULL, 0 } };

	(void)arg;
	(void)arglen;
	return parse_duration_arg(p, t, script_op_name(c->op), units,
				  "a whole number and ms or s, e.g. 500ms, 2s",
				  SCRIPT_WAIT_MAX_MS, SCRIPT_WAIT_MAX_MS / 1000,
				  "s of real time; advance moves the kiosk's clock", &c->ms);
}

/* advance 60s | advance 5m */
static bool parse_advance(struct parser *p, const struct toks *t, struct script_cmd *c,
			  const char **arg, size_t *arglen)
{
	static const struct unit units[] = { { "s", 1 }, { "m", 60 }, { NULL, 0 } };

	(void)arg;
	(void)arglen;
	if (!parse_duration_arg(p, t, "advance", units,
				"a whole number and s or m, e.g. 60s, 5m",
				SCRIPT_ADVANCE_MAX_S, SCRIPT_ADVANCE_MAX_S / 60, "m", &c->secs))
		return false;
	c->op = SCRIPT_ADVANCE;
	return true;
}

/* sync */
static bool parse_sync(struct parser *p, const struct toks *t, struct script_cmd *c,
		       const char **arg, size_t *arglen)
{
	(void)p;
	(void)t;
	(void)arg;
	(void)arglen;
	c->op = SCRIPT_SYNC;
	return true;
}

/* shot NAME.png: a plain file name inside the shots directory. */
static bool parse_shot(struct parser *p, const struct toks *t, struct script_cmd *c,
		       const char **arg, size_t *arglen)
{
	const struct tok *a = &t->tok[1];
	const char *why = NULL;
	char q[QUOTE_MAX + 4];
	size_t i;

	quote(q, sizeof(q), a->raw, a->rawlen);
	if (a->quoted)
		why = "write the name without quotes";
	else if (memchr(a->raw, '/', a->rawlen) || memchr(a->raw, '\\', a->rawlen))
		why = "no '/' or '\\': a file name, not a path";
	else if (memmem(a->raw, a->rawlen, "..", 2))
		why = "no '..'";
	else if (a->rawlen > SCRIPT_SHOT_MAX)
		why = "too long";
	else if (a->rawlen <= 4 || memcmp(a->raw + a->rawlen - 4, ".png", 4) != 0)
		why = "must be NAME.png";
	else if (a->raw[0] == '.' || a->raw[0] == '-')
		why = "must not start with '.' or '-'";
	for (i = 0; !why && i < a->rawlen; i++) {
		char ch = a->raw[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			why = "letters, digits, '_', '-' and '.' only";
	}
	if (why) {
		perr(p, "shot: bad shot name '%s' (%s)", q, why);
		return false;
	}
	c->op = SCRIPT_SHOT;
	*arg = a->raw;
	*arglen = a->rawlen;
	return true;
}

/* The language: one entry per command word. */
static const struct cmd_def cmd_table[] = {
	{ "tap", 1, "tap \"label\" | tap @id | tap X,Y", parse_tap, SCRIPT_TAP_LABEL },
	{ "type", 1, "type \"text\"", NULL, SCRIPT_TYPE },
	{ "pinyin", 2, "pinyin \"letters\" N", parse_pinyin, SCRIPT_PINYIN },
	{ "expect", 1, "expect \"text\"", NULL, SCRIPT_EXPECT },
	{ "expect-not", 1, "expect-not \"text\"", NULL, SCRIPT_EXPECT_NOT },
	{ "wait", 1, "wait 2s | wait 500ms", parse_ms, SCRIPT_WAIT },
	{ "advance", 1, "advance 60s | advance 5m", parse_advance, SCRIPT_ADVANCE },
	{ "sync", 0, "sync", parse_sync, SCRIPT_SYNC },
	{ "shot", 1, "shot NAME.png", parse_shot, SCRIPT_SHOT },
	{ "stall", 1, "stall 5s | stall 500ms", parse_ms, SCRIPT_STALL },
};

/* Names of the ops, indexed by enum script_op. */
static const char *const op_names[SCRIPT_OP__N] = {
	[SCRIPT_TAP_LABEL] = "tap",     [SCRIPT_TAP_ID] = "tap",
	[SCRIPT_TAP_XY] = "tap",        [SCRIPT_TYPE] = "type",
	[SCRIPT_PINYIN] = "pinyin",     [SCRIPT_EXPECT] = "expect",
	[SCRIPT_EXPECT_NOT] = "expect-not", [SCRIPT_WAIT] = "wait",
	[SCRIPT_ADVANCE] = "advance",   [SCRIPT_SYNC] = "sync",
	[SCRIPT_SHOT] = "shot",         [SCRIPT_STALL] = "stall",
};

/* Parse one line (n bytes, no line ending) into the next command. */
static void parse_line(struct parser *p, const char *line, size_t n)
{
	struct toks t; /* about 4 KiB */
	const struct cmd_def *def = NULL;
	struct script_cmd c;
	const char *arg = "";
	size_t arglen = 0, chars, i;
	char q[QUOTE_MAX + 4];

	if (n > SCRIPT_LINE_MAX) {
		perr(p, "line too long (%zu bytes, at most %d)", n, SCRIPT_LINE_MAX);
		return;
	}
	if (memchr(line, '\0', n)) {
		perr(p, "NUL byte in line");
		return;
	}
	if (!utf8_count_n(line, n, &chars)) {
		perr(p, "invalid UTF-8");
		return;
	}
	if (!tokenize(p, line, n, &t) || t.count == 0)
		return;
	if (t.tok[0].quoted) {
		perr(p, "expected a command, not a string");
		return;
	}
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strlen(cmd_table[i].name) == t.tok[0].rawlen &&
		    memcmp(cmd_table[i].name, t.tok[0].raw, t.tok[0].rawlen) == 0)
			def = &cmd_table[i];
	if (!def) {
		quote(q, sizeof(q), t.tok[0].raw, t.tok[0].rawlen);
		perr(p, "unknown command '%s' (commands: tap, type, pinyin, expect, expect-not, "
		     "wait, advance, sync, shot, stall)", q);
		return;
	}
	if (t.count - 1 < def->nargs) {
		perr(p, "%s: missing argument (usage: %s)", def->name, def->usage);
		return;
	}
	if (t.count - 1 > def->nargs) {
		const struct tok *x = &t.tok[def->nargs + 1];

		quote(q, sizeof(q), x->raw, x->rawlen);
		perr(p, "%s: extra argument '%s' (usage: %s)", def->name, q, def->usage);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.line = p->line;
	c.op = def->op;
	if (!(def->parse ? def->parse(p, &t, &c, &arg, &arglen)
			 : want_string(p, &t, 1, &arg, &arglen)))
		return;
	if (p->s->n >= SCRIPT_CMDS_MAX) {
		perr(p, "too many commands (at most %d in one script)", SCRIPT_CMDS_MAX);
		p->stop = true;
		return;
	}
	if (!keep(p, line + t.start, t.end - t.start, &c.src) || !keep(p, arg, arglen, &c.arg))
		return;
	p->s->cmds[p->s->n++] = c;
}

/* ---- public: parsing ---- */

struct script *script_new(void)
{
	return calloc(1, sizeof(struct script));
}

void script_free(struct script *s)
{
	free(s);
}

/* Parse buf line by line: the whole language starts here. */
ca_err script_parse(struct script *s, const char *name, const char *buf, size_t len,
		    char *err, size_t errlen)
{
	struct parser p = { .s = s };
	size_t pos = 0;

	if (!s || (!buf && len))
		return CA_ERR_ARG;
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "<script>");
	trim_partial(s->name);
	s->n = 0;
	s->used = 0;
	msglist_init(&p.errs, err, errlen, ERR_RESERVE);
	if (len > SCRIPT_FILE_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "%s: file too large (more than %d bytes)", s->name,
				 SCRIPT_FILE_MAX);
		return CA_ERR_TOO_LONG;
	}
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3; /* a byte-order mark some editors write */
	while (pos < len && !p.stop) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;

		p.line++;
		if (n > 0 && buf[pos + n - 1] == '\r')
			n--;
		parse_line(&p, buf + pos, n);
		pos = end + 1;
	}
	if (p.errs.n) {
		perr_finish(&p);
		s->n = 0;
		s->used = 0;
		return CA_ERR_INVALID;
	}
	return CA_OK;
}

ca_err script_load(struct script *s, const char *path, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	ca_err e;

	if (!s || !path)
		return CA_ERR_ARG;
	if (err && errlen)
		err[0] = '\0';
	f = fopen(path, "rb");
	if (!f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		e = CA_ERR_IO;
		goto out;
	}
	buf = malloc(SCRIPT_FILE_MAX + 1);
	if (!buf) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	len = fread(buf, 1, SCRIPT_FILE_MAX + 1, f);
	if (ferror(f)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		e = CA_ERR_IO;
		goto out;
	}
	e = script_parse(s, path, buf, len, err, errlen);
out:
	free(buf);
	if (f)
		fclose(f);
	return e;
}

const char *script_arg(const struct script *s, const struct script_cmd *cmd)
{
	return s->text + cmd->arg;
}

const char *script_src(const struct script *s, const struct script_cmd *cmd)
{
	return s->text + cmd->src;
}

const char *script_op_name(enum script_op op)
{
	return (unsigned)op < SCRIPT_OP__N ? op_names[op] : "?";
}

/* ---- executor ---- */

/* Real time in ms: the caller's clock, or the monotonic one. */
static int64_t now_ms(const struct script_ops *ops, void *ctx)
{
	return ops->now_ms ? ops->now_ms(ctx) : ca_mono_ms();
}

/* expect / expect-not: ask until the answer is want, drawing a frame between
 * tries, for the settle time. */
static int run_expect(const struct script_ops *ops, void *ctx, const char *text, bool want,
		      char *why, size_t whylen)
{
	int settle = ops->settle_ms == 0 ? SCRIPT_SETTLE_MS : ops->settle_ms;
	int64_t start = now_ms(ops, ctx), waited = 0;
	char note[SCRIPT_WHY_MAX], shown[64 * 4 + 4], *p;
	bool retried = false;

	for (;;) {
		bool present = !want;

		why[0] = '\0';
		if (ops->expect(ctx, text, &present, why, whylen) != 0) {
			if (!why[0])
				snprintf(why, whylen, "cannot tell what is on screen");
			return 1;
		}
		if (present == want)
			return 0;
		waited = now_ms(ops, ctx) - start;
		if (settle < 0 || !ops->frame || waited >= settle)
			break;
		why[0] = '\0';
		if (ops->frame(ctx, why, whylen) != 0) {
			if (!why[0])
				snprintf(why, whylen, "drawing a frame failed");
			return 1;
		}
		retried = true;
	}
	why[whylen - 1] = '\0';
	snprintf(note, sizeof(note), "%s", why);
	utf8_copy(shown, sizeof(shown), text, 64);
	for (p = shown; (p = strchr(p, '\n')) != NULL;)
		*p = ' '; /* keep the message on one line */
	snprintf(why, whylen, "\"%s\" %s", shown,
		 want ? "is not on screen" : "is still on screen");
	if (retried) {
		char after[32];

		snprintf(after, sizeof(after), " after %lld ms", (long long)waited);
		append(why, whylen, after);
	}
	if (note[0]) {
		append(why, whylen, "; ");
		append(why, whylen, note);
	}
	return 1;
}

/* Run one command; 0 when it held, else non-zero with why filled. */
static int run_one(const struct script *s, const struct script_cmd *c,
		   const struct script_ops *ops, void *ctx, char *why, size_t whylen)
{
	const char *arg = script_arg(s, c);
	bool have;

	switch (c->op) {
	case SCRIPT_TAP_LABEL: have = ops->tap_label != NULL; break;
	case SCRIPT_TAP_ID:    have = ops->tap_id != NULL; break;
	case SCRIPT_TAP_XY:    have = ops->tap_xy != NULL; break;
	case SCRIPT_TYPE:      have = ops->type != NULL; break;
	case SCRIPT_PINYIN:    have = ops->pinyin != NULL; break;
	case SCRIPT_EXPECT:
	case SCRIPT_EXPECT_NOT: have = ops->expect != NULL; break;
	case SCRIPT_WAIT:      have = ops->wait_ms != NULL; break;
	case SCRIPT_ADVANCE:   have = ops->advance_s != NULL; break;
	case SCRIPT_SYNC:      have = ops->sync != NULL; break;
	case SCRIPT_SHOT:      have = ops->shot != NULL; break;
	case SCRIPT_STALL:     have = ops->stall_ms != NULL; break;
	default:               have = false; break;
	}
	if (!have) {
		snprintf(why, whylen, "%s is not supported by this runner", script_op_name(c->op));
		return 1;
	}
	switch (c->op) {
	case SCRIPT_TAP_LABEL:  return ops->tap_label(ctx, arg, why, whylen);
	case SCRIPT_TAP_ID:     return ops->tap_id(ctx, arg, why, whylen);
	case SCRIPT_TAP_XY:     return ops->tap_xy(ctx, c->x, c->y, why, whylen);
	case SCRIPT_TYPE:       return ops->type(ctx, arg, why, whylen);
	case SCRIPT_PINYIN:     return ops->pinyin(ctx, arg, c->cand, why, whylen);
	case SCRIPT_EXPECT:     return run_expect(ops, ctx, arg, true, why, whylen);
	case SCRIPT_EXPECT_NOT: return run_expect(ops, ctx, arg, false, why, whylen);
	case SCRIPT_WAIT:       return ops->wait_ms(ctx, c->ms, why, whylen);
	case SCRIPT_ADVANCE:    return ops->advance_s(ctx, c->secs, why, whylen);
	case SCRIPT_SYNC:       return ops->sync(ctx, why, whylen);
	case SCRIPT_SHOT:       return ops->shot(ctx, arg, why, whylen);
	case SCRIPT_STALL:      return ops->stall_ms(ctx, c->ms, why, whylen);
	default:                return 1;
	}
}

int script_run(const struct script *s, const struct script_ops *ops, void *ctx,
	       char *err, size_t errlen)
{
	char why[SCRIPT_WHY_MAX];
	size_t i;

	if (err && errlen)
		err[0] = '\0';
	for (i = 0; i < s->n; i++) {
		const struct script_cmd *c = &s->cmds[i];
		const char *src = script_src(s, c);

		if (ops->trace)
			ops->trace(ctx, s->name, c->line, src);
		why[0] = '\0';
		if (run_one(s, c, ops, ctx, why, sizeof(why)) == 0)
			continue;
		why[sizeof(why) - 1] = '\0'; /* in case a callback did not terminate it */
		if (!why[0])
			snprintf(why, sizeof(why), "failed");
		trim_partial(why);
		if (err && errlen) {
			snprintf(err, errlen, "%s:%d: `%s`: %s", s->name, c->line, src, why);
			trim_partial(err);
		}
		return c->line;
	}
	return 0;
}

int script_exit_status(ca_err load, int failed_line)
{
	if (load != CA_OK)
		return SCRIPT_EXIT_BAD_SCRIPT;
	return failed_line == 0 ? SCRIPT_EXIT_OK : SCRIPT_EXIT_FAILED;
}

int script_exec_file(const char *path, const struct script_ops *ops, void *ctx,
		     char *err, size_t errlen)
{
	struct script *s = script_new();
	int line = 0;
	ca_err e;

	if (!s) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return SCRIPT_EXIT_BAD_SCRIPT;
	}
	e = script_load(s, path, err, errlen);
	if (e == CA_OK)
		line = script_run(s, ops, ctx, err, errlen);
	else if (e == CA_ERR_NOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", path);
	script_free(s);
	return script_exit_status(e, line);
}
