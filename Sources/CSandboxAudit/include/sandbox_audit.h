// The supervisor's side of the syscall audit: load and attach the embedded BPF program (libbpf), drain its
// process-tree events, read its counters once at the end.

#ifndef SANDBOX_AUDIT_H
#define SANDBOX_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox_audit_shared.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SBX_AUDIT_SMALL_EVENT __builtin_offsetof(struct sbx_audit_event, data)

struct sbx_audit;

/// Called for each ring-buffer event while draining (`size` is SBX_AUDIT_SMALL_EVENT or the whole event).
typedef void (*sbx_audit_event_fn)(void *context, const struct sbx_audit_event *event, size_t size);

/// Opens the BPF object in memory (`object`, `length`), sets `config` in its data, loads it and attaches
/// every program. On failure returns -1 with errno set and one line in `why` naming the stage.
int sbx_audit_open(const void *object, size_t length, const struct sbx_audit_config *config,
                   sbx_audit_event_fn on_event, void *context, struct sbx_audit **out, char *why, size_t why_len);

/// Makes thread `tid`'s next fork the command (the program clears it at that fork).
int sbx_audit_set_seed(struct sbx_audit *audit, uint32_t tid);
/// An fd that polls readable when events wait (ring_buffer__epoll_fd).
int sbx_audit_poll_fd(struct sbx_audit *audit);
/// Hands every waiting event to the callback; returns how many, or a negative error.
int sbx_audit_drain(struct sbx_audit *audit);
/// Detaches the programs (the maps stay readable).
void sbx_audit_detach(struct sbx_audit *audit);
/// The counters summed over the CPUs: SBX_ABI_COUNT * SBX_AUDIT_MAX_NR entries, index abi * MAX_NR + nr.
int sbx_audit_read_counts(struct sbx_audit *audit, struct sbx_audit_count *out);
int sbx_audit_read_errnos(struct sbx_audit *audit, void (*fn)(void *, const struct sbx_audit_errno_key *, uint64_t), void *context);
int sbx_audit_read_args(struct sbx_audit *audit, void (*fn)(void *, const struct sbx_audit_arg_key *, uint64_t), void *context);
uint64_t sbx_audit_stat(struct sbx_audit *audit, uint32_t which);
void sbx_audit_close(struct sbx_audit *audit);
/// The calling thread's id (gettid(2)): the seed of sbx_audit_config.
int sbx_audit_gettid(void);

#ifdef __cplusplus
}
#endif

#endif
