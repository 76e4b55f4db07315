// interleave ROUNDS WARMUP ::: [NAME=VALUE...] COMMAND [ARGS...] ::: ...
//
// Runs the commands in rounds, ROUNDS times each after WARMUP untimed rounds, and prints one line per
// command: its index and the median wall time in ms. hyperfine runs all runs of one command, then all of
// the next, so a drift of the machine during the run (another job, CPU frequency, the host of this VM)
// lands on one command and moves the ratios; here every round runs each command once, in an order that
// is shuffled anew (a fixed seed, so runs are repeatable), so drift lands on all of them alike, and no
// command always follows the same one (a heavy one, firejail, leaves the kernel work to do that would
// otherwise always land on its successor).
//
// Leading NAME=VALUE words set environment variables for that command only (like env(1), without the
// extra exec). Commands are started with posix_spawn, stdout and stderr to /dev/null; a command that
// fails stops the run. Commands are looked up on PATH. Used by scripts/bench/launch.sh.
//
// With INTERLEAVE_PHASES=1 in its own environment, each command's stdout is read instead: a command that
// ends in phase-probe (phase-probe.c, which prints CLOCK_MONOTONIC as it exits) splits its time in two,
// from the spawn to the probe's last instant and from there to waitpid's return (the end of a run: the
// command's exit, the init's, the supervisor's teardown and exit). Each line then has two more columns,
// the medians of both parts ("-" for a command that printed no time).
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct command {
    char **argv;
    char **envp;
};

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int count) {
    qsort(t, (size_t)count, sizeof *t, by_value);
    return count % 2 ? t[count / 2] : (t[count / 2 - 1] + t[count / 2]) / 2;
}

// environ plus the command's NAME=VALUE words (which replace a variable of the same name).
static char **environment(char **words, int count) {
    int n = 0;
    while (environ[n]) n++;
    char **envp = calloc((size_t)(n + count + 1), sizeof *envp);
    int k = 0;
    for (int i = 0; i < n; i++) {
        int replaced = 0;
        for (int j = 0; j < count; j++) {
            size_t len = (size_t)(strchr(words[j], '=') - words[j]) + 1;
            if (strncmp(environ[i], words[j], len) == 0) replaced = 1;
        }
        if (!replaced) envp[k++] = environ[i];
    }
    for (int j = 0; j < count; j++) envp[k++] = words[j];
    return envp;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: interleave ROUNDS WARMUP ::: [NAME=VALUE...] COMMAND [ARGS...] ::: ...\n");
        return 2;
    }
    int rounds = atoi(argv[1]), warmup = atoi(argv[2]);
    struct command commands[64];
    int n = 0;
    for (int i = 3; i < argc && n < 64; i++) {
        if (strcmp(argv[i], ":::") != 0) continue;
        argv[i] = NULL;  // ends the previous command's argv
        int first = i + 1, words = 0;
        while (first + words < argc && strchr(argv[first + words], '=') && argv[first + words][0] != '/') words++;
        commands[n].envp = environment(argv + first, words);
        commands[n].argv = argv + first + words;
        n++;
    }
    if (rounds < 1 || n == 0) {
        fprintf(stderr, "interleave: nothing to run\n");
        return 2;
    }
    double *times = calloc((size_t)rounds * (size_t)n, sizeof *times);
    const char *phases_env = getenv("INTERLEAVE_PHASES");
    int phases = phases_env && strcmp(phases_env, "1") == 0;
    double *to_probe = calloc((size_t)rounds * (size_t)n, sizeof *to_probe);
    double *from_probe = calloc((size_t)rounds * (size_t)n, sizeof *from_probe);
    int *probed = calloc((size_t)n, sizeof *probed);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&files, 2, "/dev/null", O_WRONLY, 0);
    int order[64];
    for (int c = 0; c < n; c++) order[c] = c;
    unsigned long long seed = 0x9E3779B97F4A7C15ULL;
    for (int r = -warmup; r < rounds; r++) {
        for (int c = n - 1; c > 0; c--) {  // Fisher-Yates with a 64-bit LCG
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            int j = (int)((seed >> 33) % (unsigned long long)(c + 1));
            int t = order[c]; order[c] = order[j]; order[j] = t;
        }
        for (int c = 0; c < n; c++) {
            int k = order[c];
            struct timespec start, end;
            pid_t pid;
            int status;
            // With phases, stdout is a pipe read once the command is reaped (the probe's one line fits).
            int out[2] = {-1, -1};
            posix_spawn_file_actions_t piped, *actions = &files;
            if (phases) {
                if (pipe(out) < 0) { perror("interleave: pipe"); return 1; }
                posix_spawn_file_actions_init(&piped);
                posix_spawn_file_actions_adddup2(&piped, out[1], 1);
                posix_spawn_file_actions_addclose(&piped, out[0]);
                posix_spawn_file_actions_addclose(&piped, out[1]);
                posix_spawn_file_actions_addopen(&piped, 2, "/dev/null", O_WRONLY, 0);
                actions = &piped;
            }
            clock_gettime(CLOCK_MONOTONIC, &start);
            if (posix_spawnp(&pid, commands[k].argv[0], actions, NULL, commands[k].argv, commands[k].envp) != 0) {
                fprintf(stderr, "interleave: cannot start %s\n", commands[k].argv[0]);
                return 1;
            }
            waitpid(pid, &status, 0);
            clock_gettime(CLOCK_MONOTONIC, &end);
            if (phases) {
                posix_spawn_file_actions_destroy(&piped);
                close(out[1]);
                char line[64] = {0};
                ssize_t got = read(out[0], line, sizeof line - 1);
                close(out[0]);
                char *rest;
                double stamp = got > 0 ? strtod(line, &rest) : 0;
                if (got > 0 && rest != line && r >= 0) {
                    double spawned = (double)start.tv_sec + (double)start.tv_nsec / 1e9;
                    double reaped = (double)end.tv_sec + (double)end.tv_nsec / 1e9;
                    to_probe[(size_t)k * (size_t)rounds + (size_t)r] = (stamp - spawned) * 1e3;
                    from_probe[(size_t)k * (size_t)rounds + (size_t)r] = (reaped - stamp) * 1e3;
                    probed[k]++;
                }
            }
            if (status != 0) {
                fprintf(stderr, "interleave: %s failed (wait status %d)\n", commands[k].argv[0], status);
                return 1;
            }
            if (r >= 0)
                times[(size_t)k * (size_t)rounds + (size_t)r] =
                    (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
        }
    }
    for (int c = 0; c < n; c++) {
        printf("%d\t%.3f", c, median(times + (size_t)c * (size_t)rounds, rounds));
        if (phases && probed[c] == rounds)
            printf("\t%.3f\t%.3f", median(to_probe + (size_t)c * (size_t)rounds, rounds),
                   median(from_probe + (size_t)c * (size_t)rounds, rounds));
        else if (phases)
            printf("\t-\t-");
        printf("\n");
    }
    return 0;
}
