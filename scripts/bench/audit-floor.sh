#!/usr/bin/env bash
# The floor under the eBPF syscall audit: what attaching programs to the raw sys_enter / sys_exit
# tracepoints costs a syscall-bound command by itself, with the audit beside it, all interleaved
# (interleave.c) in one run. audit-floor.c attaches the programs of audit-floor.bpf.c system-wide around
# one run of the command:
#   none      nothing attached (the loader's own fork and wait only)
#   empty2    empty programs on sys_enter and sys_exit (the audit's shape)
#   empty1    an empty program on sys_exit only
#   storage1  sys_exit only, the audit's "is this task ours" (a task-storage lookup finding nothing)
#   cgroup1   sys_exit only, a cgroup-id compare instead of the task-storage lookup
#   count2    the audit's minimum per call on both: sys_enter keeps the number in task storage, sys_exit
#             counts it (per-CPU array) with errors; the command's task is made "ours" (no children)
#   count1    the same counting at sys_exit only, the number from the saved orig_ax
# around dd if=/dev/zero of=/dev/null bs=1 count=COUNT; then none, empty2 and empty1 around
# `sandbox run -q -- dd ...` (its seccomp filter already sends every call through the kernel's slow
# syscall path), and `sandbox run -q --audit` itself. Every ratio is against the bare dd ("none").
# Environment: SANDBOX, ROUNDS (default 7), COUNT (default 400000), WARMUP (default 1), MODES. Root only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${ROUNDS:-7}
warmup=${WARMUP:-1}
count=${COUNT:-400000}
modes=${MODES:-none empty2 empty1 storage1 cgroup1 count2 count1}
[ "$(id -u)" = 0 ] || { echo "audit-floor: needs root (BPF programs)"; exit 0; }
resolve_sandbox
clang=${CLANG:-$(command -v /opt/swift/usr/bin/clang || command -v clang)}
"$clang" -target bpf -O2 -g -mllvm -bpf-disable-trap-unreachable -I/usr/include/x86_64-linux-gnu \
  -c "$bench_dir/audit-floor.bpf.c" -o "$out_dir/audit-floor.bpf.o"
cc -O2 -o "$out_dir/audit-floor" "$bench_dir/audit-floor.c" -lbpf
cc -O2 -o "$out_dir/interleave" "$bench_dir/interleave.c"
dd_cmd=(dd if=/dev/zero of=/dev/null bs=1 count="$count" status=none)
floor=("$out_dir/audit-floor" "$out_dir/audit-floor.bpf.o")
names=() commands=()
cpu=$out_dir/audit-floor-cpu.txt
: > "$cpu"
# Each command runs under the loader, which also appends its CPU time (user + system, dd's included) to
# $cpu: on a loaded machine the CPU medians move less than the wall-time ones.
add() { local name=$1 mode=$2; shift 2; names+=("$name"); commands+=(::: AUDIT_FLOOR_CPU="$cpu" AUDIT_FLOOR_NAME="$name" "${floor[@]}" "$mode" "$@"); }
for mode in $modes; do add "$mode" "$mode" "${dd_cmd[@]}"; done
for mode in none empty2 empty1; do add "sandbox+$mode" "$mode" "$SANDBOX" run -q -- "${dd_cmd[@]}"; done
add audit none "$SANDBOX" run -q --audit --set audit.mechanism=ebpf -- "${dd_cmd[@]}"
echo "== audit floor: dd bs=1 count=$count, interleaved, $rounds rounds (medians, ms; ratio to bare): wall, CPU"
"$out_dir/interleave" "$rounds" "$warmup" "${commands[@]}" > "$out_dir/audit-floor.tsv"
declare -A m=() c=()
while IFS=$'\t' read -r i ms; do m[${names[$i]}]=$ms; done < "$out_dir/audit-floor.tsv"
# CPU medians per name (the warm-up rounds' lines dropped: the first WARMUP of each name).
while read -r name ms; do c[$name]=$ms; done < <(awk -v w="$warmup" '++n[$1] > w' "$cpu" | sort -k1,1 -k2,2n |
  awk '{ v[$1, ++n[$1]] = $2 } END { for (k in n) { c = n[k]; print k, (c % 2 ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2) } }')
for name in "${names[@]}"; do
  printf '  %-16s %8s  %s   %8s  %s\n' "$name" "${m[$name]}" "$(ratio "${m[$name]}" "${m[none]}")" "${c[$name]:-}" "$(ratio "${c[$name]:-}" "${c[none]:-}")"
done
summary "audit floor: one empty sys_exit program around dd / bare" "$(ratio "${m[empty1]}" "${m[none]}")"
summary "audit floor: empty sys_enter + sys_exit around dd / bare" "$(ratio "${m[empty2]}" "${m[none]}")"
summary "audit floor: counting at sys_exit only / bare" "$(ratio "${m[count1]}" "${m[none]}")"
summary "audit floor: sandbox + one empty sys_exit program / bare" "$(ratio "${m[sandbox+empty1]}" "${m[none]}")"
summary "audit floor: CPU, one empty sys_exit program / bare" "$(ratio "${c[empty1]:-}" "${c[none]:-}")"
summary "audit floor: CPU, empty sys_enter + sys_exit / bare" "$(ratio "${c[empty2]:-}" "${c[none]:-}")"
summary "audit floor: CPU, counting at sys_exit only / bare" "$(ratio "${c[count1]:-}" "${c[none]:-}")"
summary "audit floor: CPU, the audit (two programs) / bare" "$(ratio "${c[audit]:-}" "${c[none]:-}")"
