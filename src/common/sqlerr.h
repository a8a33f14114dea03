/*
 * sqlerr.h - SQLite result codes as the project's ca_err, shared by the
 * kiosk's store and the hub's store (the core itself has no SQLite).
 */
#ifndef CA_SQLERR_H
#define CA_SQLERR_H

#include "core/err.h"

/*
 * The project error for a SQLite result code (extended codes accepted):
 * SQLITE_OK -> CA_OK; primary-key or unique violations -> CA_ERR_CONFLICT;
 * NOMEM, TOOBIG, CORRUPT/NOTADB, the I/O family; CA_ERR_DB for the rest,
 * including SQLITE_ROW and SQLITE_DONE, which are errors where a caller
 * expected the other one.
 */
ca_err sqlerr_map(int rc);

#endif
