#ifndef CPOOLKIT_THREADS_H
#define CPOOLKIT_THREADS_H

/// Names the calling thread (as `top -H` and debuggers show it). Linux keeps the first 15
/// bytes. Returns 0 on success, an errno value otherwise.
int cpoolkit_name_current_thread(const char *name);

#endif
