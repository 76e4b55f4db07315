#!/usr/bin/env bash
# What the live monitor costs (the control socket and the resource timeline), against a build without it:
# - launch: `sandbox run -q -p default -- /bin/true`, the monitor build and the baseline build side by
#   side, interleaved (interleave.c): the socket is created after the command has started, so the launch
#   should not move; the ratio should read 1.00 within the machine's noise.
# - sampling: the supervisor's own CPU time (utime+stime of the sandbox process from /proc/PID/stat, read
#   just before the command exits) while it supervises `sleep D` (one process) and a tree of 20 sleeping
#   processes, for both builds; the difference over D is what the 100 ms timer, the /proc walk and the
#   idle socket cost (target: under 1% of one CPU).
#
# Environment: SANDBOX (the build under test; default scripts/build-release), BASELINE (the build without
# the monitor; required: e.g. a release build of main), ROUNDS (default 1000), WARMUP (20), D (seconds,
# default 10), REPEAT (sampling runs per build, default 3), BENCH_OUT.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

rounds=${ROUNDS:-1000}
warmup=${WARMUP:-20}
seconds=${D:-10}
repeat=${REPEAT:-3}
resolve_sandbox
[ -n "${BASELINE:-}" ] && [ -x "$BASELINE" ] || { echo "monitor: set BASELINE to a sandbox build without the monitor"; exit 0; }
export SANDBOX_CACHE=$out_dir/profile-cache
rm -rf "$SANDBOX_CACHE"
true_bin=$(command -v true)

interleave=$out_dir/interleave
if cc -O2 -o "$interleave" "$bench_dir/interleave.c" 2>/dev/null; then
  echo "== monitor: launch, interleaved, $rounds rounds (medians, ms)"
  "$interleave" "$rounds" "$warmup" ::: "$BASELINE" run -q -p default -- "$true_bin" ::: "$SANDBOX" run -q -p default -- "$true_bin" \
    > "$out_dir/monitor-launch.tsv"
  base=$(awk -F'\t' '$1 == 0 { print $2 }' "$out_dir/monitor-launch.tsv")
  mon=$(awk -F'\t' '$1 == 1 { print $2 }' "$out_dir/monitor-launch.tsv")
  printf '  %-20s %s\n' baseline "$base" monitor "$mon"
  summary "monitor: launch, monitor/baseline, interleaved (target 1.00)" "$(ratio "$mon" "$base")"
else
  echo "monitor: no C compiler for interleave.c; launch comparison skipped"
fi

# cpu_of BINARY COMMAND...: the supervisor's utime+stime (s) just before COMMAND (which lasts $seconds) ends.
cpu_of() {
  local bin=$1; shift
  "$bin" run -q -p default -- "$@" &
  local pid=$!
  sleep "$(awk -v d="$seconds" 'BEGIN { print d - 0.3 }')"
  local ticks
  ticks=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")
  wait "$pid" || true
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'
}

tree="for i in \$(seq 20); do sleep $seconds & done; wait"
echo
echo "== monitor: supervisor CPU time over ${seconds} s (s, $repeat runs each, alternating)"
for workload in single tree; do
  b=(); m=()
  for _ in $(seq "$repeat"); do
    if [ "$workload" = single ]; then
      b+=("$(cpu_of "$BASELINE" sleep "$seconds")"); m+=("$(cpu_of "$SANDBOX" sleep "$seconds")")
    else
      b+=("$(cpu_of "$BASELINE" sh -c "$tree")"); m+=("$(cpu_of "$SANDBOX" sh -c "$tree")")
    fi
  done
  echo "  $workload: baseline ${b[*]}; monitor ${m[*]}"
  mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.4f", s / NR }'; }
  cost=$(awk -v a="$(mean "${m[@]}")" -v b="$(mean "${b[@]}")" -v d="$seconds" 'BEGIN { printf "%.2f", (a - b) / d * 100 }')
  summary "monitor: sampling cost, $workload (% of one CPU, target < 1)" "$cost"
done
