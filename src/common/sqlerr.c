/* sqlerr.c - SQLite result codes to ca_err (see sqlerr.h). */
#include "sqlerr.h"

#include <sqlite3.h>

ca_err sqlerr_map(int rc)
{
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
		return CA_ERR_CONFLICT;
	switch (rc & 0xFF) {
	case SQLITE_OK:
		return CA_OK;
	case SQLITE_NOMEM:
		return CA_ERR_NOMEM;
	case SQLITE_TOOBIG:
		return CA_ERR_TOO_LONG;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return CA_ERR_CORRUPT;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_FULL:
		return CA_ERR_IO;
	default:
		return CA_ERR_DB;
	}
}
