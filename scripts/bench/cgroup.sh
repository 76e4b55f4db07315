#!/usr/bin/env bash
# The launch cost a cgroup adds: `sandbox run -q -p default -- /bin/true` without a cgroup, with an empty one
# (cgroup.enabled: membership and accounting only) and with limits (memory, processes, cpu), interleaved
# (scripts/bench/interleave.c: every round runs each once, in a shuffled order). The cgroup runs pay for
# creating one cgroup per hierarchy (six on a hybrid host: unified, memory, pids, cpu, cpuacct, blkio),
# the limit writes, the report's reads and the removal. Target: <= 0.3 ms added. Then the same for the ci
# profile (its memory and process limits), against ci without its [cgroup] section. Nothing here asserts.
#
# Environment: SANDBOX (binary under test; default: scripts/build-release), ROUNDS (default 500), WARMUP
# (default 20), BENCH_OUT, BASELINE (optional: another build, e.g. main's, measured the same way in the same
# interleaved run, each of its peers beside SANDBOX's, so that before and after share the machine's state).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

rounds=${ROUNDS:-500}
warmup=${WARMUP:-20}
resolve_sandbox
export SANDBOX_CACHE=$out_dir/profile-cache
rm -rf "$SANDBOX_CACHE"
true_bin=$(command -v true)
limits=(--set cgroup.memory=512MiB --set cgroup.processes=4096 --set cgroup.cpu=1.5)
if ! works "$SANDBOX" run -q -p default "${limits[@]}" -- "$true_bin"; then
  echo "cgroup: a run with a cgroup fails here (not root, or no delegated cgroup?):"
  "$SANDBOX" run -q -p default "${limits[@]}" -- "$true_bin" 2>&1 | sed 's/^/  /' || true
  exit 0
fi
works "$SANDBOX" run -q -p default --set cgroup.enabled=true -- "$true_bin"
interleave=$out_dir/interleave
cc -O2 -o "$interleave" "$bench_dir/interleave.c" || { echo "cgroup: no C compiler for interleave.c"; exit 0; }
names=("no cgroup" "cgroup, no limits" "cgroup + limits")
peers=(::: "$SANDBOX" run -q -p default -- "$true_bin"
       ::: "$SANDBOX" run -q -p default --set cgroup.enabled=true -- "$true_bin"
       ::: "$SANDBOX" run -q -p default "${limits[@]}" -- "$true_bin")
# The ci profile with its cgroup (memory, processes) and without (the same profile, its [cgroup] section
# left out): there the cgroups are made on their thread while the filesystem view is prepared.
ci_plain=$out_dir/ci-without-cgroup.toml
sed '/^\[cgroup\]/,/^\[/{/^\[cgroup\]/d;/^\[/!d}' "$repo_dir/profiles/ci.toml" > "$ci_plain"
if works "$SANDBOX" run -q -p ci -- "$true_bin" && works "$SANDBOX" run -q -p "$ci_plain" -- "$true_bin"; then
  names+=("ci without cgroup" "ci")
  peers+=(::: "$SANDBOX" run -q -p "$ci_plain" -- "$true_bin" ::: "$SANDBOX" run -q -p ci -- "$true_bin")
else
  echo "cgroup: the ci profile does not run here; measuring default only"
fi
if [ -n "${BASELINE:-}" ]; then
  [ -x "$BASELINE" ] || { echo "cgroup: BASELINE=$BASELINE is not an executable"; exit 1; }
  # The same peers with the baseline binary: every word "$SANDBOX" of the list above becomes "$BASELINE".
  base_peers=()
  for word in "${peers[@]}"; do base_peers+=("$([ "$word" = "$SANDBOX" ] && echo "$BASELINE" || echo "$word")"); done
  for name in "${names[@]}"; do names+=("baseline: $name"); done
  peers+=("${base_peers[@]}")
fi
"$interleave" "$rounds" "$warmup" "${peers[@]}" > "$out_dir/cgroup.tsv"
declare -A med
while IFS=$'\t' read -r i ms; do med[${names[$i]}]=$ms; done < "$out_dir/cgroup.tsv"
echo "== cgroup: interleaved, $rounds rounds (medians, ms)"
for name in "${names[@]}"; do printf '  %-20s %s\n' "$name" "${med[$name]}"; done
added() { difference "$1" "$2"; }
summary "cgroup: added by an empty cgroup (ms, target <= 0.3)" "$(added "${med[cgroup, no limits]}" "${med[no cgroup]}")"
summary "cgroup: added by a cgroup with limits (ms, target <= 0.3)" "$(added "${med[cgroup + limits]}" "${med[no cgroup]}")"
summary "cgroup: with limits / without, interleaved" "$(ratio "${med[cgroup + limits]}" "${med[no cgroup]}")"
if [ -n "${med[ci]:-}" ]; then
  summary "cgroup: added to ci by its cgroup (ms, target <= 0.3)" "$(added "${med[ci]}" "${med[ci without cgroup]}")"
fi
if [ -n "${BASELINE:-}" ]; then
  summary "cgroup: baseline, added by an empty cgroup (ms)" "$(added "${med[baseline: cgroup, no limits]}" "${med[baseline: no cgroup]}")"
  summary "cgroup: baseline, added by a cgroup with limits (ms)" "$(added "${med[baseline: cgroup + limits]}" "${med[baseline: no cgroup]}")"
  if [ -n "${med[baseline: ci]:-}" ]; then
    summary "cgroup: baseline, added to ci by its cgroup (ms)" "$(added "${med[baseline: ci]}" "${med[baseline: ci without cgroup]}")"
  fi
fi
# The floor: the same cgroup work without sandbox (scripts/bench/cgroup-floor.c: mkdirs, clone3 into the
# cgroup2 one, the child's v1 `tasks` writes, cgroup.kill, one counter read each, rmdirs), beside a bare
# clone3 + exec, as a quiet run with `cgroup.enabled=true` does it: on a hybrid host cgroup2, pids and memory
# (no blkio: only the report's figures use it), beneath this process's own cgroups.
own() { awk -F: -v c="$1" '$2 == c { print ($3 == "/" ? "" : $3) }' /proc/self/cgroup; }
floor=$out_dir/cgroup-floor
if cc -O2 -o "$floor" "$bench_dir/cgroup-floor.c"; then
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    floor_args=("/sys/fs/cgroup$(own "")")
  else
    floor_args=("/sys/fs/cgroup/unified$(own "")" "/sys/fs/cgroup/pids$(own pids)" pids.events
                "/sys/fs/cgroup/memory$(own memory)" memory.oom_control)
  fi
  if read -r bare with < <("$floor" "$rounds" "${floor_args[@]}"); then
    echo "== cgroup floor (no sandbox): clone3 + exec /bin/true $bare ms, with the cgroups $with ms"
    summary "cgroup: the kernel's floor, cgroups of a quiet run (ms)" "$(added "$with" "$bare")"
  fi
fi
# Nothing left behind by the runs above: sandbox-<pid>-* cgroups whose supervisor is gone (other sandboxes
# running on the machine have theirs).
left=0
while read -r dir; do
  pid=${dir##*/sandbox-}; pid=${pid%%-*}
  kill -0 "$pid" 2>/dev/null || left=$((left + 1))
done < <(find /sys/fs/cgroup -maxdepth 4 -type d -name "sandbox-*" 2>/dev/null)
summary "cgroup: sandbox-* cgroups left after the runs" "$left"
