// Between fork and exec (see spawn.c): the Landlock ruleset. Only system calls: the rights are masked to
// the kernel's ABI and to each inode's type by the parent (Policy/LandlockRuleset.swift), which also opened
// the O_PATH fds of the rules on the host. With a mount namespace the rules name places of the new view
// (a fresh tmpfs, an empty $HOME) that only exist after step_mounts, so those are opened here, by path.

#define _GNU_SOURCE
#include "sandbox_spawn.h"
#include "spawn_steps.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// The kernel's structures at their current size (the installed <linux/landlock.h> may predate ABI 4 and 6;
// the kernel accepts any size it knows).
struct sbx_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct sbx_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define SBX_LANDLOCK_RULE_PATH_BENEATH 1

int sbx_step_landlock(const struct sbx_plan *plan, int64_t *detail) {
    *detail = -1;
    struct sbx_ruleset_attr attr = {.handled_access_fs = plan->landlock_fs, .scoped = plan->landlock_scoped};
    // Before ABI 6 the struct must not carry `scoped` (the parent sets landlock_scoped to 0 then, and the
    // kernel rejects a larger struct whose extra bytes are not zero, so the full size is always safe).
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0) return -1;
    for (int i = 0; i < plan->landlock_rule_count; i++) {
        const struct sbx_landlock_rule *rule = &plan->landlock_rules[i];
        int fd = rule->fd;
        if (fd < 0) {
            fd = open(rule->path, O_PATH | O_CLOEXEC);
            if (fd < 0) {
                if (rule->optional && errno == ENOENT) continue;
                *detail = i;
                goto failed;
            }
        }
        struct sbx_path_beneath beneath = {.allowed_access = rule->access, .parent_fd = fd};
        long r = syscall(SYS_landlock_add_rule, ruleset, SBX_LANDLOCK_RULE_PATH_BENEATH, &beneath, 0);
        if (rule->fd < 0) { int e = errno; close(fd); errno = e; }
        if (r < 0) {
            *detail = i;
            goto failed;
        }
    }
    // no_new_privs first: without CAP_SYS_ADMIN (an unprivileged caller, no user namespace) the kernel
    // refuses landlock_restrict_self otherwise. It is set again, idempotently, in its own step later.
    if (plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) goto failed;
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) goto failed;
    close(ruleset);
    return 0;
failed:;
    int e = errno;
    close(ruleset);
    errno = e;
    return -1;
}
