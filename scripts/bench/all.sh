#!/usr/bin/env bash
# Runs launch.sh, seccomp.sh, files.sh and cgroup.sh against one binary and prints a summary table. A benchmark that
# fails is reported and the others still run. See docs/benchmarks.md.
#
# Environment: SANDBOX (default: scripts/build-release), BENCH_OUT (default bench-out/), and each
# script's own knobs (RUNS applies to all three when set).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
resolve_sandbox

BENCH_SUMMARY=$out_dir/summary.tsv
export BENCH_SUMMARY BENCH_OUT=$out_dir
: > "$BENCH_SUMMARY"
failed=()
for b in launch seccomp files cgroup; do
  echo "################ $b"
  "$bench_dir/$b.sh" || failed+=("$b")
  echo
done

echo "################ summary"
echo "binary:  $SANDBOX ($("$SANDBOX" --version 2>/dev/null || echo '?'); $(ldd "$SANDBOX" 2>/dev/null | grep -q libswiftCore && echo 'dynamic Swift runtime' || echo 'static Swift runtime'))"
echo "machine: $(uname -r); $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
awk -F'\t' '{ printf "%-52s %s\n", $1, $2 }' "$BENCH_SUMMARY"
((${#failed[@]} == 0)) || echo "failed: ${failed[*]}"
