// Steps of the child that live in their own files (spawn_mounts.c, spawn_landlock.c); called from
// child_main in spawn.c, in its order. Each returns -1 with errno set, and may set *detail.

#ifndef SANDBOX_SPAWN_STEPS_H
#define SANDBOX_SPAWN_STEPS_H

#include "sandbox_spawn.h"

/// What arrives with the parent's go-ahead when namespaces were made ahead (step_ns_sync), in the child.
struct sbx_arrived {
    int net;                            // the network namespace, or -1
    int view;                           // the view's mount namespace, or -1
    int clones[SBX_AHEAD_MAX_FDS];      // for each op from the view's child_first on: a bind source's clone, or -1
};

int sbx_step_mounts(const struct sbx_plan *plan, const struct sbx_arrived *arrived, int64_t *detail);
int sbx_step_landlock(const struct sbx_plan *plan, int64_t *detail);

#endif
