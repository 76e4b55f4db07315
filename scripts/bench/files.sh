#!/usr/bin/env bash
# File-heavy workload: a small C program (files.c) creates, writes and deletes 20,000 files in a temporary
# directory; bare, under `sandbox run -p audit` (which records file activity: fanotify when privileged,
# seccomp-notify observation otherwise) and under `strace -f -e trace=file -o /dev/null` (the classic way
# to watch files), in ONE hyperfine run. Target: sandbox -p audit <= 1.3x bare.
#
# Environment: SANDBOX, RUNS (default 5), WARMUP (default 1), FILES (default 20000), BENCH_DIR (where the
# files go; default a new directory under /dev/shm), BENCH_OUT. tmpfs by default: on the ext4 disk of our
# CI machines the same bare run took anything from 1 to 15 s (ext4's inode allocator slows down as
# deleted inodes accumulate), which drowns a 30% effect. /dev is in the audit profile's default ignore
# list, so the audit run clears it (watch.ignore = ["/proc", "/sys"]) and the report check below proves
# every file was recorded.
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

shm=/dev/shm; [ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
work=${BENCH_DIR:-$(mktemp -d "$shm/sandbox-bench-files.XXXXXX")}
mkdir -p "$work"
trap 'rm -rf "$work/files".* "$work/files-bin" "$work/report.json"; [ -n "${BENCH_DIR:-}" ] || rmdir "$work" 2>/dev/null || true' EXIT
prog=$work/files-bin
"$cc" -O2 -o "$prog" "$bench_dir/files.c"
workload="$prog $work $files"
"$prog" "$work" 10 || { echo "files: the workload itself fails in $work"; exit 0; }

# hyperfine -N runs a command without a shell but splits it as one would, quotes included: the TOML list
# goes single-quoted on its command line. (A wrapper script, as before, put a /bin/sh start on the audit
# side only.)
ignore='watch.ignore=["/proc","/sys"]'
# audit.syscalls off: the audit profile also counts syscalls (scripts/bench/audit.sh measures that).
audited=("$SANDBOX" run -q -p audit --set "$ignore" --set audit.syscalls=false)
args=(-N --warmup "$warmup" --runs "$runs" --export-json "$out_dir/files.json" -n bare "$workload")
audit_err=$("${audited[@]}" -- $workload 2>&1 >/dev/null) && audit_ok=1 || audit_ok=
if [ -n "$audit_ok" ]; then
  args+=(-n audit "'$SANDBOX' run -q -p audit --set '$ignore' --set audit.syscalls=false -- $workload")
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
# What the audit run saw, so that a fast figure cannot hide a watcher that watched nothing: every file
# of one full-size run must be in the report with create, write and delete.
if [ -n "$audit_ok" ]; then
  "${audited[@]}" --report "$work/report.json" -- $workload >/dev/null 2>&1 || true
  seen=$(jq --arg dir "$work/files." '[.files[] | select((.path | startswith($dir)) and (.operations | index("create")) and (.operations | index("write")) and (.operations | index("delete")))] | length' "$work/report.json" 2>/dev/null || echo 0)
  summary "files: recorded with create+write+delete" "$seen of $files ($(jq -r '.files_mechanism' "$work/report.json" 2>/dev/null), overflow $(jq -r '.files_overflow' "$work/report.json" 2>/dev/null))"
fi

# The unprivileged mechanism (seccomp user notification on the file syscalls), as `nobody` when we are root:
# every observed call is a round trip through the supervisor, so it costs far more than fanotify.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && [ -n "$audit_ok" ]; then
  nobody_dir=$(mktemp -d "$shm/sandbox-bench-nobody.XXXXXX")
  chmod 755 "$nobody_dir"
  cp "$SANDBOX" "$nobody_dir/sandbox"; cp "$prog" "$nobody_dir/files-bin"; chmod 755 "$nobody_dir/sandbox" "$nobody_dir/files-bin"
  mkdir -m 777 "$nobody_dir/work"
  drop="setpriv --reuid=nobody --regid=nogroup --clear-groups"
  printf '#!/bin/sh\nexec %s %s "$@"\n' "$drop" "$nobody_dir/files-bin" > "$nobody_dir/bare.sh"
  printf '#!/bin/sh\nexec %s %s run -q -p audit --set audit.syscalls=false --set %s -- %s "$@"\n' "$drop" "$nobody_dir/sandbox" "'watch.ignore=[\"/proc\",\"/sys\"]'" "$nobody_dir/files-bin" > "$nobody_dir/notify.sh"
  chmod 755 "$nobody_dir/bare.sh" "$nobody_dir/notify.sh"
  hyperfine -N --warmup 1 --runs 3 --export-json "$out_dir/files-nobody.json" \
    -n bare-nobody "$nobody_dir/bare.sh $nobody_dir/work $files" -n audit-nobody "$nobody_dir/notify.sh $nobody_dir/work $files" || true
  nb=$(median "$out_dir/files-nobody.json" bare-nobody); na=$(median "$out_dir/files-nobody.json" audit-nobody)
  summary "files: as nobody, seccomp-notify (ms)" "${na:-n/a} (bare ${nb:-n/a})"
  summary "files: seccomp-notify/bare (no target)" "$(ratio "$na" "$nb")"
  rm -rf "$nobody_dir"
fi
