// Loads the embedded audit program (bpf/audit.bpf.c) with libbpf, attaches it to its raw tracepoints,
// and reads what it gathered: the supervisor's half of the syscall audit. Runs in the supervisor only,
// never between fork and exec.

#define _GNU_SOURCE
#include "sandbox_audit.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sbx_audit {
    struct bpf_object *object;
    struct bpf_link *links[8];
    int link_count;
    struct ring_buffer *ring;
    int counts_fd, errnos_fd, args_fd, stats_fd;
    int cpus;
    sbx_audit_event_fn on_event;
    void *context;
};

// libbpf's messages: the last warning is kept, to name why a load failed (the verifier's log otherwise
// goes to stderr, which belongs to the command's output).
static char last_message[512];

static int keep_message(enum libbpf_print_level level, const char *format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    char line[sizeof last_message];
    int n = vsnprintf(line, sizeof line, format, args);
    // libbpf ends messages with a newline and prints the verifier's log line by line; keep a real one.
    if (n > 1) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ')) line[--n] = 0;
        if (n > 0) memcpy(last_message, line, (size_t)n + 1);
    }
    return 0;
}

static const char *programs[] = {
    "audit_fork", "audit_sys_enter", "audit_sys_exit", "audit_exec",
    "audit_runtime", "audit_signal", "audit_task_exit",
};
static const char *tracepoints[] = {
    "sched_process_fork", "sys_enter", "sys_exit", "sched_process_exec",
    "sched_stat_runtime", "signal_deliver", "sched_process_exit",
};

static int ring_callback(void *context, void *data, size_t size) {
    struct sbx_audit *audit = context;
    if (audit->on_event && size >= SBX_AUDIT_SMALL_EVENT) audit->on_event(audit->context, data, size);
    return 0;
}

static int fail(struct sbx_audit *audit, const char *stage, int err, char *why, size_t why_len) {
    if (why && why_len) {
        if (last_message[0]) snprintf(why, why_len, "%s: %s (%s)", stage, strerror(err), last_message);
        else snprintf(why, why_len, "%s: %s", stage, strerror(err));
    }
    sbx_audit_close(audit);
    errno = err;
    return -1;
}

int sbx_audit_open(const void *object, size_t length, const struct sbx_audit_config *config,
                   sbx_audit_event_fn on_event, void *context, struct sbx_audit **out, char *why, size_t why_len) {
    *out = NULL;
    last_message[0] = 0;
    libbpf_set_print(keep_message);
    struct sbx_audit *audit = calloc(1, sizeof *audit);
    if (!audit) return fail(NULL, "calloc", ENOMEM, why, why_len);
    audit->counts_fd = audit->errnos_fd = audit->args_fd = audit->stats_fd = -1;
    audit->on_event = on_event;
    audit->context = context;
    audit->cpus = libbpf_num_possible_cpus();
    if (audit->cpus <= 0) return fail(audit, "libbpf_num_possible_cpus", -audit->cpus, why, why_len);

    LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "sandbox_audit");
    audit->object = bpf_object__open_mem(object, length, &options);
    if (!audit->object) return fail(audit, "bpf_object__open_mem", errno, why, why_len);

    // The loader's values go into the program's data before load: the seed thread, the compat offset.
    struct bpf_map *map;
    bpf_object__for_each_map(map, audit->object) {
        const char *name = bpf_map__name(map);
        size_t size = 0;
        void *data = (void *)bpf_map__initial_value(map, &size);
        if (!data) continue;
        if (strstr(name, ".rodata") && size >= sizeof(uint32_t)) memcpy(data, &config->compat_offset, sizeof(uint32_t));
        if (strstr(name, ".bss") && size >= sizeof(uint32_t)) memcpy(data, &config->seed_tid, sizeof(uint32_t));
    }
    int err = bpf_object__load(audit->object);
    if (err) return fail(audit, "bpf_object__load", -err, why, why_len);

    audit->counts_fd = bpf_object__find_map_fd_by_name(audit->object, "counts");
    audit->errnos_fd = bpf_object__find_map_fd_by_name(audit->object, "errnos");
    audit->args_fd = bpf_object__find_map_fd_by_name(audit->object, "args");
    audit->stats_fd = bpf_object__find_map_fd_by_name(audit->object, "stats");
    int events_fd = bpf_object__find_map_fd_by_name(audit->object, "events");
    audit->ring = ring_buffer__new(events_fd, ring_callback, audit, NULL);
    if (!audit->ring) return fail(audit, "ring_buffer__new", errno, why, why_len);

    // sched_process_fork first, so that the command is in the table before anything else could need it.
    for (int i = 0; i < (int)(sizeof programs / sizeof programs[0]); i++) {
        struct bpf_program *program = bpf_object__find_program_by_name(audit->object, programs[i]);
        if (!program) return fail(audit, programs[i], ENOENT, why, why_len);
        struct bpf_link *link = bpf_program__attach_raw_tracepoint(program, tracepoints[i]);
        if (!link) {
            char stage[64];
            snprintf(stage, sizeof stage, "bpf_raw_tracepoint_open(%s)", tracepoints[i]);
            return fail(audit, stage, errno, why, why_len);
        }
        audit->links[audit->link_count++] = link;
    }
    *out = audit;
    return 0;
}

int sbx_audit_set_seed(struct sbx_audit *audit, uint32_t tid) {
    struct bpf_map *map;
    bpf_object__for_each_map(map, audit->object) {
        if (!strstr(bpf_map__name(map), ".bss")) continue;
        uint32_t key = 0;
        // The .bss map's one value is the whole section: seed_tid is all of it.
        if (bpf_map__value_size(map) != sizeof tid) break;
        return bpf_map_update_elem(bpf_map__fd(map), &key, &tid, BPF_ANY);
    }
    errno = ENOENT;
    return -1;
}

int sbx_audit_poll_fd(struct sbx_audit *audit) { return ring_buffer__epoll_fd(audit->ring); }

int sbx_audit_drain(struct sbx_audit *audit) { return ring_buffer__consume(audit->ring); }

void sbx_audit_detach(struct sbx_audit *audit) {
    for (int i = 0; i < audit->link_count; i++) bpf_link__destroy(audit->links[i]);
    audit->link_count = 0;
}

// Sums the per-CPU counter blocks over the CPUs, into `out` (every slot) and/or `total` (the calls).
static int sum_counts(struct sbx_audit *audit, struct sbx_audit_count *out, uint64_t *total) {
    // A few blocks, all CPUs' copies of one per lookup.
    struct sbx_audit_block *values = calloc((size_t)audit->cpus, sizeof *values);
    if (!values) {
        errno = ENOMEM;
        return -1;
    }
    if (out) memset(out, 0, sizeof *out * SBX_ABI_COUNT * SBX_AUDIT_MAX_NR);
    uint64_t calls = 0;
    for (uint32_t block = 0; block < SBX_AUDIT_BLOCKS; block++) {
        if (bpf_map_lookup_elem(audit->counts_fd, &block, values) < 0) {
            int e = errno;
            free(values);
            errno = e;
            return -1;
        }
        for (int cpu = 0; cpu < audit->cpus; cpu++) {
            for (int slot = 0; slot < SBX_AUDIT_BLOCK; slot++) {
                const struct sbx_audit_count *v = &values[cpu].count[slot];
                calls += v->calls;
                if (!out) continue;
                struct sbx_audit_count *sum = &out[block * SBX_AUDIT_BLOCK + slot];
                sum->calls += v->calls;
                sum->errors += v->errors;
                sum->denied += v->denied;
            }
        }
    }
    free(values);
    if (total) *total = calls;
    return 0;
}

int sbx_audit_read_counts(struct sbx_audit *audit, struct sbx_audit_count *out) { return sum_counts(audit, out, NULL); }

// Walks a per-CPU hash of u64 counters, summing each key over the CPUs.
static int walk(struct sbx_audit *audit, int fd, size_t key_size, void (*fn)(void *, const void *, uint64_t), void *context) {
    uint64_t *values = calloc((size_t)audit->cpus, sizeof *values);
    unsigned char key[32], next[32];
    if (!values) {
        errno = ENOMEM;
        return -1;
    }
    const void *previous = NULL;
    while (bpf_map_get_next_key(fd, previous, next) == 0) {
        memcpy(key, next, key_size);
        previous = key;
        if (bpf_map_lookup_elem(fd, key, values) < 0) continue;
        uint64_t sum = 0;
        for (int cpu = 0; cpu < audit->cpus; cpu++) sum += values[cpu];
        fn(context, key, sum);
    }
    free(values);
    return 0;
}

int sbx_audit_read_errnos(struct sbx_audit *audit, void (*fn)(void *, const struct sbx_audit_errno_key *, uint64_t), void *context) {
    return walk(audit, audit->errnos_fd, sizeof(struct sbx_audit_errno_key), (void (*)(void *, const void *, uint64_t))fn, context);
}

int sbx_audit_read_args(struct sbx_audit *audit, void (*fn)(void *, const struct sbx_audit_arg_key *, uint64_t), void *context) {
    return walk(audit, audit->args_fd, sizeof(struct sbx_audit_arg_key), (void (*)(void *, const void *, uint64_t))fn, context);
}

int sbx_audit_total_calls(struct sbx_audit *audit, uint64_t *out) { return sum_counts(audit, NULL, out); }

uint64_t sbx_audit_stat(struct sbx_audit *audit, uint32_t which) {
    uint64_t values[audit->cpus > 0 ? audit->cpus : 1];
    if (bpf_map_lookup_elem(audit->stats_fd, &which, values) < 0) return 0;
    uint64_t sum = 0;
    for (int cpu = 0; cpu < audit->cpus; cpu++) sum += values[cpu];
    return sum;
}

int sbx_audit_gettid(void) { return gettid(); }

void sbx_audit_close(struct sbx_audit *audit) {
    if (!audit) return;
    sbx_audit_detach(audit);
    if (audit->ring) ring_buffer__free(audit->ring);
    if (audit->object) bpf_object__close(audit->object);
    free(audit);
}
