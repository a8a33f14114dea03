/*
 * iniline.h - one physical line of an INI file, for the fgets-style reader
 * iniload.c gives inih's ini_parse_stream (the kiosk's and the hub's config
 * loaders).
 */
#ifndef CA_INILINE_H
#define CA_INILINE_H

#include <stdio.h>

enum iniline_res {
	INILINE_OK,       /* str holds the line, newline included if there was one */
	INILINE_EOF,      /* nothing left */
	INILINE_READ_ERR, /* the read failed; errno says why */
	INILINE_TOO_LONG, /* over num - 2 bytes: the rest of the line was skipped */
	INILINE_NUL,      /* the line holds a NUL byte */
};

/*
 * Read one line of f into str (size num >= 3), always NUL-terminated. For
 * INILINE_TOO_LONG and INILINE_NUL the whole line has been consumed and
 * str holds an empty line ("\n"), so line numbers stay in step with inih's.
 */
enum iniline_res iniline_read(FILE *f, char *str, int num);

#endif
