#!/usr/bin/env bash
# Launch overhead: how long `sandbox run` takes to start and reap a command that does nothing, beside bare
# /bin/true, bubblewrap and firejail. Two measurements of the same commands:
# - interleaved (scripts/bench/interleave.c, compiled here): every round runs each command once, in a
#   shuffled order, so the machine's drift during the run lands on all of them alike. The headline ratio.
#   (Not firejail, see below.)
# - one hyperfine run (each command's runs back to back), for its mean, spread and min/max.
# sandbox runs from a warm compiled-profile cache (every run after the first); "cache off" is
# SANDBOX_CACHE=off, which compiles the profile every time (the first run of a profile costs that much).
# Then the supervisor's own peak RSS (VmHWM of the sandbox process, read from /proc while it supervises
# `sleep`). Targets: sandbox/bwrap <= 0.8; VmHWM <= 8 MiB. Nothing here asserts: it prints figures.
#
# Environment: SANDBOX (binary under test; default: scripts/build-release), RUNS (default 200; the
# interleaved run does ROUNDS, default 1000), WARMUP (default 20), BENCH_OUT (output directory; default
# bench-out/).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

runs=${RUNS:-200}
rounds=${ROUNDS:-1000}
warmup=${WARMUP:-20}
need hyperfine || { echo "launch: hyperfine unavailable, nothing measured"; exit 0; }
need jq || { echo "launch: jq unavailable, cannot read hyperfine's JSON"; exit 0; }
resolve_sandbox
# A cache of the benchmark's own, warmed below by `works`.
export SANDBOX_CACHE=$out_dir/profile-cache
rm -rf "$SANDBOX_CACHE"

true_bin=$(command -v true)   # /bin/true or /usr/bin/true
args=(-N --warmup "$warmup" --runs "$runs" --export-json "$out_dir/launch.json")
args+=(-n bare "$true_bin")
if works "$SANDBOX" run -q -p default -- "$true_bin"; then
  args+=(-n sandbox "$SANDBOX run -q -p default -- $true_bin")
else
  echo "launch: skipping sandbox: 'sandbox run -q -p default -- true' fails here:"
  "$SANDBOX" run -q -p default -- "$true_bin" 2>&1 | sed 's/^/  /' || true
fi
bwrap_cmd="bwrap --dev-bind / / --die-with-parent --new-session --cap-drop ALL $true_bin"
if need bwrap bubblewrap && works $bwrap_cmd; then
  args+=(-n bwrap "$bwrap_cmd")
else
  echo "launch: skipping bwrap: not installed or it cannot run here (user namespaces / setuid?)"
fi
firejail_cmd="firejail --quiet --noprofile $true_bin"
if need firejail && works $firejail_cmd; then
  args+=(-n firejail "$firejail_cmd")
else
  echo "launch: skipping firejail: not installed or it refuses to run here (it needs setuid root, no nesting)"
fi

# The interleaved run: the same commands, and sandbox with the cache off.
interleave=$out_dir/interleave
if cc -O2 -o "$interleave" "$bench_dir/interleave.c" 2>/dev/null; then
  names=(); commands=()
  add() { names+=("$1"); shift; commands+=(::: "$@"); }
  add bare "$true_bin"
  works "$SANDBOX" run -q -p default -- "$true_bin" && {
    add sandbox "$SANDBOX" run -q -p default -- "$true_bin"
    add "sandbox, cache off" SANDBOX_CACHE=off "$SANDBOX" run -q -p default -- "$true_bin"
  }
  printf '%s\n' "${args[@]}" | grep -qx bwrap && add bwrap $bwrap_cmd
  # Not firejail: its 25 ms of namespace set-up leave kernel work behind (namespace teardown in kworkers,
  # RCU callbacks) that lands on whichever command follows it and takes the second CPU sandbox uses;
  # with firejail in the rotation sandbox/bwrap read 0.80-0.82 where they read 0.68-0.72 without it. It
  # is measured by hyperfine below, after the others.
  echo "== launch: interleaved, $rounds rounds (medians, ms)"
  if "$interleave" "$rounds" "$warmup" "${commands[@]}" > "$out_dir/interleave.tsv"; then
    declare -A med
    while IFS=$'\t' read -r i ms; do med[${names[$i]}]=$ms; done < "$out_dir/interleave.tsv"
    for name in "${names[@]}"; do printf '  %-20s %s\n' "$name" "${med[$name]}"; done
    summary "launch: sandbox/bwrap, interleaved (target <= 0.8)" "$(ratio "${med[sandbox]:-}" "${med[bwrap]:-}")"
    summary "launch: sandbox, cache off/bwrap, interleaved" "$(ratio "${med[sandbox, cache off]:-}" "${med[bwrap]:-}")"
    summary "launch: sandbox/bare, interleaved" "$(ratio "${med[sandbox]:-}" "${med[bare]:-}")"
  else
    echo "launch: the interleaved run failed"
  fi
  echo
else
  echo "launch: no C compiler for scripts/bench/interleave.c; interleaved run skipped"
fi

hyperfine "${args[@]}"
json=$out_dir/launch.json
bare=$(median "$json" bare); sb=$(median "$json" sandbox); bw=$(median "$json" bwrap); fj=$(median "$json" firejail)
echo
echo "== launch: hyperfine medians (ms), $runs runs"
summary "launch: bare true (ms)" "${bare:-n/a}"
summary "launch: sandbox -p default (ms)" "${sb:-n/a}"
summary "launch: bwrap (ms)" "${bw:-n/a}"
summary "launch: firejail (ms)" "${fj:-n/a}"
summary "launch: sandbox/bwrap, hyperfine" "$(ratio "$sb" "$bw")"
summary "launch: sandbox/bare" "$(ratio "$sb" "$bare")"
summary "launch: sandbox/firejail" "$(ratio "$sb" "$fj")"

# Peak RSS of the supervisor alone. GNU time's %M is the max over sandbox and the children it reaped, so
# it is shown for reference only; VmHWM of the sandbox pid is the supervisor's own high-water mark.
echo
echo "== supervisor peak RSS (VmHWM of the sandbox process while it supervises 'sleep 1')"
hwms=(); anons=(); files=()
for i in 1 2 3 4 5; do
  "$SANDBOX" run -q -- sleep 1 &
  pid=$!
  sleep 0.5
  status=$(cat "/proc/$pid/status" 2>/dev/null || true)
  wait "$pid" || true
  hwm=$(awk '/^VmHWM:/ { print $2 }' <<<"$status")
  [ -n "$hwm" ] || continue
  hwms+=("$hwm"); anons+=("$(awk '/^RssAnon:/ { print $2 }' <<<"$status")"); files+=("$(awk '/^RssFile:/ { print $2 }' <<<"$status")")
done
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
maxof() { printf '%s\n' "$@" | sort -n | tail -1; }
if [ "${#hwms[@]}" -gt 0 ]; then
  echo "VmHWM samples (KiB): ${hwms[*]}"
  echo "at 0.5 s, RssAnon (KiB): ${anons[*]}; RssFile (KiB): ${files[*]}"
  summary "rss: supervisor VmHWM, max of 5 (MiB, target <= 8)" "$(mib "$(maxof "${hwms[@]}")")"
  # VmHWM counts the binary's mapped pages (shared, clean, reclaimable) as well as its own memory.
  summary "rss: of which anonymous (MiB)" "$(mib "$(maxof "${anons[@]}")")"
  summary "rss: of which file-backed (MiB)" "$(mib "$(maxof "${files[@]}")")"
else
  summary "rss: supervisor VmHWM (MiB)" "n/a (could not read /proc/PID/status)"
fi
if [ -x /usr/bin/time ] || need /usr/bin/time time; then
  m=$( { /usr/bin/time -f %M "$SANDBOX" run -q -- sleep 0.5 >/dev/null; } 2>&1 | tail -1 )
  summary "rss: /usr/bin/time %M, max(sandbox, child) (MiB)" "$(mib "$m")"
fi
