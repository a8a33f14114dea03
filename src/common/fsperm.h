/*
 * fsperm.h - private data directories and files, shared by the hub and the
 * kiosk: both keep secrets and personal data in a directory that only
 * their own user may enter.
 *
 * The rule, applied at every start whatever existed before: the directory
 * is a real directory (not a symbolic link), owned by this process's
 * effective user, with no access for group or others; each file named is,
 * if it exists, a regular file (not a link), owned by that user, with no
 * access for group or others. Permissions are only ever taken away, never
 * granted: 0755 becomes 0700, 0644 becomes 0600, 0400 stays 0400. A mode
 * that had to be fixed is logged as a warning; what cannot be fixed (a
 * link, another owner, a failing chmod) is an error with a message that
 * names the path and says what to do.
 *
 * Files are checked by path (lstat + chmod), never opened: opening and
 * closing a SQLite file would drop the process's POSIX locks on it. The
 * directory is secured first, so nobody else can swap a file meanwhile.
 */
#ifndef CA_FSPERM_H
#define CA_FSPERM_H

#include <stddef.h>

#include "core/err.h"

/* Room for an error message of this module. */
#define FSPERM_ERR_MAX 512

/* Create dir and its missing parents (mode 0700; existing ones are left as
 * they are). Returns 0 or an errno value (ENOTDIR when dir is not a
 * directory). */
int fsperm_mkdirs(const char *dir);

/* Create dir if missing, then make it private by the rule above (mode bits
 * beyond 0700 taken away). CA_ERR_IO with err (size errlen) set when it is
 * not or cannot be made so. tag names the module in the warning. */
ca_err fsperm_dir(const char *tag, const char *dir, char *err, size_t errlen);

/* Make path private if it exists (bits beyond 0600 taken away); a missing
 * file is fine. CA_ERR_IO with err set when it cannot be made so. */
ca_err fsperm_file(const char *tag, const char *path, char *err, size_t errlen);

/* fsperm_file on the SQLite database db_path and its -wal and -shm files. */
ca_err fsperm_sqlite(const char *tag, const char *db_path, char *err, size_t errlen);

#endif
