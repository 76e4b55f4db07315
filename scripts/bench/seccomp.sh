#!/usr/bin/env bash
# Filter cost on a syscall-heavy workload: dd copying 400,000 single bytes (800,000 read/write calls)
# bare, under `sandbox run -p default` (deny list, ~526 BPF instructions) and `-p strict` (allow list),
# in ONE hyperfine run. The ratio includes sandbox's own launch (~15 ms), which is the honest figure for a
# user; the "filter only" line subtracts the /bin/true launch cost measured by launch.sh when its JSON
# is present. Target: <= 1.05x bare. Then the BPF size of every shipped profile, from
# `sandbox profile bpf NAME` (n/a when this build has no such subcommand).
#
# Environment: SANDBOX, RUNS (default 20), WARMUP (default 3), COUNT (dd count, default 400000), BENCH_OUT.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

runs=${RUNS:-20}
warmup=${WARMUP:-3}
count=${COUNT:-400000}
need hyperfine || { echo "seccomp: hyperfine unavailable, nothing measured"; exit 0; }
need jq || { echo "seccomp: jq unavailable, cannot read hyperfine's JSON"; exit 0; }
resolve_sandbox

dd_cmd="dd if=/dev/zero of=/dev/null bs=1 count=$count status=none"
args=(-N --warmup "$warmup" --runs "$runs" --export-json "$out_dir/seccomp.json" -n bare "$dd_cmd")
for p in default strict; do
  if works "$SANDBOX" run -q -p "$p" -- $dd_cmd; then
    args+=(-n "$p" "$SANDBOX run -q -p $p -- $dd_cmd")
  else
    echo "seccomp: skipping -p $p: the run fails here:"
    "$SANDBOX" run -q -p "$p" -- $dd_cmd 2>&1 | head -3 | sed 's/^/  /' || true
  fi
done
hyperfine "${args[@]}"

json=$out_dir/seccomp.json
bare=$(median "$json" bare); def=$(median "$json" default); str=$(median "$json" strict)
echo
echo "== seccomp: dd bs=1 count=$count, medians (ms), $runs runs"
summary "seccomp: dd bare (ms)" "${bare:-n/a}"
summary "seccomp: dd under -p default (ms)" "${def:-n/a}"
summary "seccomp: dd under -p strict (ms)" "${str:-n/a}"
summary "seccomp: default/bare (target <= 1.05)" "$(ratio "$def" "$bare")"
summary "seccomp: strict/bare (target <= 1.05)" "$(ratio "$str" "$bare")"
# The same ratios without sandbox's fixed launch cost, when launch.sh has run (same BENCH_OUT).
if [ -f "$out_dir/launch.json" ]; then
  launch=$(awk -v s="$(median "$out_dir/launch.json" sandbox)" -v b="$(median "$out_dir/launch.json" bare)" \
    'BEGIN { if (s == "" || b == "") print ""; else printf "%.3f", s - b }')
  if [ -n "$launch" ]; then
    sub() { [ -n "${1:-}" ] && awk -v a="$1" -v l="$launch" 'BEGIN { printf "%.3f", a - l }'; }
    summary "seccomp: default/bare minus launch ($launch ms)" "$(ratio "$(sub "$def")" "$bare")"
    summary "seccomp: strict/bare minus launch ($launch ms)" "$(ratio "$(sub "$str")" "$bare")"
  fi
fi

echo
echo "== BPF program size of the shipped profiles"
if "$SANDBOX" profile bpf default >/dev/null 2>&1; then
  bpf=(profile bpf)
elif "$SANDBOX" profile bpf-stats default >/dev/null 2>&1; then
  bpf=(profile bpf-stats)
else
  bpf=()
fi
profiles=$("$SANDBOX" profile list 2>/dev/null | awk '$2 ~ /^builtin:/ { print $1 }')
for p in ${profiles:-default strict}; do
  if [ "${#bpf[@]}" -eq 0 ]; then
    summary "bpf: $p (instructions)" "n/a (needs sandbox profile bpf)"
    continue
  fi
  line=$("$SANDBOX" "${bpf[@]}" "$p" 2>&1 | tail -1 || true)
  # Accepts "NAME: N instructions, ..." and "instructions N"; anything else is shown as is.
  n=$(sed -nE 's/.*[^0-9]([0-9]+) instructions.*/\1/p; s/^([0-9]+) instructions.*/\1/p; s/.*instructions[: ]+([0-9]+).*/\1/p' <<<"$line" | head -1)
  summary "bpf: $p (instructions)" "${n:-$line}"
done
