#ifndef CPOOLKIT_ZSTD_SHIM_H
#define CPOOLKIT_ZSTD_SHIM_H
#include <zstd.h>
#endif
