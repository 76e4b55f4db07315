// The syscall audit: counts every system call of one run's process tree, by syscall and ABI, with errors
// by errno, calls a seccomp filter denied, and the values of the arguments a seccomp rule can test; and
// reports the process tree (fork, exec, exit) through a ring buffer.
//
// Compiled at package build (Plugins/BPFCompiler: clang -target bpf -O2 -g) and embedded in the binary;
// nothing is compiled at run time. It reads no kernel structure through BTF relocations (CO-RE would make
// libbpf parse the kernel's 5 MB of BTF at every load, ~16 ms here): only tracepoint arguments, the
// helpers' values, the uapi `struct pt_regs` and one word of thread_info whose offset the loader passes.
//
// Which tasks are ours: `tasks`, keyed by the task_struct pointer (the value of bpf_get_current_task(),
// which sched_process_fork also hands us for the child before it ever runs, so a child is known before
// its first instruction, without reading task_struct). The supervisor's forking thread is the seed: its
// first child after load is the command. A task's entry is armed at its (or an ancestor's) execve, so
// nothing of sandbox's own setup between fork and exec is counted. Each run loads its own instance.
//
// Denied calls: the kernel runs seccomp before the sys_enter tracepoint and skips the tracepoint when the
// filter refuses the call (kernel/entry/common.c, syscall_trace_enter), but sys_exit still fires. So a
// sys_exit whose task did not pass sys_enter for it was denied.

#include <linux/bpf.h>
#include <linux/types.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>

/// Only ever passed to helpers (bpf_get_current_task_btf, bpf_task_storage_get), never read.
struct task_struct;

#include "../include/sandbox_audit_shared.h"

char LICENSE[] SEC("license") = "GPL";

/// Set by the loader before load (sbx_audit_open).
const volatile __u32 compat_offset = 16;
/// The supervisor thread whose next fork is the command; cleared when that fork happened.
volatile __u32 seed_tid = 0;

/// What we know of one thread of ours.
struct task_state {
    __u32 tgid;          // 0 until the thread ran (then from bpf_get_current_pid_tgid)
    __u32 tid;
    __u32 parent_tgid;   // the process that forked it
    __u32 pending;       // nr + 1 of the call that passed sys_enter and has not reached sys_exit
    __u8 armed;          // counted: the thread's process has executed the command (or a later program)
    __u8 fork_return;    // its first sys_exit is the clone returning in the child: not a call of its own
    __u8 abi;            // the ABI of the pending call
    __u8 pad;
    __u32 pad2;
    __u64 cpu_ns;
};

/// Our tasks once they ran: task-local storage, so "is this task ours" is a pointer walk from the
/// task_struct (bpf_task_storage_get), not a hash lookup, and a task's state goes with the task.
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct task_state);
} owned SEC(".maps");

/// Children of ours forked and not yet run, keyed by the task_struct pointer that sched_process_fork
/// hands us: a raw tracepoint's argument is not a BTF pointer, so the child's task storage cannot be
/// created there. The child moves into `owned` at its first event (it runs ret_from_fork's sys_exit
/// first). `newborns` counts the entries, so that other tasks skip the lookup when there are none.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    // Allocated at fork: preallocating 8192 elements cost ~1 ms at every load.
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u64);
    __type(value, struct task_state);
} tasks SEC(".maps");

__s64 newborns SEC(".data") = 0;

// Blocks of SBX_AUDIT_BLOCK numbers: a per-CPU array allocates each entry on its own, and 3072 entries
// of one counter each took 4 ms to create, 12 blocks take microseconds.
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SBX_AUDIT_BLOCKS);
    __type(key, __u32);
    __type(value, struct sbx_audit_block);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 2048);
    // Allocated as keys appear: preallocating 2048 per-CPU elements cost 2.5 ms at every load.
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct sbx_audit_errno_key);
    __type(value, __u64);
} errnos SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 2048);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct sbx_audit_arg_key);
    __type(value, __u64);
} args SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SBX_STAT_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} events SEC(".maps");

#define SMALL_EVENT __builtin_offsetof(struct sbx_audit_event, data)

static __always_inline void bump_stat(__u32 which) {
    __u64 *v = bpf_map_lookup_elem(&stats, &which);
    if (v) *v += 1;
}

static __always_inline void bump(void *map, void *key) {
    __u64 *v = bpf_map_lookup_elem(map, key);
    if (v) {
        *v += 1;
        return;
    }
    __u64 one = 1;
    if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) != 0) {
        // Another CPU added the key in between (its own slot); or the table is full.
        v = bpf_map_lookup_elem(map, key);
        if (v) *v += 1; else bump_stat(SBX_STAT_KEYS_LOST);
    }
}

static __always_inline struct sbx_audit_event *small_event(__u32 kind, struct task_state *t) {
    struct sbx_audit_event *e = bpf_ringbuf_reserve(&events, SMALL_EVENT, 0);
    if (!e) {
        bump_stat(SBX_STAT_EVENTS_DROPPED);
        return 0;
    }
    e->kind = kind;
    e->tid = t->tid;
    e->tgid = t->tgid;
    e->parent_tgid = t->parent_tgid;
    e->time_ns = bpf_ktime_get_ns();
    e->cpu_ns = t->cpu_ns;
    e->value = 0;
    e->length = 0;
    e->argc = 0;
    e->truncated = 0;
    return e;
}

/// A child of ours at its first event: from the newborns' table into its task storage, with its ids,
/// and into the tree when it is a process. Returns 1 when it was one. A global function (verified once
/// on its own): inlined in ours(), every program's rest was verified along both of ours()'s paths.
__attribute__((noinline)) int adopt(void) {
    struct task_struct *current = bpf_get_current_task_btf();
    __u64 task = (__u64)current;
    struct task_state *born = bpf_map_lookup_elem(&tasks, &task);
    if (!born) return 0;
    struct task_state *t = bpf_task_storage_get(&owned, current, born, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!t) {
        bump_stat(SBX_STAT_TASKS_LOST);
        return 0;
    }
    if (bpf_map_delete_elem(&tasks, &task) == 0) __sync_fetch_and_add(&newborns, -1);
    // Now we know its ids. A new process (not a thread) goes into the tree.
    __u64 id = bpf_get_current_pid_tgid();
    t->tgid = id >> 32;
    t->tid = (__u32)id;
    if (t->tgid == t->tid) {
        struct sbx_audit_event *e = small_event(SBX_EV_FORK, t);
        if (e) bpf_ringbuf_submit(e, 0);
    }
    return 1;
}

/// The state of the current thread, or NULL when it is not ours: the first thing every program does,
/// and all that it does for every other task on the machine (a task-storage lookup that finds nothing,
/// and a look at `newborns`).
static __always_inline struct task_state *ours(void) {
    struct task_state *t = bpf_task_storage_get(&owned, bpf_get_current_task_btf(), 0, 0);
    if (t) return t;
    if (newborns == 0 || !adopt()) return 0;
    return bpf_task_storage_get(&owned, bpf_get_current_task_btf(), 0, 0);
}

/// TS_COMPAT in thread_info.status: the kernel's own test for an i386 call (in_ia32_syscall), true for
/// `int 0x80` from a 64-bit process too, where the code segment says nothing.
static __always_inline __u32 abi_of(long nr) {
    if (nr & 0x40000000) return SBX_ABI_X32;
    // A plain load through the BTF pointer (the verifier checks it against the kernel's task_struct;
    // compat_offset is a constant of the frozen .rodata to it), not a bpf_probe_read_kernel call.
    __u32 status = *(volatile __u32 *)((char *)bpf_get_current_task_btf() + compat_offset);
    return (status & 0x0002 /* TS_COMPAT */) ? SBX_ABI_I386 : SBX_ABI_X86_64;
}

static __always_inline struct sbx_audit_count *counter(long nr, __u32 abi) {
    __u32 n = (__u32)nr & (SBX_AUDIT_MAX_NR - 1);
    __u32 index = abi * (SBX_AUDIT_MAX_NR / SBX_AUDIT_BLOCK) + n / SBX_AUDIT_BLOCK;
    struct sbx_audit_block *block = bpf_map_lookup_elem(&counts, &index);
    return block ? &block->count[n % SBX_AUDIT_BLOCK] : 0;
}

/// The syscall's arguments from the saved user registers, in the ABI's order.
static __always_inline void read_args(struct pt_regs *regs, __u32 abi, __u64 a[4]) {
    struct pt_regs r;
    bpf_probe_read_kernel(&r, sizeof r, regs);
    if (abi == SBX_ABI_I386) {
        a[0] = (__u32)r.rbx; a[1] = (__u32)r.rcx; a[2] = (__u32)r.rdx; a[3] = (__u32)r.rsi;
    } else {
        a[0] = r.rdi; a[1] = r.rsi; a[2] = r.rdx; a[3] = r.r10;
    }
}

/// One copy of the table update for every argument (global: verified once, called from each case).
__attribute__((noinline)) int count_arg(long nr, __u32 abi, __u32 arg, __u64 value) {
    struct sbx_audit_arg_key key = {.nr = (__u16)nr, .abi = (__u16)abi, .arg = arg, .value = value};
    bump(&args, &key);
    return 0;
}

int count_args(__u64 regs_address, long nr, __u32 abi, int which);

/// The argument values of the calls a seccomp rule can test. A global function (scalars in, verified
/// once on its own): inlined into sys_enter, its paths multiplied the verifier's work by ten.
__attribute__((noinline)) int record_args(__u64 regs_address, long nr, __u32 abi) {
    // x86_64 and i386 numbers of: socket, socketpair, ioctl, clone, clone3, unshare, setns, prctl,
    // personality, mmap (i386: mmap2), mprotect, pkey_mprotect, fcntl (i386: fcntl and fcntl64).
    int which;
    if (abi == SBX_ABI_X86_64) {
        switch (nr) {
        case 41: case 53: which = 1; break;
        case 16: which = 2; break;
        case 56: which = 3; break;
        case 435: which = 4; break;
        case 272: case 308: which = 5; break;
        case 157: which = 6; break;
        case 135: which = 7; break;
        case 9: case 10: case 329: which = 8; break;
        case 72: which = 9; break;
        default: return 0;
        }
    } else if (abi == SBX_ABI_I386) {
        switch (nr) {
        case 359: case 360: which = 1; break;
        case 54: which = 2; break;
        case 120: which = 3; break;
        case 435: which = 4; break;
        case 310: case 346: which = 5; break;
        case 172: which = 6; break;
        case 136: which = 7; break;
        case 192: case 125: case 380: which = 8; break;
        case 55: case 221: which = 9; break;
        default: return 0;
        }
    } else {
        return 0;
    }
    return count_args(regs_address, nr, abi, which);
}

/// The values of case `which` of record_args. On its own (a global function, verified once with
/// `which` unknown) rather than after record_args's switch, which verified it once per case.
__attribute__((noinline)) int count_args(__u64 regs_address, long nr, __u32 abi, int which) {
    struct pt_regs *regs = (struct pt_regs *)regs_address;
    __u64 a[4];
    read_args(regs, abi, a);
    // i386's clone takes (flags, stack, parent_tid, tls, child_tid) like x86_64: flags first.
    switch (which) {
    case 1:
        count_arg(nr, abi, SBX_ARG_FAMILY, a[0]);
        count_arg(nr, abi, SBX_ARG_TYPE, a[1] & ~(__u64)(04000 /* SOCK_NONBLOCK */ | 02000000 /* SOCK_CLOEXEC */));
        break;
    case 2: count_arg(nr, abi, SBX_ARG_REQUEST, abi == SBX_ABI_I386 ? (__u32)a[1] : a[1]); break;
    case 3: count_arg(nr, abi, SBX_ARG_FLAGS, a[0]); break;
    case 4: {
        // clone3: flags are the first field of struct clone_args, in the caller's memory.
        __u64 flags = 0;
        if (bpf_probe_read_user(&flags, sizeof flags, (void *)a[0]) == 0) count_arg(nr, abi, SBX_ARG_FLAGS, flags);
        break;
    }
    case 5: count_arg(nr, abi, SBX_ARG_FLAGS, nr == 308 || nr == 346 ? a[1] : a[0]); break;
    case 6: count_arg(nr, abi, SBX_ARG_OPTION, a[0]); break;
    case 7: count_arg(nr, abi, SBX_ARG_PERSONA, a[0]); break;
    case 8: {
        // mmap(addr, len, prot, …), mprotect(addr, len, prot), pkey_mprotect(addr, len, prot, pkey).
        count_arg(nr, abi, SBX_ARG_WRITE_EXEC, (a[2] & 6) == 6);
        break;
    }
    case 9: count_arg(nr, abi, SBX_ARG_COMMAND, a[1]); break;
    }
    return 0;
}

static __always_inline int is_execve(long nr, __u32 abi) {
    return abi == SBX_ABI_X86_64 ? (nr == 59 || nr == 322) : abi == SBX_ABI_I386 ? (nr == 11 || nr == 358) : 0;
}

static __always_inline int is_exit(long nr, __u32 abi) {
    return abi == SBX_ABI_X86_64 ? (nr == 60 || nr == 231) : abi == SBX_ABI_I386 ? (nr == 1 || nr == 252) : 0;
}

/// Where an exec event is put together before it goes into the ring buffer (one per CPU; a program runs
/// to its end on one CPU).
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sbx_audit_event);
} scratch SEC(".maps");

struct argv_walk {
    __u64 argv;   // the user's argv
    __u64 step;   // 8, or 4 for i386
    __u64 mask;
};

/// One argument of argv into the scratch event (whose `length` is the bytes of data used so far).
/// A global function: verified once, on its own, with unknown scalars; inlined into the bpf_loop
/// callback, its branches made the verifier walk the callback ~1000 instructions deep.
__attribute__((noinline)) int argv_one(__u64 i, __u64 argv, __u64 step, __u64 mask) {
    __u32 zero = 0;
    struct sbx_audit_event *e = bpf_map_lookup_elem(&scratch, &zero);
    if (!e) return 1;
    __u64 p = 0;
    if (bpf_probe_read_user(&p, sizeof p, (void *)(argv + step * i)) != 0) return 1;
    p &= mask;
    if (p == 0) return 1;
    __u32 used = e->length;
    if (i >= SBX_AUDIT_ARGV_MAX || used >= SBX_AUDIT_ARGV_BYTES - 1) {
        e->truncated = 1;
        return 1;
    }
    // At most 128 bytes per argument; `data` has 128 bytes of slack past the limit so that the
    // verifier sees every read in bounds.
    __u32 room = SBX_AUDIT_ARGV_BYTES - used;
    if (room > 128) room = 128;
    long n = bpf_probe_read_user_str(e->data + used, room, (void *)p);
    if (n <= 0) return 1;
    e->length = used + (__u32)n;
    e->argc = i + 1;
    return 0;
}

static long argv_step(__u64 i, void *context) {
    struct argv_walk *w = context;
    long stop = argv_one(i, w->argv, w->step, w->mask);
    // The verifier wants a callback's value in [0, 1] and does not know a global function's: keep the
    // mask, which clang would drop (it knows argv_one returns 0 or 1).
    asm volatile("" : "+r"(stop));
    return stop & 1;
}

/// The file name and argv an execve asks for, read from the caller's memory before the kernel replaces it.
/// A global function (scalars in, `ids` = tgid << 32 | tid): verified once on its own.
__attribute__((noinline)) int record_exec(__u64 ids, __u32 parent_tgid, __u64 regs_address, long nr, __u32 abi) {
    struct pt_regs *regs = (struct pt_regs *)regs_address;
    __u64 a[4];
    read_args(regs, abi, a);
    int at = (nr == 322 || nr == 358);  // execveat(dirfd, path, argv, envp, flags)
    __u32 zero = 0;
    struct sbx_audit_event *e = bpf_map_lookup_elem(&scratch, &zero);
    if (!e) return 0;
    e->kind = SBX_EV_EXEC_ARGS;
    e->tid = (__u32)ids;
    e->tgid = ids >> 32;
    e->parent_tgid = parent_tgid;
    e->time_ns = bpf_ktime_get_ns();
    e->cpu_ns = 0;
    e->value = 0;
    e->argc = 0;
    e->truncated = 0;
    long n = bpf_probe_read_user_str(e->data, 256, (void *)(at ? a[1] : a[0]));
    // argv: pointers of 8 bytes, or 4 for i386 (read as 8 and cut).
    struct argv_walk w = {
        .argv = at ? a[2] : a[1],
        .step = abi == SBX_ABI_I386 ? 4 : 8,
        .mask = abi == SBX_ABI_I386 ? 0xFFFFFFFFULL : ~0ULL,
    };
    e->length = n > 0 ? (__u32)n : 0;
    bpf_loop(SBX_AUDIT_ARGV_MAX + 1, argv_step, &w, 0);
    if (bpf_ringbuf_output(&events, e, sizeof *e, 0) != 0) bump_stat(SBX_STAT_EVENTS_DROPPED);
    return 0;
}

SEC("raw_tracepoint/sys_enter")
int audit_sys_enter(struct bpf_raw_tracepoint_args *ctx) {
    struct task_state *t = ours();
    if (!t) return 0;
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
    long nr = (long)ctx->args[1];
    __u32 abi = abi_of(nr);
    t->pending = (__u32)nr + 1;
    t->abi = abi;
    // execve is recorded before the task is armed: it is what arms it.
    if (is_execve(nr, abi)) record_exec((__u64)t->tgid << 32 | t->tid, t->parent_tgid, (__u64)regs, nr, abi);
    if (!t->armed) return 0;
    if (is_exit(nr, abi)) {
        // exit and exit_group never return, so they never reach sys_exit: counted here.
        struct sbx_audit_count *c = counter(nr, abi);
        if (c) c->calls += 1;
        __u64 a[4];
        read_args(regs, abi, a);
        struct sbx_audit_event *e = small_event(SBX_EV_EXIT_CALL, t);
        if (e) {
            e->value = (__s32)a[0];
            e->length = (nr == 231 || nr == 252);  // exit_group
            bpf_ringbuf_submit(e, 0);
        }
        return 0;
    }
    return 0;
}

SEC("raw_tracepoint/sys_exit")
int audit_sys_exit(struct bpf_raw_tracepoint_args *ctx) {
    struct task_state *t = ours();
    if (!t) return 0;
    __u32 pending = t->pending;
    t->pending = 0;
    if (t->fork_return) {
        // The clone, fork or vfork returning 0 in the new task: the parent's call, counted there.
        t->fork_return = 0;
        return 0;
    }
    if (!t->armed) return 0;
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
    long ret = (long)ctx->args[1];
    // sys_exit always follows its own call's sys_enter, when there was one (pending is cleared at every
    // exit): then the number is the pending one. Otherwise the filter refused the call, and the number
    // is still in the saved orig_rax.
    long nr;
    __u32 abi;
    int denied = 0;
    if (pending != 0) {
        nr = (long)pending - 1;
        abi = t->abi;
    } else {
        nr = -1;
        bpf_probe_read_kernel(&nr, sizeof nr, &regs->orig_rax);
        if (nr < 0) return 0;
        abi = abi_of(nr);
        denied = 1;
    }
    struct sbx_audit_count *c = counter(nr, abi);
    if (!c) return 0;
    c->calls += 1;
    // -4095..-1 is an error; anything else is a value (mmap's addresses are "negative" longs on i386).
    if (abi == SBX_ABI_I386) ret = (int)ret;
    if (ret < 0 && ret >= -4095) {
        c->errors += 1;
        struct sbx_audit_errno_key key = {.nr = (__u16)nr, .abi = (__u16)abi, .err = (__u32)-ret};
        bump(&errnos, &key);
    }
    if (denied) c->denied += 1;
    // Arguments here rather than at sys_enter, so that denied calls have theirs too: the saved user
    // registers are as the caller left them (only rax carries the result).
    record_args((__u64)regs, nr, abi);
    return 0;
}

SEC("raw_tracepoint/sched_process_fork")
int audit_fork(struct bpf_raw_tracepoint_args *ctx) {
    __u64 child = ctx->args[1];
    struct task_state fresh = {.fork_return = 1};
    __u64 id = bpf_get_current_pid_tgid();
    if (seed_tid != 0 && (__u32)id == seed_tid) {
        // The supervisor's fork of the command: not armed until the command's execve.
        seed_tid = 0;
        fresh.parent_tgid = id >> 32;
    } else {
        struct task_state *parent = ours();
        if (!parent) return 0;
        fresh.parent_tgid = id >> 32;
        fresh.armed = parent->armed;
    }
    if (bpf_map_update_elem(&tasks, &child, &fresh, BPF_NOEXIST) == 0) __sync_fetch_and_add(&newborns, 1);
    else bump_stat(SBX_STAT_TASKS_LOST);
    return 0;
}

SEC("raw_tracepoint/sched_process_exec")
int audit_exec(struct bpf_raw_tracepoint_args *ctx) {
    struct task_state *t = ours();
    if (!t) return 0;
    t->armed = 1;
    struct sbx_audit_event *e = small_event(SBX_EV_EXEC, t);
    if (e) bpf_ringbuf_submit(e, 0);
    return 0;
}

SEC("raw_tracepoint/sched_stat_runtime")
int audit_runtime(struct bpf_raw_tracepoint_args *ctx) {
    // Only the current task's runtime: the argument is not a BTF pointer, so another task's storage
    // cannot be reached (an update made from another CPU, at a remote wake-up, is missed).
    if (ctx->args[0] != bpf_get_current_task()) return 0;
    struct task_state *t = bpf_task_storage_get(&owned, bpf_get_current_task_btf(), 0, 0);
    if (t) t->cpu_ns += ctx->args[1];
    return 0;
}

SEC("raw_tracepoint/signal_deliver")
int audit_signal(struct bpf_raw_tracepoint_args *ctx) {
    struct task_state *t = ours();
    if (!t) return 0;
    int sig = (int)ctx->args[0];
    // Only a signal whose action is the default and whose default ends the process: the first of struct
    // k_sigaction is sa_handler (SIG_DFL = 0). SIGKILL also comes here when a sibling thread exits the group.
    __u64 handler = 1;
    bpf_probe_read_kernel(&handler, sizeof handler, (void *)ctx->args[2]);
    const __u64 fatal = (1ULL << 1) | (1ULL << 2) | (1ULL << 3) | (1ULL << 4) | (1ULL << 5) | (1ULL << 6) | (1ULL << 7) |
                        (1ULL << 8) | (1ULL << 9) | (1ULL << 10) | (1ULL << 11) | (1ULL << 12) | (1ULL << 13) |
                        (1ULL << 14) | (1ULL << 15) | (1ULL << 16) | (1ULL << 24) | (1ULL << 25) | (1ULL << 26) |
                        (1ULL << 27) | (1ULL << 29) | (1ULL << 30) | (1ULL << 31);
    if (sig <= 0 || sig > 63) return 0;
    if (sig != 9 && (handler != 0 || !(fatal & (1ULL << sig)))) return 0;
    struct sbx_audit_event *e = small_event(SBX_EV_SIGNAL, t);
    if (e) {
        e->value = sig;
        bpf_ringbuf_submit(e, 0);
    }
    return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int audit_task_exit(struct bpf_raw_tracepoint_args *ctx) {
    struct task_state *t = ours();
    if (!t) return 0;
    // One event per thread: the supervisor ends a process at its last thread's and adds up their CPU.
    struct sbx_audit_event *e = small_event(SBX_EV_TASK_EXIT, t);
    if (e) bpf_ringbuf_submit(e, 0);
    // Its storage goes with the task_struct; forget it now anyway, in its last event.
    bpf_task_storage_delete(&owned, bpf_get_current_task_btf());
    return 0;
}
