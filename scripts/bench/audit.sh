#!/usr/bin/env bash
# The syscall audit's cost (`sandbox run --audit`), with `strace -f -c` beside it, all interleaved
# (scripts/bench/interleave.c: every round runs each command once, in a shuffled order):
#
# 1. syscall-bound: dd if=/dev/zero of=/dev/null bs=1 count=COUNT (2*COUNT read/write calls): bare, under
#    sandbox without the audit, with the eBPF audit, with the seccomp-notify fallback, and under strace -f
#    -c. Targets: eBPF audited/bare <= 1.2 (strace: about 150); the fallback must beat strace.
# 2. realistic: python3 -c 'import json, email, http.client, sqlite3': the same five. Target: eBPF
#    audited/bare <= 1.05. "/sandbox" lines divide by sandbox without the audit, which takes sandbox's own
#    launch (a few ms, docs/benchmarks.md "Launch") out of the ratio.
# 3. fixed cost: sandbox run -- /bin/true with and without --audit (loading, verifying and attaching the
#    BPF program, reading its maps at the end). Target <= 10 ms.
#
# Environment: SANDBOX, DD_ROUNDS (default 5: strace makes each round long), COUNT (default 400000),
# PY_ROUNDS (default 30), LAUNCH_ROUNDS (default 200), WARMUP (default 2), STRACE=0 to leave strace out,
# BENCH_OUT. Needs root for the eBPF audit (otherwise its lines are n/a).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

dd_rounds=${DD_ROUNDS:-5}
py_rounds=${PY_ROUNDS:-30}
launch_rounds=${LAUNCH_ROUNDS:-200}
warmup=${WARMUP:-2}
count=${COUNT:-400000}
resolve_sandbox

interleave=$out_dir/interleave
cc -O2 -o "$interleave" "$bench_dir/interleave.c" || { echo "audit: no C compiler for interleave.c"; exit 0; }
with_strace=${STRACE:-1}
if [ "$with_strace" = 1 ] && ! need strace; then with_strace=0; fi
ebpf_ok=1
works "$SANDBOX" run -q --audit --set audit.mechanism=ebpf -- /bin/true || {
  ebpf_ok=0
  echo "audit: the eBPF audit cannot run here (needs root, or CAP_BPF and CAP_PERFMON):"
  "$SANDBOX" run -q --audit --set audit.mechanism=ebpf -- /bin/true 2>&1 | head -2 | sed 's/^/  /' || true
}

# run_set NAME ROUNDS COMMAND...: bare, sandbox, sandbox --audit (eBPF), the fallback, strace; medians
# into med[NAME/...].
declare -A med
run_set() {
  local set=$1 rounds=$2; shift 2
  local names=() commands=()
  add() { names+=("$1"); shift; commands+=(::: "$@"); }
  add bare "$@"
  add sandbox "$SANDBOX" run -q -- "$@"
  [ "$ebpf_ok" = 1 ] && add ebpf "$SANDBOX" run -q --audit --set audit.mechanism=ebpf -- "$@"
  add notify "$SANDBOX" run -q --audit --set audit.mechanism=seccomp-notify -- "$@"
  [ "$with_strace" = 1 ] && add strace strace -f -c -o /dev/null "$@"
  echo "== audit: $set, interleaved, $rounds rounds (medians, ms)"
  "$interleave" "$rounds" "$warmup" "${commands[@]}" > "$out_dir/audit-$set.tsv"
  while IFS=$'\t' read -r i ms; do med[$set/${names[$i]}]=$ms; done < "$out_dir/audit-$set.tsv"
  for name in "${names[@]}"; do printf '  %-10s %s\n' "$name" "${med[$set/$name]}"; done
}

run_set dd "$dd_rounds" dd if=/dev/zero of=/dev/null bs=1 count="$count" status=none
summary "audit: dd eBPF audited/bare (target <= 1.2)" "$(ratio "${med[dd/ebpf]:-}" "${med[dd/bare]}")"
summary "audit: dd eBPF audited/sandbox" "$(ratio "${med[dd/ebpf]:-}" "${med[dd/sandbox]}")"
summary "audit: dd fallback audited/bare" "$(ratio "${med[dd/notify]}" "${med[dd/bare]}")"
summary "audit: dd strace -f -c/bare" "$(ratio "${med[dd/strace]:-}" "${med[dd/bare]}")"
echo

py='import json, email, http.client, sqlite3'
run_set python "$py_rounds" python3 -c "$py"
summary "audit: python eBPF audited/bare (target <= 1.05)" "$(ratio "${med[python/ebpf]:-}" "${med[python/bare]}")"
summary "audit: python eBPF audited/sandbox" "$(ratio "${med[python/ebpf]:-}" "${med[python/sandbox]}")"
summary "audit: python fallback audited/bare" "$(ratio "${med[python/notify]}" "${med[python/bare]}")"
summary "audit: python fallback audited/sandbox" "$(ratio "${med[python/notify]}" "${med[python/sandbox]}")"
summary "audit: python strace -f -c/bare" "$(ratio "${med[python/strace]:-}" "${med[python/bare]}")"
echo

if [ "$ebpf_ok" = 1 ]; then
  echo "== audit: fixed cost, interleaved, $launch_rounds rounds (medians, ms)"
  "$interleave" "$launch_rounds" "$warmup" ::: "$SANDBOX" run -q -- /bin/true \
    ::: "$SANDBOX" run -q --audit --set audit.mechanism=ebpf -- /bin/true > "$out_dir/audit-launch.tsv"
  declare -a launch
  while IFS=$'\t' read -r i ms; do launch[$i]=$ms; done < "$out_dir/audit-launch.tsv"
  printf '  %-10s %s\n' plain "${launch[0]}" audited "${launch[1]}"
  summary "audit: --audit fixed launch cost (ms, target <= 10)" \
    "$(difference "${launch[1]}" "${launch[0]}")"
fi
