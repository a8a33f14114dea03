/* msglist.c - bounded lists of problem lines (see msglist.h). */
#include "msglist.h"

#include <stdio.h>
#include <string.h>

void msglist_init(struct msglist *m, char *buf, size_t size, size_t reserve)
{
	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->size = buf ? size : 0;
	m->reserve = reserve;
	if (m->size)
		buf[0] = '\0';
}

void msglist_add(struct msglist *m, const char *line)
{
	size_t len = strlen(line), need = len + (m->used ? 1 : 0);

	m->n++;
	if (!m->buf || m->used + need + m->reserve >= m->size) {
		m->dropped++;
		return;
	}
	if (m->used)
		m->buf[m->used++] = '\n';
	memcpy(m->buf + m->used, line, len + 1);
	m->used += len;
}

void msglist_finish(struct msglist *m, const char *name)
{
	if (!m->dropped || !m->buf || m->size <= m->used)
		return;
	snprintf(m->buf + m->used, m->size - m->used, "%s%s: %d more problem%s not shown",
		 m->used ? "\n" : "", name, m->dropped, m->dropped == 1 ? "" : "s");
}
