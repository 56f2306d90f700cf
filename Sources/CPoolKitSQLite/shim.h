#ifndef CPOOLKIT_SQLITE_SHIM_H
#define CPOOLKIT_SQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro around a cast Swift cannot import.
static inline void (*cpoolkit_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
static inline void (*cpoolkit_sqlite_static(void))(void *) { return SQLITE_STATIC; }

/// sqlite3_db_config is variadic; this calls it for the options that take an int and an int* (e.g.
/// SQLITE_DBCONFIG_ENABLE_TRIGGER): `value` -1 leaves the setting, `current` receives it.
static inline int cpoolkit_sqlite_db_config_flag(sqlite3 *db, int option, int value, int *current) {
    return sqlite3_db_config(db, option, value, current);
}
#endif
