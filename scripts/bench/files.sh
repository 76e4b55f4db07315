#!/usr/bin/env bash
# File-heavy workload: a small C program (files.c) creates, writes and deletes 20,000 files in a temporary
# directory; bare, under `sandbox run -p audit` (which records file activity: fanotify when privileged,
# seccomp-notify observation otherwise) and under `strace -f -e trace=file -o /dev/null` (the classic way
# to watch files), in ONE hyperfine run. Target: sandbox -p audit <= 1.3x bare.
#
# Environment: SANDBOX, RUNS (default 5), WARMUP (default 1), FILES (default 20000), BENCH_DIR (where the
# files go; default a new directory under ${TMPDIR:-/tmp}), BENCH_OUT. Keep it on a disk filesystem: on
# tmpfs (/dev/shm) fanotify saw none of the files in our runs, so the audit figure would measure nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

runs=${RUNS:-5}
warmup=${WARMUP:-1}
files=${FILES:-20000}
need hyperfine || { echo "files: hyperfine unavailable, nothing measured"; exit 0; }
need jq || { echo "files: jq unavailable, cannot read hyperfine's JSON"; exit 0; }
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null; then need gcc || { echo "files: no C compiler, nothing measured"; exit 0; }; cc=gcc; fi
resolve_sandbox

work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sandbox-bench-files.XXXXXX")}
mkdir -p "$work"
trap 'rm -rf "$work/files".* "$work/files-bin"; [ -n "${BENCH_DIR:-}" ] || rmdir "$work" 2>/dev/null || true' EXIT
prog=$work/files-bin
"$cc" -O2 -o "$prog" "$bench_dir/files.c"
workload="$prog $work $files"
"$prog" "$work" 10 || { echo "files: the workload itself fails in $work"; exit 0; }

args=(-N --warmup "$warmup" --runs "$runs" --export-json "$out_dir/files.json" -n bare "$workload")
audit_err=$("$SANDBOX" run -q -p audit -- $workload 2>&1 >/dev/null) && audit_ok=1 || audit_ok=
if [ -n "$audit_ok" ]; then
  args+=(-n audit "$SANDBOX run -q -p audit -- $workload")
else
  echo "files: sandbox -p audit: n/a (the run fails here: $(head -1 <<<"$audit_err"))"
fi
if need strace && works strace -f -e trace=file -o /dev/null "$prog" "$work" 10; then
  args+=(-n strace "strace -f -e trace=file -o /dev/null $workload")
else
  echo "files: skipping strace: not installed or ptrace is not allowed here"
fi
hyperfine "${args[@]}"

json=$out_dir/files.json
bare=$(median "$json" bare); au=$(median "$json" audit); st=$(median "$json" strace)
echo
echo "== files: create+write+delete $files files, medians (ms), $runs runs"
summary "files: bare (ms)" "${bare:-n/a}"
summary "files: sandbox -p audit (ms)" "${au:-n/a}"
summary "files: strace -e trace=file (ms)" "${st:-n/a}"
summary "files: audit/bare (target <= 1.3)" "$(ratio "$au" "$bare")"
summary "files: strace/bare" "$(ratio "$st" "$bare")"
# What the audit run saw, so that a fast figure cannot hide a watcher that watched nothing.
if [ -n "$audit_ok" ]; then
  "$SANDBOX" run -p audit -- "$prog" "$work" 100 2>&1 >/dev/null | grep -iE 'file|watch|creat|delet|wrote|written' | head -5 | sed 's/^/  audit report: /' || true
fi
