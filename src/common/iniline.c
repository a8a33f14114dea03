/* iniline.c - bounded reading of one INI line (see iniline.h). */
#include "iniline.h"

#include <stdbool.h>

enum iniline_res iniline_read(FILE *f, char *str, int num)
{
	size_t cap, len = 0;
	bool too_long = false, nul = false;
	int ch = EOF;

	if (num < 3)
		return INILINE_READ_ERR;
	cap = (size_t)num - 1; /* bytes of the line, newline included */
	while ((ch = getc(f)) != EOF) {
		if (ch == '\0')
			nul = true;
		if (len < cap)
			str[len++] = (char)ch;
		else
			too_long = true;
		if (ch == '\n')
			break;
	}
	if (ch == EOF && ferror(f))
		return INILINE_READ_ERR;
	if (len == 0 && ch == EOF)
		return INILINE_EOF;
	str[len] = '\0';
	if (too_long || nul) {
		str[0] = '\n';
		str[1] = '\0';
		return too_long ? INILINE_TOO_LONG : INILINE_NUL;
	}
	return INILINE_OK;
}
