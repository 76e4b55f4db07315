#define _GNU_SOURCE
#include "sandbox_fsview.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

int sbx_landlock_abi(void) {
    return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* LANDLOCK_CREATE_RULESET_VERSION */);
}

int sbx_mount_setattr_probe(void) {
    if (syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) == 0) return 0;
    return errno == ENOSYS ? -1 : 0;
}
