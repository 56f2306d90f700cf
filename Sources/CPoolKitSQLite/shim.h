#ifndef CPOOLKIT_SQLITE_SHIM_H
#define CPOOLKIT_SQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro around a cast Swift cannot import.
static inline void (*cpoolkit_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
static inline void (*cpoolkit_sqlite_static(void))(void *) { return SQLITE_STATIC; }
#endif
