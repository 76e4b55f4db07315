// Steps of the child that live in their own files (spawn_mounts.c, spawn_landlock.c); called from
// child_main in spawn.c, in its order. Each returns -1 with errno set, and may set *detail.

#ifndef SANDBOX_SPAWN_STEPS_H
#define SANDBOX_SPAWN_STEPS_H

#include "sandbox_spawn.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

/// What arrives with the parent's go-ahead when namespaces were made ahead (step_ns_sync), in the child.
struct sbx_arrived {
    int net;                            // the network namespace, or -1
    int view;                           // the view's mount namespace, or -1
    int clones[SBX_AHEAD_MAX_FDS];      // for each op from the view's child_first on: a bind source's clone, or -1
};

/// A system call without glibc's wrapper: its result, or -errno. It writes nothing of the calling thread's
/// (no errno, no cancellation state): the steps that run while the child shares the supervisor's memory
/// and its main thread's thread-local storage, with that thread running (sbx_spawn), use only this.
static inline long sbx_raw(long nr, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#else
    // Elsewhere the child never shares memory (sbx_spawn), so glibc's wrapper will do.
    long ret = syscall(nr, a, b, c, d, e, f);
    return ret < 0 ? -errno : ret;
#endif
}
#define sbx_raw0(nr) sbx_raw((nr), 0, 0, 0, 0, 0, 0)
#define sbx_raw1(nr, a) sbx_raw((nr), (long)(a), 0, 0, 0, 0, 0)
#define sbx_raw2(nr, a, b) sbx_raw((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define sbx_raw3(nr, a, b, c) sbx_raw((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sbx_raw4(nr, a, b, c, d) sbx_raw((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/// The failure record for `step` with error `err`, written with sbx_raw, then exit_group(127).
void sbx_fail_with(const struct sbx_plan *plan, int step, int err, int64_t detail) __attribute__((noreturn));

/// Called by the command just before its seccomp filter, and by the init once the command has exec'd
/// or ended (then it does nothing more): the supervisor's main thread, held since the go-ahead
/// (sbx_spawn_go_ahead), may run again. From here on the command (until its execve) and the init make
/// only sbx_raw calls. Does nothing when the child has memory of its own.
void sbx_spawn_release_parent(void);

int sbx_step_mounts(const struct sbx_plan *plan, const struct sbx_arrived *arrived, int64_t *detail);
int sbx_step_landlock(const struct sbx_plan *plan, int64_t *detail);

#endif
