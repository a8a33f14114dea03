/*
 * msg.h - the message catalog: ids for every user-visible string.
 *
 * The texts live in msg_zh.def, one place for all of them. Code refers to a
 * text by id (MSG_*), never by literal, so that a screen, a validator and a
 * test all agree on the wording.
 */
#ifndef CA_MSG_H
#define CA_MSG_H

#include <stddef.h>

enum msg_id {
#define MSG(id, text) id,
#include "msg_zh.def"
#undef MSG
	MSG__N
};

/* The text of id; "" for MSG_NONE or an id out of range. Borrowed, static. */
const char *msg(enum msg_id id);

/* The symbolic name of id ("MSG_V_REQUIRED"), for tests and logs. */
const char *msg_name(enum msg_id id);

/*
 * Format id with its integer argument (used when the text has %d) into
 * buf of size n. Returns buf; the result is always NUL-terminated.
 */
char *msg_format(char *buf, size_t n, enum msg_id id, int arg);

#endif
