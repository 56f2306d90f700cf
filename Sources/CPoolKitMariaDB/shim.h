#ifndef CPOOLKIT_MARIADB_SHIM_H
#define CPOOLKIT_MARIADB_SHIM_H
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
#endif
