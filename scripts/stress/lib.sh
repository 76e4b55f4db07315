# Shared by the stress scripts: the binary, a scratch directory with its own profile cache, and the
# checks that nothing was left behind (processes, cgroups, sockets, cache entries beyond the bound).
# Not timed tests: each script prints its figures and exits 1 on the first wrong status or leftover.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SANDBOX=${SANDBOX:-$root/.build/debug/sandbox}
[ -x "$SANDBOX" ] || { echo "stress: no binary at $SANDBOX (swift build, or set SANDBOX)" >&2; exit 1; }
work=$(mktemp -d /tmp/sandbox-stress-XXXXXX)
export SANDBOX_CACHE=$work/cache
mkdir -p "$SANDBOX_CACHE"
chmod 700 "$SANDBOX_CACHE"
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "stress: FAIL: $*" >&2; failures=$((failures + 1)); }

# What is alive or present now that sandbox may have made: processes whose command line names our
# scratch directory, cgroups named sandbox* beneath ours, unix sockets of ours, cache entries.
leftover_processes() { pgrep -f -- "$work" | grep -v "^$$\$" || true; }
leftover_cgroups() {
  local found=0 line hier path
  while IFS=: read -r _ hier path; do
    local base=/sys/fs/cgroup
    [ -n "$hier" ] && base=/sys/fs/cgroup/${hier#name=}
    [ -z "$hier" ] && base=/sys/fs/cgroup/unified
    [ -d "$base$path" ] || continue
    find "$base$path" -mindepth 1 -maxdepth 3 -type d -name 'sandbox*' 2>/dev/null && found=1
  done </proc/self/cgroup
  return 0
}
# Sockets: socket files under the scratch directory or /tmp made during the run, and sockets still
# open in any process running this binary (its listener and notification sockets die with it).
socket_count() {
  local n=0 pid
  n=$(find "$work" /tmp -maxdepth 2 -type s -newer "$work" 2>/dev/null | wc -l)
  for pid in $(pgrep -f -- "^$SANDBOX " || true); do
    n=$((n + $(find "/proc/$pid/fd" -lname 'socket:*' 2>/dev/null | wc -l)))
  done
  echo "$n"
}
cache_entries() { find "$SANDBOX_CACHE" -type f 2>/dev/null | wc -l; }

# Compares a status with the one expected, naming the run.
expect_status() {
  local want=$1 got=$2 what=$3
  [ "$got" = "$want" ] || fail "$what: exit $got, expected $want"
}

check_clean() {
  local what=$1 procs cgroups entries
  sleep 0.2
  procs=$(leftover_processes)
  [ -z "$procs" ] || fail "$what: processes left: $(echo $procs)"
  # New since the start, and their creator (sandbox-PID-...) gone: other engineers' live runs excluded.
  cgroups=$(comm -13 <(echo "$cgroups_before") <(leftover_cgroups | sort) | while read -r c; do
    pid=$(basename "$c" | sed -n 's/^sandbox-\([0-9]*\).*/\1/p')
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then echo "$c"; fi
  done)
  [ -z "$cgroups" ] || fail "$what: cgroups left: $(echo $cgroups)"
  entries=$(cache_entries)
  [ "$entries" -le 64 ] || fail "$what: $entries cache entries (bound 64)"
  [ "$(socket_count)" -le "${sockets_before:-0}" ] || fail "$what: unix sockets named sandbox left"
  ls "$SANDBOX_CACHE" | grep -q '\.tmp$' && fail "$what: temporary cache files left"
  return 0
}
sockets_before=$(socket_count)
cgroups_before=$(leftover_cgroups | sort)

finish() {
  if [ "$failures" -gt 0 ]; then echo "stress: $failures failures" >&2; exit 1; fi
  echo "stress: ok"
}
