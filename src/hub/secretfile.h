/*
 * secretfile.h - a shared secret kept in a file of its own: one line of
 * printable ASCII, in a regular file (never followed through a link) that
 * others may not read. The SMS gateway's key secret ([sms] secret_file,
 * sms_gw.c) and the tax platform's app secret ([taxplat] secret_file,
 * taxplat.c; and ca-taxsim's --secret-file) are read through it, so the
 * rule and its messages are one.
 */
#ifndef HUB_SECRETFILE_H
#define HUB_SECRETFILE_H

#include <stddef.h>

#include "core/err.h"

/*
 * Read the secret in path into out (size n, wiped on failure): the file's
 * first line, min..max printable characters (no space), a newline after
 * it optional. what names the setting in messages ("[sms] secret_file").
 * CA_ERR_IO when the file cannot be read or is not a regular file;
 * CA_ERR_CONFIG when others may read it (mode & 0007) or it holds no such
 * secret; the reason in err (size errlen). max must be below n.
 */
ca_err secretfile_read(const char *what, const char *path, size_t min, size_t max, char *out,
		       size_t n, char *err, size_t errlen);

#endif
