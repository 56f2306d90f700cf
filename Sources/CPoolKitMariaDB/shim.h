#ifndef CPOOLKIT_MARIADB_SHIM_H
#define CPOOLKIT_MARIADB_SHIM_H
#include <stddef.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

/// mysql_optionsv is variadic; Swift cannot call it directly.
static inline int cpoolkit_mysql_set_int_option(MYSQL *mysql, enum mysql_option option, unsigned int value) {
    return mysql_optionsv(mysql, option, (void *)&value);
}
static inline int cpoolkit_mysql_set_bool_option(MYSQL *mysql, enum mysql_option option, my_bool value) {
    return mysql_optionsv(mysql, option, (void *)&value);
}
static inline int cpoolkit_mysql_set_string_option(MYSQL *mysql, enum mysql_option option, const char *value) {
    return mysql_optionsv(mysql, option, (const void *)value);
}
/// The session's TLS protocol version (e.g. "TLSv1.3"), or NULL when it is not encrypted.
/// mariadb_get_infov is variadic as well.
static inline const char *cpoolkit_mysql_tls_version(MYSQL *mysql) {
    const char *version = NULL;
    if (mysql_get_ssl_cipher(mysql) == NULL) return NULL;
    if (mariadb_get_infov(mysql, MARIADB_CONNECTION_TLS_VERSION, (void *)&version) != 0) return NULL;
    return version;
}
#endif
