#!/usr/bin/env bash
# ASLR's cost: the release binary as a static-pie (LINK=static-pie scripts/build-release: loaded at a
# random address, relocating itself at start with packed relative relocations) against the
# position-dependent static executable (LINK=static, the default), interleaved (interleave.c: every round runs each
# command once, in a shuffled order), REPEATS times, so the spread between runs on a loaded machine shows.
# Prints each run's medians and the difference per launch; the rule is to keep ASLR unless it costs more
# than 0.2 ms. Also the relocation sections of both binaries (readelf). Nothing here asserts.
#
# Environment: PIE and STATIC (binaries; default: built here with scripts/build-release), ROUNDS (default
# 500), WARMUP (default 20), REPEATS (default 3), BENCH_OUT (default bench-out/).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${ROUNDS:-500} warmup=${WARMUP:-20} repeats=${REPEATS:-3}
pie=${PIE:-$(LINK=static-pie "$root/scripts/build-release")}
static=${STATIC:-$(LINK=static "$root/scripts/build-release")}
true_bin=$(command -v true)
export SANDBOX_CACHE=$out_dir/aslr-cache
rm -rf "$SANDBOX_CACHE"
for bin in "$pie" "$static"; do works "$bin" run -q -p default -- "$true_bin" || { echo "aslr: $bin cannot run here"; exit 0; }; done

echo "== aslr: the binaries"
for bin in "$pie" "$static"; do
  type=$(readelf -h "$bin" | awk '/Type:/ { print $2 }')
  relr=$(readelf -S -W "$bin" | awk '$2 == ".relr.dyn" || $2 == ".rela.dyn" { printf "%s 0x%s bytes; ", $2, $6 }')
  echo "  $bin: ELF $type, ${relr:-no dynamic relocations; }$(stat -c %s "$bin") bytes, $( { /usr/bin/time -f %R "$bin" run -q -- true; } 2>&1 >/dev/null | tail -1) minor faults for run -q -- true"
done
# Where each binary's code is mapped, in two runs: the static-pie's moves, the static one's does not.
for bin in "$static" "$pie"; do
  addresses=()
  for _ in 1 2; do
    "$bin" run -q -- sleep 0.3 & pid=$!
    sleep 0.1
    addresses+=("$(awk -v b="$bin" '$2 ~ /x/ && $6 == b { print $1; exit }' "/proc/$pid/maps" 2>/dev/null)")
    wait "$pid" || true
  done
  echo "  code of $bin: ${addresses[*]}"
done
interleave=$out_dir/interleave
cc -O2 -o "$interleave" "$bench_dir/interleave.c"
echo "== aslr: interleaved, $rounds rounds, $repeats runs (medians, ms)"
diffs=()
for r in $(seq 1 "$repeats"); do
  "$interleave" "$rounds" "$warmup" ::: "$true_bin" ::: "$static" run -q -p default -- "$true_bin" \
    ::: "$pie" run -q -p default -- "$true_bin" > "$out_dir/aslr.tsv"
  declare -A med=()
  while IFS=$'\t' read -r i ms; do med[$i]=$ms; done < "$out_dir/aslr.tsv"
  d=$(awk -v p="${med[2]}" -v s="${med[1]}" 'BEGIN { printf "%.3f", p - s }')
  diffs+=("$d")
  echo "  run $r: bare ${med[0]}  static ${med[1]}  static-pie ${med[2]}  pie - static ${d} ms  ratio $(ratio "${med[2]}" "${med[1]}")"
done
sorted=$(printf '%s\n' "${diffs[@]}" | sort -n | tr '\n' ' ')
summary "aslr: static-pie minus static per launch (ms), runs sorted" "$sorted"
summary "aslr: keep ASLR (cost <= 0.2 ms in the median run)" "$(printf '%s\n' "${diffs[@]}" | sort -n | awk '{ a[NR] = $1 } END { m = a[int((NR + 1) / 2)]; print (m <= 0.2 ? "yes" : "no") " (median " m " ms)" }')"
