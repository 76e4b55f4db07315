// phase-probe: prints CLOCK_MONOTONIC (seconds, nanoseconds) on stdout and exits at once. Run as the
// command under a sandbox with INTERLEAVE_PHASES=1 (interleave.c), it splits a launch into the way in
// (spawn to the probe's last instant) and the way out (the probe's exit to the launcher's waitpid).
// Compiled static by the scripts, so that it starts the same way in any view (no loader, no libraries).
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    char line[48];
    int n = snprintf(line, sizeof line, "%lld.%09ld\n", (long long)now.tv_sec, now.tv_nsec);
    return write(1, line, (size_t)n) == n ? 0 : 1;
}
