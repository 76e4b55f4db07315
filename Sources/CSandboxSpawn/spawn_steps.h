// Steps of the child that live in their own files (spawn_mounts.c, spawn_landlock.c); called from
// child_main in spawn.c, in its order. Each returns -1 with errno set, and may set *detail.

#ifndef SANDBOX_SPAWN_STEPS_H
#define SANDBOX_SPAWN_STEPS_H

#include "sandbox_spawn.h"

int sbx_step_mounts(const struct sbx_plan *plan, int64_t *detail);
int sbx_step_landlock(const struct sbx_plan *plan, int64_t *detail);

#endif
