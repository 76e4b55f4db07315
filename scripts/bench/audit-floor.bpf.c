// The floor of the eBPF syscall audit (scripts/bench/audit-floor.sh): what merely attaching programs to
// the raw sys_enter / sys_exit tracepoints costs every syscall on the machine, with programs that do
// nothing or only the audit's first step ("is this task ours?", which fails for every other task).
#include <linux/bpf.h>
#include <linux/types.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>

struct task_struct;
char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, __u64);
} owned SEC(".maps");

/// The cgroup v2 id a "cgroup" check compares with (none matches: 0).
const volatile __u64 run_cgroup = 0;

SEC("raw_tracepoint/sys_enter")
int empty_enter(struct bpf_raw_tracepoint_args *ctx) { return 0; }

SEC("raw_tracepoint/sys_exit")
int empty_exit(struct bpf_raw_tracepoint_args *ctx) { return 0; }

SEC("raw_tracepoint/sys_enter")
int storage_enter(struct bpf_raw_tracepoint_args *ctx) {
    __u64 *t = bpf_task_storage_get(&owned, bpf_get_current_task_btf(), 0, 0);
    if (t) *t += 1;
    return 0;
}

SEC("raw_tracepoint/sys_exit")
int storage_exit(struct bpf_raw_tracepoint_args *ctx) {
    __u64 *t = bpf_task_storage_get(&owned, bpf_get_current_task_btf(), 0, 0);
    if (t) *t += 1;
    return 0;
}

SEC("raw_tracepoint/sys_exit")
int cgroup_exit(struct bpf_raw_tracepoint_args *ctx) {
    if (bpf_get_current_cgroup_id() != run_cgroup) return 0;
    return 1;
}

/// The counting the audit does per call, for a task of ours (the one the loader gives task storage):
/// per-CPU counters by syscall number, errors.
struct count { __u64 calls, errors; };
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, struct count);
} counts SEC(".maps");

/// One call of syscall `nr` that returned `ret`, counted (an error is -4095..-1).
static __always_inline int count_call(__u32 nr, long ret) {
    struct count *c = bpf_map_lookup_elem(&counts, &nr);
    if (!c) return 0;
    c->calls += 1;
    if (ret < 0 && ret >= -4095) c->errors += 1;
    return 0;
}

/// sys_exit only: the number from the saved orig_ax (bpf_task_pt_regs: a plain load, no helper copy).
SEC("raw_tracepoint/sys_exit")
int count_exit(struct bpf_raw_tracepoint_args *ctx) {
    struct task_struct *task = bpf_get_current_task_btf();
    __u64 *t = bpf_task_storage_get(&owned, task, 0, 0);
    if (!t) return 0;
    struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
    return count_call((__u32)regs->orig_rax & 1023, (long)ctx->args[1]);
}

/// Two programs: sys_enter keeps the number (as the audit does), sys_exit counts.
SEC("raw_tracepoint/sys_enter")
int count_enter(struct bpf_raw_tracepoint_args *ctx) {
    __u64 *t = bpf_task_storage_get(&owned, bpf_get_current_task_btf(), 0, 0);
    if (t) *t = ctx->args[1] + 1;
    return 0;
}

SEC("raw_tracepoint/sys_exit")
int count_exit2(struct bpf_raw_tracepoint_args *ctx) {
    __u64 *t = bpf_task_storage_get(&owned, bpf_get_current_task_btf(), 0, 0);
    if (!t) return 0;
    __u32 nr = (__u32)(*t - 1) & 1023;
    *t = 0;
    return count_call(nr, (long)ctx->args[1]);
}
