// The layout shared by the BPF program (bpf/audit.bpf.c, compiled with clang -target bpf at package build)
// and the supervisor (audit.c, the Swift side): map keys and values and the ring-buffer events. Plain
// fixed-width C types only, the same on both sides.

#ifndef SANDBOX_AUDIT_SHARED_H
#define SANDBOX_AUDIT_SHARED_H

#include <linux/types.h>

/// ABIs, the second index of the counters. i386 is `int 0x80` (or a 32-bit process), x32 the x86_64
/// numbers with bit 30 set.
enum sbx_audit_abi { SBX_ABI_X86_64 = 0, SBX_ABI_I386 = 1, SBX_ABI_X32 = 2, SBX_ABI_COUNT = 3 };

/// Syscall numbers per ABI below this (x86_64 has ~470, i386 ~470; x32's own start at 512).
#define SBX_AUDIT_MAX_NR 1024

/// Per-CPU counters of one (nr, abi).
struct sbx_audit_count {
    __u64 calls;   // every call, denied ones included
    __u64 errors;  // calls that returned -errno (denied ones included)
    __u64 denied;  // calls that reached sys_exit without sys_enter: refused by a seccomp filter
};

/// The counters are kept in blocks of numbers (one per-CPU array entry each):
/// entry abi * (MAX_NR / BLOCK) + nr / BLOCK, slot nr % BLOCK.
#define SBX_AUDIT_BLOCK 256
#define SBX_AUDIT_BLOCKS (SBX_ABI_COUNT * SBX_AUDIT_MAX_NR / SBX_AUDIT_BLOCK)

struct sbx_audit_block {
    struct sbx_audit_count count[SBX_AUDIT_BLOCK];
};

/// Errno histogram key.
struct sbx_audit_errno_key {
    __u16 nr;
    __u16 abi;
    __u32 err;
};

/// Argument value key: `arg` says which argument (enum sbx_audit_arg), `value` its (reduced) value.
struct sbx_audit_arg_key {
    __u16 nr;
    __u16 abi;
    __u32 arg;
    __u64 value;
};

enum sbx_audit_arg {
    SBX_ARG_FAMILY = 1,   // socket, socketpair: address family
    SBX_ARG_TYPE,         // socket, socketpair: type without SOCK_NONBLOCK | SOCK_CLOEXEC
    SBX_ARG_REQUEST,      // ioctl
    SBX_ARG_FLAGS,        // clone, clone3, unshare, setns (nstype)
    SBX_ARG_OPTION,       // prctl
    SBX_ARG_PERSONA,      // personality
    SBX_ARG_WRITE_EXEC,   // mmap, mprotect, pkey_mprotect: 1 when PROT_WRITE | PROT_EXEC together, else 0
    SBX_ARG_COMMAND,      // fcntl
};

/// Global statistics (a per-CPU array, index enum sbx_audit_stat).
enum sbx_audit_stat {
    SBX_STAT_EVENTS_DROPPED = 0,  // ring buffer full: a process-tree event was lost
    SBX_STAT_TASKS_LOST,          // the task table was full: a new task of ours was not followed
    SBX_STAT_KEYS_LOST,           // an errno or argument table was full
    SBX_STAT_COUNT,
};

/// Ring-buffer events (the process tree).
enum sbx_audit_event_kind {
    SBX_EV_FORK = 1,    // a new process (not a thread) of ours ran for the first time
    SBX_EV_EXEC_ARGS,   // execve/execveat entered: the file name and argv as asked
    SBX_EV_EXEC,        // the exec succeeded (sched_process_exec)
    SBX_EV_EXIT_CALL,   // exit or exit_group called: the status
    SBX_EV_SIGNAL,      // a fatal signal with the default action was delivered
    SBX_EV_TASK_EXIT,   // a thread exited (sched_process_exit), with its CPU time
};

#define SBX_AUDIT_ARGV_BYTES 448
#define SBX_AUDIT_ARGV_MAX 16

struct sbx_audit_event {
    __u32 kind;
    __u32 tid;
    __u32 tgid;
    __u32 parent_tgid;   // FORK
    __u64 time_ns;       // CLOCK_MONOTONIC (bpf_ktime_get_ns)
    __u64 cpu_ns;        // TASK_EXIT: the thread's CPU time (sched_stat_runtime)
    __s32 value;         // EXIT_CALL: status; SIGNAL: the signal
    __u32 length;        // EXEC_ARGS: bytes of `data` used; EXIT_CALL: 1 for exit_group
    __u32 argc;          // EXEC_ARGS: arguments copied (argv[0] and on)
    __u32 truncated;     // EXEC_ARGS: 1 when argv went on beyond what was copied
    // EXEC_ARGS: the file name, NUL, then argv[0], NUL, argv[1], NUL, …
    char data[SBX_AUDIT_ARGV_BYTES + 128];  // 128 bytes of slack for the verifier's bounds
};

/// Values the supervisor sets before loading (the program's read-only data).
struct sbx_audit_config {
    __u32 seed_tid;          // the supervisor thread that forks the command (0: none yet, sbx_audit_set_seed)
    __u32 compat_offset;     // offset of thread_info.status in task_struct (TS_COMPAT lives there)
};

#endif
