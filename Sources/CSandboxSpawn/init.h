// The PID namespace's init (init.c), private to CSandboxSpawn.

#ifndef SANDBOX_INIT_H
#define SANDBOX_INIT_H

#include "sandbox_spawn.h"

/// Writes the failure record for `step` to the error pipe and `_exit`s (spawn.c).
void sbx_fail(const struct sbx_plan *plan, int step, int64_t detail) __attribute__((noreturn));

/// Called by PID 1 of a new PID namespace once the namespace-wide steps are done: starts the command,
/// which runs `command` (with the signal mask cleared; it never returns), and stays in the init's loop
/// without returning. -1 with errno set when the command could not be started.
int sbx_init_start(const struct sbx_plan *plan, void (*command)(const struct sbx_plan *));

#endif
