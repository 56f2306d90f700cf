#ifndef CPOOLKIT_LIBPQ_SHIM_H
#define CPOOLKIT_LIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
