#ifndef CPOOLKIT_BUILD_INFO_H
#define CPOOLKIT_BUILD_INFO_H

/// The commit poolkit was built from: scripts/release.sh passes it as
/// -Xcc -DPOOLKIT_COMMIT='"<sha>"'; other builds say "unknown".
const char *cpoolkit_build_commit(void);

#endif
