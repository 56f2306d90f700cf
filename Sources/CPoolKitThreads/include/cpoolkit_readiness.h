#ifndef CPOOLKIT_READINESS_H
#define CPOOLKIT_READINESS_H

#include <stdint.h>

/// A readiness poller (Linux epoll): one thread waits in `cpoolkit_readiness_wait` while any
/// thread arms descriptors with `cpoolkit_readiness_arm`. Each arming reports at most one event
/// (one-shot), which carries the descriptor number back.

/// Whether this platform has the poller (1) or not (0); the other calls fail with ENOSYS without it.
int cpoolkit_readiness_supported(void);

/// A new poller's descriptor, or -1 with errno set.
int cpoolkit_readiness_create(void);

/// Arms `descriptor` for one report: when it can be read (`writable` 0) or written (`writable`
/// 1), or when it hangs up or fails. Returns 0, or an errno value.
int cpoolkit_readiness_arm(int poller, int descriptor, int writable);

/// Waits up to `timeout_ms` (-1: no limit) for reports; stores up to `capacity` descriptors
/// in `descriptors`. Returns how many, 0 on timeout, or -1 with errno set (EINTR included).
int cpoolkit_readiness_wait(int poller, int32_t *descriptors, int capacity, int timeout_ms);

#endif
