#include "cpoolkit_build_info.h"

#ifndef POOLKIT_COMMIT
#define POOLKIT_COMMIT "unknown"
#endif

const char *cpoolkit_build_commit(void) { return POOLKIT_COMMIT; }
