/*
 * sandbox-probe: what the integration tests run inside the sandbox to see what it allows.
 *
 * Each subcommand makes one attempt and prints one line, `WHAT: ok` or
 * `WHAT: errno ENAME (N)`, and exits 0 either way; a probe killed by seccomp prints
 * nothing, which is how a test tells "killed" from "denied with an errno".
 *
 * Every system call is made with arguments that make it fail, or succeed doing nothing,
 * when the sandbox lets it through: NULL or unmapped pointers, fd -1, unknown flags, bad
 * magic. The probe may be run as root outside any sandbox and must never mount, reboot,
 * load, unload or change anything. Where the kernel checks a capability before the
 * arguments, an unprivileged probe sees the kernel's own EPERM; the comments say so.
 *
 * x86_64 only: the numbers come from <sys/syscall.h>; the i386 and x32 columns copy
 * <asm/unistd_32.h> and <asm/unistd_x32.h>, which cannot be included next to the native one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <linux/tiocl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "sandbox-probe knows x86_64 system call numbers only"
#endif

static const char usage_text[] =
    "usage: sandbox-probe COMMAND [ARGS]\n"
    "  syscall NAME [--abi native|i386|x32]   make one system call with harmless arguments\n"
    "  syscall-nr N [--abi native|i386|x32]   make system call number N (i386: int $0x80,\n"
    "                                         x32: N | 0x40000000); arguments are the table's\n"
    "                                         when N is a call it knows, else all zero\n"
    "  ioctl tiocsti|tioclinux|fionread|tcgets  that ioctl on fd 0\n"
    "  clone newns|newuser|newpid|newnet|newuts|newipc|newcgroup|plain\n"
    "                                         raw clone(SIGCHLD|CLONE_x); the child exits at once\n"
    "  socket unix|inet|inet6|netlink|packet  socket(AF_x, SOCK_DGRAM, 0); SOCK_RAW for packet\n"
    "  connect PORT                           TCP connect(2) to 127.0.0.1:PORT\n"
    "  links                                  NAME up|down, for every network interface (SIOCGIFCONF)\n"
    "  personality VALUE                      personality(VALUE), hex or decimal\n"
    "  fds                                    the open file descriptors\n"
    "  status                                 NoNewPrivs, Seccomp and Cap* lines of /proc/self/status\n"
    "  rlimits                                NAME soft hard, for every RLIMIT_x\n"
    "  nice                                   getpriority(PRIO_PROCESS, 0)\n"
    "  alloc MIB                              allocate and touch MIB MiB, 1 MiB at a time; prints\n"
    "                                         `alloc: ok N` (an OOM kill prints nothing after `alloc:`)\n"
    "  forkloop [MAX]                         fork children that wait, until fork fails or MAX;\n"
    "                                         prints `fork: errno ENAME (N) after K` or `fork: ok K`\n"
    "  busy SECONDS                           spin on the CPU for SECONDS of wall-clock time\n"
    "  tree N [DEPTH]                         a process tree of DEPTH (default 3) processes in a\n"
    "                                         chain, each making N getppid and N umask(022) calls,\n"
    "                                         then forking the next and waiting for it; the last\n"
    "                                         exits 3 (for counting syscalls against strace -f -c)\n"
    "  signals N                              send itself SIGUSR1 N times (kill), each caught by a\n"
    "                                         handler that returns through rt_sigreturn\n"
    "Attempts print `WHAT: ok` or `WHAT: errno ENAME (N)` and exit 0; bad usage exits 2.\n";

/* ---- the system-call table ------------------------------------------------------------- */

/* Numbers missing from headers older than the calls themselves (Linux 5.0-5.13). */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#define SYS_io_uring_enter 426
#define SYS_io_uring_register 427
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_move_mount 429
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

#define X32_SYSCALL_BIT 0x40000000L /* __X32_SYSCALL_BIT */
#define NONE (-1L)  /* no number in that ABI */
#define SAME (-2L)  /* x32: the x86_64 number, with X32_SYSCALL_BIT */
#define BADADDR 1L  /* non-NULL but never mapped (below mmap_min_addr): the copy fails with EFAULT */
#define FDCWD (-100L) /* AT_FDCWD */

struct syscall_probe {
    const char *name;
    long nr;      /* x86_64 */
    long i386;    /* i386, through int $0x80 */
    long x32;     /* SAME, NONE, or an x32-only number (512 and up) */
    long args[6]; /* constants only: they are passed unchanged to the 32-bit ABI too */
};

#define P(name, i386, x32, ...) { #name, SYS_##name, i386, x32, { __VA_ARGS__ } }

/* The comment says what an allowed call returns; "(EPERM)" is what it returns unprivileged. */
static const struct syscall_probe probes[] = {
    /* mounts */
    P(mount, 21, SAME, 0, 0, 0, 0, 0),                /* EFAULT: NULL target */
    P(umount2, 52, SAME, 0, 0x100),                   /* EINVAL: unknown flag */
    P(pivot_root, 217, SAME, 0, 0),                   /* EFAULT (EPERM) */
    P(chroot, 61, SAME, 0),                           /* EFAULT: NULL path */
    P(fsopen, 430, SAME, 0, 0),                       /* EFAULT (EPERM) */
    P(fsconfig, 431, SAME, -1, 0, 0, 0, 0),           /* EINVAL or EBADF: fd -1 */
    P(fsmount, 432, SAME, -1, 0, 0),                  /* EBADF (EPERM) */
    P(move_mount, 429, SAME, -1, 0, -1, 0, 0x80000000L), /* EINVAL: unknown flag (EPERM) */
    P(open_tree, 428, SAME, -1, 0, 0),                /* EFAULT: NULL path, and no OPEN_TREE_CLONE */
    P(mount_setattr, 442, SAME, -1, 0, 0, 0, 0),      /* EINVAL: attribute size 0 */
    /* namespaces and processes */
    P(unshare, 310, SAME, 0),                         /* ok: no flags, nothing is unshared */
    P(setns, 346, SAME, -1, 0),                       /* EBADF */
    P(clone, 120, SAME, 0x800),                       /* EINVAL: CLONE_SIGHAND without CLONE_VM */
    P(clone3, 435, SAME, 0, 0),                       /* EINVAL: argument size 0 */
    P(execve, 11, 520, 0, 0, 0),                      /* EFAULT: NULL path */
    P(kill, 37, SAME, 0x7fffffff, 0),                 /* ESRCH: above pid_max; signal 0 anyway */
    P(prctl, 172, SAME, 3),                           /* ok: PR_GET_DUMPABLE */
    P(arch_prctl, 384, SAME, 0x9999, 0),              /* EINVAL: no such code */
    P(personality, 136, SAME, 0xffffffffL),           /* ok: 0xffffffff only queries */
    P(pidfd_open, 434, SAME, 0, 0),                   /* EINVAL: pid 0 */
    P(pidfd_getfd, 438, SAME, -1, 0, 0),              /* EBADF */
    P(pidfd_send_signal, 424, SAME, -1, 0, 0, 0),     /* EBADF */
    P(getpid, 20, SAME, 0),                           /* ok */
    P(getppid, 64, SAME, 0),                          /* ok */
    P(gettid, 224, SAME, 0),                          /* ok */
    /* modules, kexec, reboot, swap */
    P(init_module, 128, SAME, 0, 0, 0),               /* ENOEXEC: empty image (EPERM) */
    P(finit_module, 350, SAME, -1, 0, 0),             /* EBADF (EPERM) */
    P(delete_module, 129, SAME, 0, 0),                /* EFAULT (EPERM) */
    /* 1000 segments and an unknown architecture; 0 segments would unload the staged kernel */
    P(kexec_load, 283, 528, 0, 1000, 0, 0x7ffe0000L), /* EINVAL (EPERM) */
    P(kexec_file_load, NONE, SAME, -1, -1, 0, 0, 0x80000000L), /* EINVAL: unknown flag (EPERM) */
    P(reboot, 88, SAME, 0, 0, 0, 0),                  /* EINVAL: bad magic (EPERM) */
    P(swapon, 87, SAME, 0, 0x40000000),               /* EINVAL: unknown flag */
    P(swapoff, 115, SAME, 0),                         /* EFAULT (EPERM) */
    /* debugging, tracing, BPF */
    P(ptrace, 26, 521, 2, 0, 0, 0),                   /* ESRCH: PTRACE_PEEKDATA of pid 0 */
    P(process_vm_readv, 347, 539, 0, 0, 0, 0, 0, 1),  /* EINVAL: flags must be 0 */
    P(process_vm_writev, 348, 540, 0, 0, 0, 0, 0, 1), /* EINVAL: flags must be 0 */
    P(perf_event_open, 336, SAME, 0, 0, -1, -1, 0x80000000L), /* EINVAL: unknown flag */
    P(bpf, 357, SAME, -1, 0, 0),                      /* EINVAL: no such command (EPERM) */
    P(lookup_dcookie, 253, SAME, 0, 0, 0),            /* ENOSYS on recent kernels (EPERM) */
    P(userfaultfd, 374, SAME, -1),                    /* EINVAL: unknown flags */
    P(seccomp, 354, SAME, 99, 0, 0),                  /* EINVAL: no such operation */
    P(landlock_create_ruleset, 444, SAME, 0, 0, 1),   /* ok: _VERSION asks the ABI version */
    /* io_uring */
    P(io_uring_setup, 425, SAME, 0, 0),               /* EFAULT: NULL params */
    P(io_uring_enter, 426, SAME, -1, 0, 0, 0, 0, 0),  /* EBADF */
    P(io_uring_register, 427, SAME, -1, 0, 0, 0),     /* EBADF, or EINVAL since Linux 6.11 */
    /* keys */
    P(keyctl, 288, SAME, -1, 0, 0, 0, 0),             /* EOPNOTSUPP: no such operation */
    P(add_key, 286, SAME, 0, 0, 0, 0, 0),             /* EFAULT: NULL type */
    P(request_key, 287, SAME, 0, 0, 0, 0),            /* EFAULT: NULL type */
    /* file handles, files */
    P(open_by_handle_at, 342, SAME, -1, 0, 0),        /* EFAULT or EBADF (EPERM) */
    P(name_to_handle_at, 341, SAME, -1, 0, 0, 0, 0),  /* EFAULT: NULL path */
    P(openat, 295, SAME, FDCWD, 0, 0),                /* EFAULT: NULL path */
    P(unlinkat, 301, SAME, FDCWD, 0, 0),              /* EFAULT: NULL path */
    P(mknodat, 297, SAME, FDCWD, 0, 0, 0),            /* EFAULT: NULL path */
    P(fchownat, 298, SAME, FDCWD, 0, -1, -1, 0),      /* EFAULT: NULL path */
    P(chown, 182, SAME, 0, -1, -1),                   /* EFAULT: NULL path */
    P(read, 3, SAME, 0, 0, 0),                        /* ok: zero bytes from stdin */
    P(write, 4, SAME, 1, 0, 0),                       /* ok: zero bytes to stdout */
    P(ioctl, 54, 514, -1, 0, 0),                      /* EBADF */
    P(fsync, 118, SAME, -1),                          /* EBADF */
    P(syncfs, 344, SAME, -1),                         /* EBADF */
    P(memfd_create, 356, SAME, 0, 0),                 /* EFAULT: NULL name */
    P(fanotify_init, 338, SAME, -1, 0),               /* EINVAL: unknown flags (EPERM) */
    /* network */
    P(socket, 359, SAME, AF_UNIX, SOCK_DGRAM, 0),     /* ok: the socket closes at exit */
    P(connect, 362, SAME, -1, 0, 0),                  /* EBADF */
    /* time */
    P(settimeofday, 79, SAME, BADADDR, 0),            /* EFAULT: read before the permission check */
    P(clock_settime, 264, SAME, 100, 0),              /* EINVAL: no such clock */
    P(clock_adjtime, 343, SAME, 100, 0),              /* EFAULT or EINVAL */
    P(adjtimex, 124, SAME, 0),                        /* EFAULT: NULL timex */
    P(timer_create, 259, 526, 100, 0, 0),             /* EINVAL: no such clock */
    /* credentials and host identity */
    P(setuid, 23, SAME, -1),                          /* EINVAL: uid -1 is never valid */
    P(setgid, 46, SAME, -1),                          /* EINVAL */
    P(setgroups, 81, SAME, -1, 0),                    /* EINVAL: negative count (EPERM) */
    P(setresuid, 164, SAME, -1, -1, -1),              /* ok: -1 keeps each id */
    P(capset, 185, SAME, 0, 0),                       /* EFAULT: NULL header */
    P(sethostname, 74, SAME, 0, -1),                  /* EINVAL: negative length (EPERM) */
    P(setdomainname, 121, SAME, 0, -1),               /* EINVAL: negative length (EPERM) */
    /* hardware, resources, system */
    P(iopl, 110, SAME, 4),                            /* EINVAL: levels go up to 3 */
    P(ioperm, 101, SAME, 0, 0, 0),                    /* EINVAL: empty range */
    /* Kernel errors come back as an unsigned int (a positive number) here, so ask for none. */
    P(modify_ldt, 123, SAME, 0, 0, 0),                /* ok: reads zero bytes of the LDT */
    P(pkey_alloc, 381, SAME, 1, 0),                   /* EINVAL: flags must be 0 */
    P(mlock, 150, SAME, 0, 0),                        /* ok: empty range */
    P(setpriority, 97, SAME, 99, 0, 0),               /* EINVAL: no such "which" */
    P(sched_setscheduler, 156, SAME, -1, 0, 0),       /* EINVAL: pid -1 */
    P(ioprio_set, 289, SAME, 99, 0, 0),               /* EINVAL: no such "which" */
    P(prlimit64, 340, SAME, 0, 99, 0, 0),             /* EINVAL: no such resource */
    P(getrandom, 355, SAME, 0, 0, 0),                 /* ok: zero bytes */
    /* never NULL: acct(NULL) would switch process accounting off */
    P(acct, 51, SAME, BADADDR),                       /* EFAULT (EPERM) */
    P(quotactl, 131, SAME, 0xff, 0, 0, 0),            /* EINVAL: quota type 255 */
    /* SYSLOG_ACTION_SIZE_BUFFER only reads; it is EPERM unprivileged under dmesg_restrict */
    P(syslog, 103, SAME, 10, 0, 0),                   /* ok */
    P(vhangup, 111, SAME, 0),                         /* ok: only run without a controlling tty */
    P(uname, 122, SAME, 0),                           /* EFAULT: NULL buffer */
    /* obsolete: gone from the kernel, ENOSYS, but named by systemd's @obsolete and @privileged */
    P(ustat, 62, SAME, 0, 0),                         /* EINVAL: device 0 */
    P(sysfs, 135, SAME, 3),                           /* ok: counts filesystem types */
    P(uselib, 86, NONE, 0),                           /* ENOSYS on recent kernels, else EFAULT */
    P(nfsservctl, 169, NONE, 0, 0, 0),                /* ENOSYS since Linux 3.1 */
    P(_sysctl, 149, NONE, 0),                         /* ENOSYS since Linux 5.5 */
    P(create_module, 127, NONE, 0),                   /* ENOSYS */
    P(get_kernel_syms, 130, NONE, 0),                 /* ENOSYS */
    P(query_module, 167, NONE, 0),                    /* ENOSYS */
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

enum abi { ABI_NATIVE, ABI_I386, ABI_X32 };

static const char *const abi_names[] = { "native", "i386", "x32" };

/* The number of `p` in `abi`, or NONE. */
static long probe_number(const struct syscall_probe *p, enum abi abi)
{
    switch (abi) {
    case ABI_I386:
        return p->i386;
    case ABI_X32:
        if (p->x32 == NONE)
            return NONE;
        return (p->x32 == SAME ? p->nr : p->x32) | X32_SYSCALL_BIT;
    default:
        return p->nr;
    }
}

/* ---- output ---------------------------------------------------------------------------- */

#define E(name) { name, #name }
static const struct { int number; const char *name; } errno_names[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
    E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST),
    E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
    E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM),
    E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),
    E(ENODATA), E(EOVERFLOW), E(EBADFD), E(EILSEQ), E(ENOTSOCK), E(EPROTOTYPE),
    E(ENOPROTOOPT), E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EAFNOSUPPORT),
    E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ECONNREFUSED),
    E(ETIMEDOUT), E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED), E(EKEYREVOKED), E(EKEYREJECTED),
    E(EOWNERDEAD), E(ENOTRECOVERABLE), E(EHWPOISON),
};
#undef E

static const char *errno_name(int number)
{
    for (size_t i = 0; i < COUNT(errno_names); i++)
        if (errno_names[i].number == number)
            return errno_names[i].name;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
    if (strerrorname_np(number))
        return strerrorname_np(number);
#endif
    return "EUNKNOWN";
}

/* Prints the one line of an attempt; `ret` and `err` are a libc-style result and errno. */
static void report(const char *what, long ret, int err)
{
    if (ret >= 0)
        printf("%s: ok\n", what);
    else
        printf("%s: errno %s (%d)\n", what, errno_name(err), err);
}

/* Explains a bad command line on stderr; returns the exit status for it. */
__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fputs("sandbox-probe: ", stderr);
    vfprintf(stderr, fmt, args);
    fputs("\n", stderr);
    va_end(args);
    return 2;
}

/* ---- system calls ---------------------------------------------------------------------- */

/*
 * The 32-bit ABI from a 64-bit process: int $0x80, number in eax, arguments in ebx, ecx,
 * edx, esi, edi, ebp. ebp may be the frame pointer, so it is saved in r12 around the call;
 * the sixth argument is read into it before, while the old value still addresses the frame.
 * Kernels before 4.17 zeroed r8-r11 on this path.
 */
static long syscall_i386(long nr, const long a[6])
{
    long ret;
    __asm__ volatile("mov %%rbp, %%r12\n\t"
                     "mov %[a5], %%rbp\n\t"
                     "int $0x80\n\t"
                     "mov %%r12, %%rbp"
                     : "=a"(ret)
                     : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4]), [a5] "r"(a[5])
                     : "r8", "r9", "r10", "r11", "r12", "memory", "cc");
    ret = (int)ret; /* a 32-bit result */
    if (ret < 0 && ret >= -4095) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
}

/*
 * Whether the probe has a controlling terminal: tty_nr, field 7 of /proc/self/stat, or
 * without /proc whether /dev/tty opens (ENXIO is the kernel's "no controlling terminal").
 * When unsure, the answer is yes.
 */
static int has_controlling_tty(void)
{
    char line[1024];
    FILE *stat = fopen("/proc/self/stat", "re");
    if (stat) {
        int tty = -1;
        char *end = fgets(line, sizeof line, stat) ? strrchr(line, ')') : NULL;
        fclose(stat);
        /* After the command name, which may hold spaces: state, ppid, pgrp, session, tty_nr. */
        if (end && sscanf(end + 1, " %*c %*d %*d %*d %d", &tty) == 1)
            return tty != 0;
    }
    int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    return fd >= 0 || errno != ENXIO;
}

/*
 * vhangup() as root hangs up the controlling terminal, which would be the terminal of
 * whoever ran the probe by hand. Only make the call without one: leave it with setsid()
 * if there is one, and refuse if that fails (the probe leads its process group).
 */
static int drop_controlling_tty(void)
{
    return !has_controlling_tty() || setsid() >= 0;
}

static long make_syscall(enum abi abi, long nr, const long a[6])
{
    if (abi == ABI_I386)
        return syscall_i386(nr, a);
    /* Native and x32 both use the syscall instruction; x32 numbers carry X32_SYSCALL_BIT. */
    return syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* Runs `p`'s call (or number `nr` with zero arguments when `p` is NULL) and reports it. */
static int run_syscall(const char *what, const struct syscall_probe *p, enum abi abi, long nr)
{
    static const long zero[6];
    if (p && strcmp(p->name, "vhangup") == 0 && !drop_controlling_tty())
        return usage_error("refusing vhangup: it would hang up this terminal; run under setsid");
    errno = 0;
    long ret = make_syscall(abi, nr, p ? p->args : zero);
    report(what, ret, errno);
    return 0;
}

/* Reads `[--abi native|i386|x32]` from the words after the subcommand's operand. */
static int parse_abi(int argc, char **argv, enum abi *abi)
{
    *abi = ABI_NATIVE;
    if (argc == 0)
        return 0;
    if (argc != 2 || strcmp(argv[0], "--abi") != 0)
        return usage_error("unexpected argument '%s' (expected --abi native|i386|x32)", argv[0]);
    for (size_t i = 0; i < COUNT(abi_names); i++) {
        if (strcmp(argv[1], abi_names[i]) == 0) {
            *abi = (enum abi)i;
            return 0;
        }
    }
    return usage_error("unknown ABI '%s' (expected native, i386 or x32)", argv[1]);
}

static int cmd_syscall(int argc, char **argv)
{
    enum abi abi;
    if (argc < 1)
        return usage_error("syscall needs a NAME");
    if (parse_abi(argc - 1, argv + 1, &abi))
        return 2;
    for (size_t i = 0; i < COUNT(probes); i++) {
        const struct syscall_probe *p = &probes[i];
        if (strcmp(p->name, argv[0]) != 0)
            continue;
        long nr = probe_number(p, abi);
        if (nr == NONE)
            return usage_error("%s has no %s system call number", p->name, abi_names[abi]);
        return run_syscall(p->name, p, abi, nr);
    }
    return usage_error("unknown system call '%s' (not in the probe's table)", argv[0]);
}

static int cmd_syscall_nr(int argc, char **argv)
{
    enum abi abi;
    if (argc < 1)
        return usage_error("syscall-nr needs a number");
    char *end;
    errno = 0;
    long n = strtol(argv[0], &end, 0);
    if (errno || end == argv[0] || *end || n < 0)
        return usage_error("bad system call number '%s'", argv[0]);
    if (parse_abi(argc - 1, argv + 1, &abi))
        return 2;
    long nr = abi == ABI_X32 ? (n | X32_SYSCALL_BIT) : n;

    /* A number the table knows gets its harmless arguments rather than zeros. */
    const struct syscall_probe *known = NULL;
    for (size_t i = 0; i < COUNT(probes) && !known; i++)
        if (probe_number(&probes[i], abi) == nr)
            known = &probes[i];

    char what[32];
    snprintf(what, sizeof what, "nr %ld", n);
    return run_syscall(what, known, abi, nr);
}

/* ---- the other subcommands ------------------------------------------------------------- */

/*
 * The argument is an int for all three: FIONREAD writes one, and TIOCSTI and TIOCLINUX read
 * a char, which is the int's first byte on little-endian x86_64.
 */
static const struct { const char *name; const char *label; unsigned long request; int arg; } ioctls[] = {
    { "tiocsti", "TIOCSTI", TIOCSTI, 'x' }, /* pushes input into the terminal: CVE-2017-5226 */
    /* A read-only subcode; a filter matches the request, not the subcode. */
    { "tioclinux", "TIOCLINUX", TIOCLINUX, TIOCL_GETSHIFTSTATE },
    { "fionread", "FIONREAD", FIONREAD, 0 },
    { "tcgets", "TCGETS", TCGETS, 0 }, /* writes a struct termios: the argument buffer is large enough */
};

static int cmd_ioctl(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("ioctl needs one of tiocsti, tioclinux, fionread, tcgets");
    for (size_t i = 0; i < COUNT(ioctls); i++) {
        if (strcmp(argv[0], ioctls[i].name) != 0)
            continue;
        union { int value; char termios[128]; } arg = { .value = ioctls[i].arg };
        long ret = ioctl(0, ioctls[i].request, &arg);
        int err = errno;
        char what[32];
        snprintf(what, sizeof what, "ioctl(%s)", ioctls[i].label);
        report(what, ret, err);
        return 0;
    }
    return usage_error("unknown ioctl '%s' (expected tiocsti, tioclinux, fionread or tcgets)", argv[0]);
}

static const struct { const char *name; const char *label; unsigned long flag; } clone_flags[] = {
    { "newns", "NEWNS", CLONE_NEWNS },
    { "newuser", "NEWUSER", CLONE_NEWUSER },
    { "newpid", "NEWPID", CLONE_NEWPID },
    { "newnet", "NEWNET", CLONE_NEWNET },
    { "newuts", "NEWUTS", CLONE_NEWUTS },
    { "newipc", "NEWIPC", CLONE_NEWIPC },
    { "newcgroup", "NEWCGROUP", CLONE_NEWCGROUP },
    { "plain", "PLAIN", 0 },
};

/*
 * The raw clone system call, not glibc's clone() or fork(), so that the flags reach the
 * filter exactly as given. With no new stack the child runs on a copy of ours, like fork.
 */
static int cmd_clone(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("clone needs a flag name");
    for (size_t i = 0; i < COUNT(clone_flags); i++) {
        if (strcmp(argv[0], clone_flags[i].name) != 0)
            continue;
        /* x86_64 order: flags, new stack, parent tid, child tid, tls */
        long pid = syscall(SYS_clone, SIGCHLD | clone_flags[i].flag, 0L, 0L, 0L, 0L);
        int err = errno;
        if (pid == 0)
            _exit(0);
        if (pid > 0)
            waitpid((pid_t)pid, NULL, 0);
        char what[32];
        snprintf(what, sizeof what, "clone(%s)", clone_flags[i].label);
        report(what, pid, err);
        return 0;
    }
    return usage_error("unknown clone flag '%s'", argv[0]);
}

static const struct { const char *name; const char *label; int family; int type; } socket_families[] = {
    { "unix", "AF_UNIX", AF_UNIX, SOCK_DGRAM },
    { "inet", "AF_INET", AF_INET, SOCK_DGRAM },
    { "inet6", "AF_INET6", AF_INET6, SOCK_DGRAM },
    { "netlink", "AF_NETLINK", AF_NETLINK, SOCK_DGRAM },
    { "packet", "AF_PACKET", AF_PACKET, SOCK_RAW },
};

static int cmd_socket(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("socket needs a family");
    for (size_t i = 0; i < COUNT(socket_families); i++) {
        if (strcmp(argv[0], socket_families[i].name) != 0)
            continue;
        int fd = socket(socket_families[i].family, socket_families[i].type | SOCK_CLOEXEC, 0);
        int err = errno;
        if (fd >= 0)
            close(fd);
        char what[32];
        snprintf(what, sizeof what, "socket(%s)", socket_families[i].label);
        report(what, fd, err);
        return 0;
    }
    return usage_error("unknown socket family '%s'", argv[0]);
}

static int cmd_connect(int argc, char **argv)
{
    if (argc != 1 || atoi(argv[0]) <= 0 || atoi(argv[0]) > 65535)
        return usage_error("connect needs a port");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        report("socket(AF_INET, SOCK_STREAM)", -1, errno);
        return 0;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[0]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    int err = errno;
    close(fd);
    report("connect(127.0.0.1)", r, err);
    return 0;
}

/* Every interface of the network namespace, from the kernel's own list (/proc/net/dev), and whether it is
 * up (SIOCGIFFLAGS): no sysfs, which shows the namespace of whoever mounted it. */
static int cmd_links(int argc, char **argv)
{
    (void)argv;
    if (argc != 0)
        return usage_error("links takes no arguments");
    FILE *dev = fopen("/proc/self/net/dev", "r");
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (!dev || fd < 0) {
        report("links", -1, errno);
        return 0;
    }
    char line[512];
    while (fgets(line, sizeof line, dev)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *name = line;
        while (*name == ' ')
            name++;
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
            printf("%s unknown\n", name);
        else
            printf("%s %s\n", name, (ifr.ifr_flags & IFF_UP) ? "up" : "down");
    }
    fclose(dev);
    close(fd);
    return 0;
}

static int cmd_personality(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("personality needs a value");
    char *end;
    errno = 0;
    unsigned long value = strtoul(argv[0], &end, 0);
    if (errno || end == argv[0] || *end || value > 0xffffffffUL)
        return usage_error("bad personality value '%s'", argv[0]);
    /* The raw call: glibc's personality() takes an unsigned long but the kernel an unsigned int. */
    long ret = syscall(SYS_personality, value);
    int err = errno;
    char what[40];
    snprintf(what, sizeof what, "personality(%#lx)", value);
    report(what, ret, err);
    return 0;
}

static int compare_ints(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static int cmd_fds(int argc, char **argv)
{
    if (argc != 0)
        return usage_error("fds takes no arguments, not '%s'", argv[0]);
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) {
        perror("sandbox-probe: /proc/self/fd");
        return 1;
    }
    int fds[1024];
    size_t n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && n < COUNT(fds)) {
        if (entry->d_name[0] == '.')
            continue;
        int fd = atoi(entry->d_name);
        if (fd != dirfd(dir)) /* the listing's own descriptor */
            fds[n++] = fd;
    }
    closedir(dir);
    qsort(fds, n, sizeof fds[0], compare_ints);
    for (size_t i = 0; i < n; i++)
        printf(i ? " %d" : "%d", fds[i]);
    printf("\n");
    return 0;
}

static int cmd_status(int argc, char **argv)
{
    if (argc != 0)
        return usage_error("status takes no arguments, not '%s'", argv[0]);
    FILE *status = fopen("/proc/self/status", "re");
    if (!status) {
        perror("sandbox-probe: /proc/self/status");
        return 1;
    }
    char line[512];
    while (fgets(line, sizeof line, status))
        if (strncmp(line, "NoNewPrivs", 10) == 0 || strncmp(line, "Seccomp", 7) == 0 ||
            strncmp(line, "Cap", 3) == 0)
            fputs(line, stdout);
    fclose(status);
    return 0;
}

#define R(name) { #name, RLIMIT_##name }
static const struct { const char *name; int resource; } rlimits[] = {
    R(CPU), R(FSIZE), R(DATA), R(STACK), R(CORE), R(RSS), R(NPROC), R(NOFILE),
    R(MEMLOCK), R(AS), R(LOCKS), R(SIGPENDING), R(MSGQUEUE), R(NICE), R(RTPRIO), R(RTTIME),
};
#undef R

static void print_limit(rlim_t value)
{
    if (value == RLIM_INFINITY)
        printf("unlimited");
    else
        printf("%llu", (unsigned long long)value);
}

static int cmd_rlimits(int argc, char **argv)
{
    if (argc != 0)
        return usage_error("rlimits takes no arguments, not '%s'", argv[0]);
    for (size_t i = 0; i < COUNT(rlimits); i++) {
        struct rlimit limit;
        if (getrlimit(rlimits[i].resource, &limit) < 0) {
            report(rlimits[i].name, -1, errno);
            continue;
        }
        printf("%s ", rlimits[i].name);
        print_limit(limit.rlim_cur);
        printf(" ");
        print_limit(limit.rlim_max);
        printf("\n");
    }
    return 0;
}

static int cmd_nice(int argc, char **argv)
{
    if (argc != 0)
        return usage_error("nice takes no arguments, not '%s'", argv[0]);
    /* -1 is both a valid priority and the error return; only errno tells them apart. */
    errno = 0;
    int priority = getpriority(PRIO_PROCESS, 0);
    if (priority == -1 && errno)
        report("getpriority", -1, errno);
    else
        printf("%d\n", priority);
    return 0;
}

static int cmd_alloc(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("alloc takes a size in MiB");
    long mib = atol(argv[0]);
    if (mib <= 0)
        return usage_error("alloc: '%s' is not a positive number of MiB", argv[0]);
    printf("alloc: ");
    fflush(stdout);
    for (long i = 0; i < mib; i++) {
        char *chunk = malloc(1 << 20);
        if (!chunk) {
            report("malloc", -1, errno);
            return 0;
        }
        /* Touch every page, so the memory is charged, not just reserved. */
        for (long off = 0; off < (1 << 20); off += 4096)
            chunk[off] = 1;
    }
    printf("ok %ld\n", mib);
    return 0;
}

static int cmd_forkloop(int argc, char **argv)
{
    if (argc > 1)
        return usage_error("forkloop takes at most a maximum count");
    long max = argc == 1 ? atol(argv[0]) : 100000;
    static pid_t children[100000];
    long n = 0;
    int err = 0;
    while (n < max && n < (long)COUNT(children)) {
        pid_t pid = fork();
        if (pid < 0) {
            err = errno;
            break;
        }
        if (pid == 0) {
            pause();
            _exit(0);
        }
        children[n++] = pid;
    }
    if (err)
        printf("fork: errno %s (%d) after %ld\n", errno_name(err), err, n);
    else
        printf("fork: ok %ld\n", n);
    fflush(stdout);
    for (long i = 0; i < n; i++)
        kill(children[i], SIGKILL);
    for (long i = 0; i < n; i++)
        waitpid(children[i], NULL, 0);
    return 0;
}

static int cmd_busy(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("busy takes a number of seconds");
    double seconds = atof(argv[0]);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile unsigned long spins = 0;
    do {
        for (int i = 0; i < 100000; i++)
            spins++;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
    printf("busy: ok\n");
    return 0;
}

/* A chain of processes, each making known numbers of calls: nothing here depends on libc's choices. */
static int cmd_tree(int argc, char **argv)
{
    if (argc < 1 || argc > 2)
        return usage_error("tree needs N [DEPTH]");
    long n = strtol(argv[0], NULL, 10), depth = argc == 2 ? strtol(argv[1], NULL, 10) : 3;
    if (n < 0 || depth < 1 || depth > 64)
        return usage_error("tree: N >= 0, 1 <= DEPTH <= 64");
    fflush(stdout);
    for (long level = 1;; level++) {
        for (long i = 0; i < n; i++) {
            syscall(SYS_getppid);
            syscall(SYS_umask, 022);
        }
        if (level == depth)
            syscall(SYS_exit_group, 3);
        long child = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
        if (child < 0) {
            report("clone", -1, errno);
            return 1;
        }
        if (child > 0) {
            int status;
            syscall(SYS_wait4, child, &status, 0, NULL);
            syscall(SYS_exit_group, 0);
        }
    }
}

static volatile sig_atomic_t signals_caught;

static void on_usr1(int sig)
{
    (void)sig;
    signals_caught++;
}

static int cmd_signals(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("signals needs N");
    long n = strtol(argv[0], NULL, 10);
    if (n < 0)
        return usage_error("signals: N >= 0");
    struct sigaction action = { .sa_handler = on_usr1 };
    if (sigaction(SIGUSR1, &action, NULL) != 0) {
        report("sigaction", -1, errno);
        return 1;
    }
    long self = syscall(SYS_getpid);
    for (long i = 0; i < n; i++)
        syscall(SYS_kill, self, SIGUSR1);
    printf("signals: %ld caught\n", (long)signals_caught);
    return 0;
}

static const struct { const char *name; int (*run)(int argc, char **argv); } commands[] = {
    { "syscall", cmd_syscall },
    { "syscall-nr", cmd_syscall_nr },
    { "ioctl", cmd_ioctl },
    { "clone", cmd_clone },
    { "socket", cmd_socket },
    { "connect", cmd_connect },
    { "links", cmd_links },
    { "personality", cmd_personality },
    { "fds", cmd_fds },
    { "status", cmd_status },
    { "rlimits", cmd_rlimits },
    { "nice", cmd_nice },
    { "alloc", cmd_alloc },
    { "forkloop", cmd_forkloop },
    { "busy", cmd_busy },
    { "tree", cmd_tree },
    { "signals", cmd_signals },
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    for (size_t i = 0; i < COUNT(commands); i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        int status = commands[i].run(argc - 2, argv + 2);
        /* A write error (stdout closed by the sandbox) must not pass for a clean run. */
        if (fflush(stdout) != 0 && status == 0)
            status = 1;
        return status;
    }
    fprintf(stderr, "sandbox-probe: unknown command '%s'\n%s", argv[1], usage_text);
    return 2;
}
