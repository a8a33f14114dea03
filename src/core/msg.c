/* msg.c - lookup and formatting for the message catalog (msg_zh.def). */
#include "msg.h"

#include <stdio.h>
#include <string.h>

static const char *const msg_text[MSG__N] = {
#define MSG(id, text) [id] = text,
#include "msg_zh.def"
#undef MSG
};

static const char *const msg_names[MSG__N] = {
#define MSG(id, text) [id] = #id,
#include "msg_zh.def"
#undef MSG
};

const char *msg(enum msg_id id)
{
	if ((unsigned)id >= MSG__N)
		return "";
	return msg_text[id];
}

const char *msg_name(enum msg_id id)
{
	if ((unsigned)id >= MSG__N)
		return "MSG_?";
	return msg_names[id];
}

char *msg_format(char *buf, size_t n, enum msg_id id, int arg)
{
	const char *t = msg(id);
	const char *p = strstr(t, "%d");

	if (n == 0)
		return buf;
	if (!p) {
		snprintf(buf, n, "%s", t);
		return buf;
	}
	/* Only "%d" is supported; split around it rather than passing a
	 * catalog string as a format (keeps -Wformat-nonliteral quiet and
	 * stray '%' in a text harmless). */
	snprintf(buf, n, "%.*s%d%s", (int)(p - t), t, arg, p + 2);
	return buf;
}
