// Kernel probes for the filesystem view (System/KernelFeatures+Landlock.swift, +Mounts.swift): raw system
// calls that glibc 2.36 does not wrap.

#ifndef SANDBOX_FSVIEW_H
#define SANDBOX_FSVIEW_H

/// landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the Landlock ABI version, or -1 with
/// errno (ENOSYS: not built in; EOPNOTSUPP: built in but not enabled at boot).
int sbx_landlock_abi(void);

/// mount_setattr(-1, "", 0, NULL, 0): -1 with ENOSYS when the kernel lacks it (before 5.12), else the
/// error a bad call gets (EBADF/EINVAL), which means it is there.
int sbx_mount_setattr_probe(void);

#endif
