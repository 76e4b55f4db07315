# Shared helpers for scripts/bench/*.sh (sourced, not run).
# shellcheck shell=bash

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$bench_dir/../.." && pwd)
out_dir=${BENCH_OUT:-$repo_dir/bench-out}
mkdir -p "$out_dir"

note() { printf '%s\n' "$*" >&2; }

# as_root CMD...: runs CMD as root (directly when we are root, else through sudo when there is one).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else return 1; fi
}

# need CMD [PACKAGE]: makes sure CMD exists, installing PACKAGE (default CMD) with apt-get when it is
# missing. Returns 1 (after saying why) when it cannot, so that callers can skip a peer and go on.
apt_updated=
need() {
  local cmd=$1 pkg=${2:-$1}
  command -v "$cmd" >/dev/null && return 0
  if ! command -v apt-get >/dev/null; then note "missing $cmd and no apt-get to install $pkg"; return 1; fi
  note "installing $pkg (for $cmd)"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq >&2 || true; apt_updated=1; fi
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2; then
    note "could not install $pkg"; return 1
  fi
  command -v "$cmd" >/dev/null
}

# The binary under test: $SANDBOX, else the one scripts/build-release builds (and prints).
resolve_sandbox() {
  if [ -n "${SANDBOX:-}" ]; then
    [ -x "$SANDBOX" ] || { note "SANDBOX=$SANDBOX is not an executable"; exit 1; }
  else
    note "SANDBOX not set: building with scripts/build-release"
    SANDBOX=$("$repo_dir/scripts/build-release")
  fi
  SANDBOX=$(readlink -f "$SANDBOX")
  export SANDBOX
  note "sandbox: $SANDBOX ($("$SANDBOX" --version 2>/dev/null || echo '?'))"
}

# median JSON NAME: the median, in ms, of the hyperfine result whose command is NAME ("" when absent).
median() {
  jq -r --arg c "$2" '.results[] | select(.command == $c) | .median * 100000 | round / 100' "$1"
}

# ratio A B: A/B with 2 decimals ("n/a" when either is empty).
ratio() {
  if [ -z "${1:-}" ] || [ -z "${2:-}" ]; then echo n/a; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# works CMD...: true when CMD runs and exits 0 (quietly); used to drop a peer that does not work here.
works() { "$@" >/dev/null 2>&1; }

# difference A B: A - B in milliseconds, two decimals (what a part or a feature adds to a launch).
difference() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a - b }'; }

# summary KEY VALUE: appends a line to $BENCH_SUMMARY (used by all.sh) and prints it.
summary() {
  printf '%-52s %s\n' "$1" "$2"
  if [ -n "${BENCH_SUMMARY:-}" ]; then printf '%s\t%s\n' "$1" "$2" >> "$BENCH_SUMMARY"; fi
}
