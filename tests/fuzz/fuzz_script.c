/*
 * fuzz_script.c - libFuzzer target: the flow-script parser on arbitrary
 * bytes. Property: never crashes; fails only with CA_ERR_INVALID or
 * CA_ERR_TOO_LONG, leaving no commands and a terminated, valid UTF-8
 * message; on success every command keeps the invariants of script.h
 * (line numbers rise, strings are valid UTF-8 inside the text store, shot
 * names are plain *.png names, numbers are in range).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "flow/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct script s;
	static char err[SCRIPT_ERR_MAX];
	size_t i, chars;
	int last = 0;
	ca_err e;

	e = script_parse(&s, "fuzz.flow", (const char *)data, size, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL || !utf8_count(err, &chars))
		abort();
	if (e != CA_OK) {
		if ((e != CA_ERR_INVALID && e != CA_ERR_TOO_LONG) || s.n != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	if (s.n > SCRIPT_CMDS_MAX || s.used > sizeof(s.text))
		abort();
	for (i = 0; i < s.n; i++) {
		const struct script_cmd *c = &s.cmds[i];
		const char *arg, *src;

		if (c->line <= last || c->src >= s.used || c->arg >= s.used)
			abort();
		last = c->line;
		arg = script_arg(&s, c);
		src = script_src(&s, c);
		if (!utf8_count(arg, &chars) || !utf8_count(src, &chars) ||
		    strlen(arg) > SCRIPT_STR_MAX || strlen(src) > SCRIPT_LINE_MAX)
			abort();
		switch (c->op) {
		case SCRIPT_TAP_LABEL:
		case SCRIPT_TYPE:
		case SCRIPT_EXPECT:
		case SCRIPT_EXPECT_NOT:
			if (arg[0] == '\0')
				abort();
			break;
		case SCRIPT_TAP_ID:
			if (arg[0] == '\0' || strlen(arg) > SCRIPT_ID_MAX)
				abort();
			break;
		case SCRIPT_TAP_XY:
			if (c->x < 0 || c->y < 0 || c->x > SCRIPT_XY_MAX || c->y > SCRIPT_XY_MAX)
				abort();
			break;
		case SCRIPT_PINYIN:
			if (c->cand < 1 || c->cand > SCRIPT_CAND_MAX ||
			    strspn(arg, "abcdefghijklmnopqrstuvwxyz'") != strlen(arg))
				abort();
			break;
		case SCRIPT_WAIT:
			if (c->ms < 0 || c->ms > SCRIPT_WAIT_MAX_MS)
				abort();
			break;
		case SCRIPT_ADVANCE:
			if (c->secs < 0 || c->secs > SCRIPT_ADVANCE_MAX_S)
				abort();
			break;
		case SCRIPT_SHOT:
			if (strchr(arg, '/') || strstr(arg, "..") || strlen(arg) < 5 ||
			    strcmp(arg + strlen(arg) - 4, ".png") != 0)
				abort();
			break;
		case SCRIPT_SYNC:
			break;
		default:
			abort();
		}
	}
	return 0;
}
