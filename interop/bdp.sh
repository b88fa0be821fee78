#!/usr/bin/env bash
# High bandwidth-delay product: one seeder, one downloader, through a userspace delay line.
#
# The kernel here has no netem, so io.btlib.benchmarks.DelayLine (bt-benchmarks/target/
# benchmarks.jar) sits between the two on 127.0.0.1: the downloader dials the line, the line
# dials the seeder, and each direction gets a one-way delay of RTT/2 and a rate cap (a paced
# reader, then timestamped chunks held for the delay; it buffers 2 x the product + 8 MiB, so it
# never throttles by itself). For every round trip x rate, each pair (libtorrent -> libtorrent,
# libtorrent -> bt, bt -> libtorrent, bt -> bt) downloads the same file; the table gives the
# downloader's rate (its complete event: bytes / seconds from its start to the last piece) and the
# rate the line carried over the second half of the bytes (past slow start), each also as a
# share of the link. Every download is checked with cmp.
#
# Usage: interop/bdp.sh                        (from anywhere in the repository)
# Env:   RTTS     round trips in ms (default "200")
#        RATES    link rates in MiB/s, each way (default "50")
#        SIZE     data size in MiB (default 256)
#        PIECE    piece length in bytes (default 1048576)
#        PAIRS    default "lt-lt lt-bt bt-lt bt-bt"
#        REPEAT   runs of each pair (default 2); the table shows the best
#        TIMEOUT  seconds a download may take (default 60)
#        BT_HEAP  JVM heap options for bt (default -Xmx256m)
#        BT_JAR   the bt CLI jar to run (default bt-cli/target/bt.jar), e.g. an older build to
#                 compare against
#        BUILD=1  build the jars first (mvn -B -q -o package -DskipTests)
# Needs: /usr/bin/python3 with libtorrent (python3-libtorrent), java 17, cmp.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
lt_peer="$here/lt_peer.py"
jar="${BT_JAR:-$root/bt-cli/target/bt.jar}"
bench_jar="$root/bt-benchmarks/target/benchmarks.jar"
py=/usr/bin/python3
rtts="${RTTS:-200}"
rates="${RATES:-50}"
size_mib="${SIZE:-256}"
piece="${PIECE:-1048576}"
pairs="${PAIRS:-lt-lt lt-bt bt-lt bt-bt}"
repeat="${REPEAT:-2}"
timeout="${TIMEOUT:-60}"
bt_heap="${BT_HEAP:--Xmx256m}"

"$py" -c 'import libtorrent' 2>/dev/null \
  || { echo "$py cannot import libtorrent (apt-get install python3-libtorrent)" >&2; exit 1; }
if [[ "${BUILD:-0}" == 1 || ! -f "$jar" || ! -f "$bench_jar" ]]; then
  echo "building ..." >&2
  (cd "$root" && mvn -B -q -o package -DskipTests) >&2
fi

tmp="$(mktemp -d /tmp/bt-bdp.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [[ -n "$p" ]] && kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=lib.sh
. "$here/lib.sh"

echo "== machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(java -version 2>&1 | head -1); libtorrent $("$py" -c 'import libtorrent as l; print(l.__version__)')"
mkdir -p "$tmp/src"
head -c $((size_mib << 20)) /dev/urandom >"$tmp/src/data.bin"
torrent="$tmp/data.torrent"
java -jar "$jar" create "$tmp/src/data.bin" -o "$torrent" --piece-length "$piece" --no-date \
  --json >/dev/null
echo "== data: $size_mib MiB, piece length $piece"

declare -A best best_half
run_pair() {
  local rtt="$1" rate="$2" pair="$3" run="$4" seeder="${3%-*}" leecher="${3#*-}"
  local key="$rtt/$rate/$pair" sport lport sout dout lout dl
  sport="$(free_port)"
  sout="$tmp/seed.out"
  dout="$tmp/download.out"
  lout="$tmp/line.out"
  dl="$tmp/dl"
  rm -rf "$dl"
  mkdir -p "$dl"
  if [[ "$seeder" == lt ]]; then
    "$py" -u "$lt_peer" seed --torrent "$torrent" --dir "$tmp/src" --port "$sport" \
      >"$sout" 2>"$sout.err" &
  else
    # shellcheck disable=SC2086
    java $bt_heap -jar "$jar" seed "$torrent" "$tmp/src" --port "$sport" --no-dht --json \
      >"$sout" 2>"$sout.err" &
  fi
  local spid=$!
  pids+=("$spid")
  if ! wait_for_line "$sout" '"listening"' 120 "$spid"; then
    echo "seeder $seeder did not start:" >&2
    tail -5 "$sout.err" >&2
    return 1
  fi
  lport="$(free_port)"
  java -cp "$bench_jar" io.btlib.benchmarks.DelayLine "$lport" "127.0.0.1:$sport" $((rtt / 2)) \
    "$rate" >"$lout" 2>"$lout.err" &
  local lpid=$!
  pids+=("$lpid")
  wait_for_line "$lout" '"listening"' 30 "$lpid" \
    || { echo "delay line did not start:" >&2; tail -3 "$lout.err" >&2; return 1; }
  local rc=0
  if [[ "$leecher" == lt ]]; then
    "$py" -u "$lt_peer" download --torrent "$torrent" --dir "$dl" --port "$(free_port)" \
      --peer "127.0.0.1:$lport" --timeout "$timeout" >"$dout" 2>"$dout.err" || rc=$?
  else
    # shellcheck disable=SC2086
    java $bt_heap -jar "$jar" download "$torrent" -o "$dl" --port "$(free_port)" --no-dht \
      --peer "127.0.0.1:$lport" --timeout "$timeout" --json >"$dout" 2>"$dout.err" || rc=$?
  fi
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  sleep 0.3
  kill "$lpid" 2>/dev/null || true
  wait "$lpid" 2>/dev/null || true
  if ((rc != 0)) || ! grep -q '"complete"' "$dout"; then
    echo "  $key run $run: download failed (exit $rc)" >&2
    tail -3 "$dout.err" >&2
    return 1
  fi
  cmp -s "$tmp/src/data.bin" "$dl/data.bin" \
    || { echo "  $key run $run: downloaded data differs" >&2; return 1; }
  local r half
  r="$(grep '"complete"' "$dout" | tail -1 | sed -n 's/.*"rateMiBps":\([0-9.]*\).*/\1/p')"
  # the line's busiest direction is the seeder's upload
  half="$(grep '"relayed"' "$lout" | sed -n 's/.*"bytes":\([0-9]*\).*"secondHalfMiBps":\([0-9.]*\).*/\1 \2/p' \
    | sort -n | tail -1 | awk '{print $2}')"
  printf '  %4s ms %5s MiB/s %-6s run %d: %7.1f MiB/s (second half %s MiB/s)  load %s\n' \
    "$rtt" "$rate" "$pair" "$run" "$r" "${half:--}" "$(cut -d' ' -f1 /proc/loadavg)"
  if [[ -z "${best[$key]:-}" ]] || awk "BEGIN {exit !($r > ${best[$key]})}"; then
    best[$key]="$r"
    best_half[$key]="${half:-0}"
  fi
  rm -rf "$dl"
}

for rtt in $rtts; do
  for rate in $rates; do
    for ((r = 1; r <= repeat; r++)); do
      for pair in $pairs; do
        run_pair "$rtt" "$rate" "$pair" "$r" || echo "  $rtt/$rate/$pair run $r: FAILED" >&2
      done
    done
  done
done

echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-8s %-10s %-24s %8s %7s %12s %7s\n' "RTT ms" "link MiB/s" "seeder -> downloader" \
  "MiB/s" "% link" "2nd half" "% link"
for rtt in $rtts; do
  for rate in $rates; do
    for pair in $pairs; do
      key="$rtt/$rate/$pair"
      name="$(sed 's/lt/libtorrent/g; s/-/ -> /' <<<"$pair")"
      if [[ -z "${best[$key]:-}" ]]; then
        printf '%-8s %-10s %-24s %8s\n' "$rtt" "$rate" "$name" "FAILED"
        continue
      fi
      printf '%-8s %-10s %-24s %8.1f %6.0f%% %12.1f %6.0f%%\n' "$rtt" "$rate" "$name" \
        "${best[$key]}" "$(awk "BEGIN {print 100 * ${best[$key]} / $rate}")" \
        "${best_half[$key]}" "$(awk "BEGIN {print 100 * ${best_half[$key]} / $rate}")"
    done
  done
done
echo
echo "MiB/s: the downloader's complete event (from its start, slow start included); 2nd half:"
echo "what the delay line carried to the downloader over the second half of the bytes. Best of"
echo "$repeat runs of $size_mib MiB each."
