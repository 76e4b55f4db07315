// The PID namespace's init (init.c), private to CSandboxSpawn.

#ifndef SANDBOX_INIT_H
#define SANDBOX_INIT_H

#include "sandbox_spawn.h"

/// Writes the failure record for `step` to the error pipe and `_exit`s (spawn.c).
void sbx_fail(const struct sbx_plan *plan, int step, int64_t detail) __attribute__((noreturn));

/// Called by PID 1 of a new PID namespace once the namespace-wide steps are done: forks the command and
/// returns 0 in it (with the signal mask cleared); the init itself stays in its loop and never returns.
/// -1 with errno set when the fork failed.
int sbx_init_start(const struct sbx_plan *plan);

#endif
