#!/usr/bin/env bash
# Container launch: `sandbox run -q -p PROFILE -- /bin/true` with namespaces on, beside bubblewrap doing the
# same kind of work (`bwrap --unshare-all ... --proc /proc --dev /dev`), interleaved (scripts/bench/interleave.c:
# every round runs each command once, in a shuffled order), and `sandbox -p default` in the same rotation to
# show that the default path did not get slower. Target: container/bwrap <= 0.8.
# Then, with SERIES > 0, SERIES runs of the container profile in a row (hyperfine, every run's time kept):
# the median of the last hundred against the first hundred. Network namespaces are torn down
# asynchronously (a kworker, after an RCU grace period), so a fast loop can pile them up and slow down.
# Nothing here asserts: it prints figures.
#
# Usage: scripts/bench/container.sh [PROFILE]   PROFILE: a name or path for -p; default `ci`, or, with
# PROFILE=namespaces, a temporary profile that extends `default` with every namespace on and
# network.mode = "none" (namespaces without the filesystem view). Runs from a scratch directory under
# BENCH_OUT (ci binds the working directory read-write).
# Environment: SANDBOX (default: scripts/build-release), ROUNDS (interleaved rounds, default 500), WARMUP
# (default 20), SERIES (default 1000; 0 skips it), BENCH_OUT (default bench-out/), PARTS=1 (with the `ci`
# profile: also what each of its parts costs, as the difference from `ci` without it, interleaved with
# `ci` and `default`: its [cgroup], its [network], its [filesystem] view, its Landlock, and the
# namespaces alone), PHASES=1 (the same three commands with a static probe for /bin/true, which prints
# its clock as it exits: each launch split into the way in, spawn to the probe, and the way out, the
# probe's exit to the launcher's waitpid; interleave.c's INTERLEAVE_PHASES).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

rounds=${ROUNDS:-500}
warmup=${WARMUP:-20}
series=${SERIES:-1000}
resolve_sandbox
export SANDBOX_CACHE=$out_dir/container-cache
rm -rf "$SANDBOX_CACHE"

profile=${1:-ci}
if [ "$profile" = namespaces ]; then
  profile=$out_dir/container-all-namespaces.toml
  cat > "$profile" <<'TOML'
description = "Benchmark: every namespace, no network"
extends = "default"
[namespaces]
user = true
pid = true
mount = true
ipc = true
uts = true
cgroup = true
[network]
mode = "none"
TOML
fi
mkdir -p "$out_dir/container-work"
cd "$out_dir/container-work"
true_bin=$(command -v true)
container=("$SANDBOX" run -q -p "$profile" -- "$true_bin")
if ! works "${container[@]}"; then
  echo "container: 'sandbox run -q -p $profile -- true' fails here:"
  "${container[@]}" 2>&1 | sed 's/^/  /' || true
  exit 0
fi
bwrap_cmd=(bwrap --unshare-all --die-with-parent --new-session --ro-bind / / --tmpfs /tmp --proc /proc --dev /dev --cap-drop ALL "$true_bin")
have_bwrap=
if need bwrap bubblewrap && works "${bwrap_cmd[@]}"; then have_bwrap=1; else echo "container: bwrap unavailable or cannot run here"; fi

interleave=$out_dir/interleave
cc -O2 -o "$interleave" "$bench_dir/interleave.c"
names=(container default); commands=(::: "${container[@]}" ::: "$SANDBOX" run -q -p default -- "$true_bin")
[ -n "$have_bwrap" ] && { names+=(bwrap); commands+=(::: "${bwrap_cmd[@]}"); }
echo "== container: interleaved, $rounds rounds (medians, ms); profile $profile"
if "$interleave" "$rounds" "$warmup" "${commands[@]}" > "$out_dir/container.tsv"; then
  declare -A med
  while IFS=$'\t' read -r i ms; do med[${names[$i]}]=$ms; done < "$out_dir/container.tsv"
  for name in "${names[@]}"; do printf '  %-12s %s\n' "$name" "${med[$name]}"; done
  summary "container: sandbox (namespaces)/bwrap --unshare-all (target <= 0.8)" "$(ratio "${med[container]:-}" "${med[bwrap]:-}")"
  summary "container: sandbox -p default/bwrap --unshare-all" "$(ratio "${med[default]:-}" "${med[bwrap]:-}")"
  summary "container: namespaces cost over default (ms)" "$(difference "${med[container]}" "${med[default]}")"
else
  echo "container: the interleaved run failed"
fi

if [ "${PHASES:-0}" = 1 ]; then
  # In the working directory: ci binds it back, bwrap's --ro-bind / shows it (unless it lies under /tmp).
  probe=$PWD/phase-probe
  cc -O2 -static -o "$probe" "$bench_dir/phase-probe.c"
  phase_commands=(::: "$SANDBOX" run -q -p "$profile" -- "$probe" ::: "$SANDBOX" run -q -p default -- "$probe")
  [ -n "$have_bwrap" ] && phase_commands+=(::: "${bwrap_cmd[@]:0:${#bwrap_cmd[@]}-1}" "$probe")
  echo
  echo "== container: the way in and the way out, interleaved, $rounds rounds (medians, ms)"
  if INTERLEAVE_PHASES=1 "$interleave" "$rounds" "$warmup" "${phase_commands[@]}" > "$out_dir/container-phases.tsv"; then
    printf '  %-12s %8s %8s %8s\n' "" total "way in" "way out"
    while IFS=$'\t' read -r i total way_in way_out; do
      printf '  %-12s %8s %8s %8s\n' "${names[$i]}" "$total" "$way_in" "$way_out"
    done < "$out_dir/container-phases.tsv"
  else
    echo "container: the interleaved phases run failed (a probe under /tmp is hidden by both views)"
  fi
fi

if [ "${PARTS:-0}" = 1 ] && [ "$profile" = ci ]; then
  # Variants of profiles/ci.toml without one part each (awk drops a [section]).
  ci_toml=$repo_dir/profiles/ci.toml
  without() { awk -v drop="$1" '/^\[/ { skip = ($0 == "[" drop "]") } !skip' "$2"; }
  without cgroup "$ci_toml" > "$out_dir/ci-no-cgroup.toml"
  without network "$ci_toml" > "$out_dir/ci-no-network.toml"
  without filesystem "$ci_toml" > "$out_dir/ci-no-filesystem.toml"
  sed 's/^landlock_scope = .*/landlock = false/' "$ci_toml" > "$out_dir/ci-no-landlock.toml"
  without network "$out_dir/ci-no-filesystem.toml" | awk '/^\[/ { skip = ($0 == "[cgroup]") } !skip' > "$out_dir/ci-namespaces-only.toml"
  parts=(cgroup network filesystem landlock)
  part_commands=(::: "${container[@]}" ::: "$SANDBOX" run -q -p default -- "$true_bin")
  for part in "${parts[@]}"; do part_commands+=(::: "$SANDBOX" run -q -p "$out_dir/ci-no-$part.toml" -- "$true_bin"); done
  part_commands+=(::: "$SANDBOX" run -q -p "$out_dir/ci-namespaces-only.toml" -- "$true_bin")
  echo
  echo "== container: what each part of ci costs, interleaved, $rounds rounds (ms)"
  if "$interleave" "$rounds" "$warmup" "${part_commands[@]}" > "$out_dir/container-parts.tsv"; then
    mapfile -t part_ms < <(cut -f2 "$out_dir/container-parts.tsv")
    printf '  %-28s %s\n' "ci" "${part_ms[0]}" "default" "${part_ms[1]}"
    for i in "${!parts[@]}"; do
      summary "container: ci's ${parts[$i]} adds (ms)" "$(difference "${part_ms[0]}" "${part_ms[$((i + 2))]}")"
    done
    summary "container: ci's namespaces alone add over default (ms)" "$(difference "${part_ms[6]}" "${part_ms[1]}")"
  else
    echo "container: the interleaved parts run failed"
  fi
fi

if [ "$series" -gt 0 ] && need hyperfine && need jq; then
  echo
  echo "== container: $series runs in a row"
  hyperfine -N --warmup 0 --runs "$series" --export-json "$out_dir/container-series.json" "${container[*]}" >/dev/null
  # Medians of the first and last hundred (or tenth, for short series) of the runs, in ms.
  read -r first last < <(jq -r '.results[0].times as $t | ($t | length) as $n | ([100, ($n / 10 | floor)] | min) as $k
    | def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    "\(($t[0:$k] | med) * 1000) \(($t[$n - $k:$n] | med) * 1000)"' "$out_dir/container-series.json")
  summary "container: series, first runs median (ms)" "$(printf '%.2f' "$first")"
  summary "container: series, last runs median (ms)" "$(printf '%.2f' "$last")"
  summary "container: series, last/first (target <= 1.0)" "$(ratio "$last" "$first")"
fi
