/*
 * msglist.h - a bounded list of one-line problem messages in the caller's
 * buffer, as the strict loaders report them (the INI loaders through
 * src/common/iniload.c, the flow scripts in src/flow/script.c): every line
 * that fits, then one closing line counting those that did not.
 */
#ifndef CA_MSGLIST_H
#define CA_MSGLIST_H

#include <stddef.h>

/* The list and the buffer it is written into. */
struct msglist {
	char *buf;      /* caller's buffer (may be NULL: lines are only counted) */
	size_t size;    /* its size */
	size_t used;    /* bytes in it, without the NUL */
	size_t reserve; /* bytes kept free for the closing line */
	int n;          /* lines added */
	int dropped;    /* lines that did not fit */
};

/* Start an empty list in buf (size bytes), reserve bytes kept for the end. */
void msglist_init(struct msglist *m, char *buf, size_t size, size_t reserve);

/* Add one line (no newline in it), or count it when it does not fit. */
void msglist_add(struct msglist *m, const char *line);

/* When lines were dropped, close the list with "NAME: N more problem(s) not
 * shown". */
void msglist_finish(struct msglist *m, const char *name);

#endif
