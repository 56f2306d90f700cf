#include <errno.h>

#include "cpoolkit_readiness.h"

#if defined(__linux__)
#include <sys/epoll.h>

int cpoolkit_readiness_supported(void) { return 1; }

int cpoolkit_readiness_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int cpoolkit_readiness_arm(int poller, int descriptor, int writable) {
    struct epoll_event event;
    event.events = (writable ? EPOLLOUT : 0) | EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    event.data.u64 = (uint64_t)(uint32_t)descriptor;
    // A descriptor is added once and re-armed after each report; the kernel forgets it when the
    // descriptor is closed, so a later connection with the same number is added again.
    if (epoll_ctl(poller, EPOLL_CTL_MOD, descriptor, &event) == 0) return 0;
    if (errno != ENOENT) return errno;
    if (epoll_ctl(poller, EPOLL_CTL_ADD, descriptor, &event) == 0) return 0;
    return errno;
}

int cpoolkit_readiness_wait(int poller, int32_t *descriptors, int capacity, int timeout_ms) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(poller, events, capacity, timeout_ms);
    for (int index = 0; index < count; index++) {
        descriptors[index] = (int32_t)(uint32_t)events[index].data.u64;
    }
    return count;
}

#else

int cpoolkit_readiness_supported(void) { return 0; }
int cpoolkit_readiness_create(void) { errno = ENOSYS; return -1; }
int cpoolkit_readiness_arm(int poller, int descriptor, int writable) { (void)poller; (void)descriptor; (void)writable; return ENOSYS; }
int cpoolkit_readiness_wait(int poller, int32_t *descriptors, int capacity, int timeout_ms) {
    (void)poller; (void)descriptors; (void)capacity; (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

#endif
