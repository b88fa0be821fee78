#!/usr/bin/env bash
# Loopback download throughput and memory: libtorrent and bt, each as seeder and as downloader.
#
# In one run, on 127.0.0.1 over TCP (or uTP: TRANSPORT), one seeder and one downloader at a time:
#   libtorrent -> libtorrent, libtorrent -> bt, bt -> libtorrent, bt -> bt
# For each pair it prints the download rate (MiB/s, from the downloader's own "complete" JSON
# event: payload bytes / seconds from its start to the last piece verified), the downloader's
# peak RSS (/usr/bin/time -v "Maximum resident set size"; it includes file pages libtorrent maps,
# so the peak anonymous memory, RssAnon polled from /proc/PID/status, is printed too), and for a
# bt downloader its Java heap from its GC log as USED/LIVE/COMMITTED MiB: the most used before a
# GC, the most still live after one, the most committed. It runs with BT_HEAP, by default
# -Xmx256m, so completing at all proves it fits. Every download is checked with cmp.
# A table at the end gives each rate as a ratio of libtorrent -> libtorrent.
#
# Usage: interop/throughput.sh                 (from anywhere in the repository)
# Env:   SIZE      data size, bytes or with a K/M/G suffix (default 1G)
#        PIECE     piece length in bytes (default 1048576)
#        BT_HEAP   JVM heap options for both bt processes (default -Xmx256m)
#        BT_JAVA_OPTS  more JVM options for bt (default none)
#        TIMEOUT   seconds a single download may take (default 600)
#        PAIRS     which pairs, in order (default "lt-lt lt-bt bt-lt bt-bt"); also bt-bt-jvm:
#                  io.btlib.benchmarks.SwarmBenchmark (bt-benchmarks/target/benchmarks.jar, built by
#                  BUILD=1 too), a bt seeder and a bt downloader in one JVM, three 1-seeder,
#                  1-leecher swarms of SIZE in turn; its figure is the best of the second and
#                  third, with the JIT warm (as in a long-running application that embeds bt);
#                  its heap column is the peak heap in use of both clients together
#        REPEAT    runs of each pair (default 1), alternating pairs; the table shows the best rate
#                  of them, and with REPEAT > 1 a second table the median and range of each pair
#        WARM_SEEDER=1  before each measured download, one unmeasured download of the same kind
#                  from the same seeder process (a seeder is long-running: bt's upload path is
#                  then JIT-compiled, as libtorrent's native code always is); the measured
#                  downloader is still a fresh process
#        WARM_DOWNLOADER=1  bt downloaders run io.btlib.benchmarks.WarmDownload (benchmarks.jar): the
#                  same torrent downloaded twice from the same seeder in one process, the second
#                  measured, with the JIT warm as in a long-running application; its peak RSS
#                  and CPU cover both rounds (libtorrent downloaders are native: unchanged)
#        TRANSPORT tcp (default) or utp: every seeder and downloader speaks only that (libtorrent
#                  with TCP off both ways and 4 MiB UDP socket buffers; bt --transport utp);
#                  not with bt-bt-jvm or WARM_DOWNLOADER
#        BUILD=1   build bt-cli/target/bt.jar first (mvn -B -q -o package -DskipTests)
#        KEEP=1    keep the temporary directory (/tmp/bt-throughput.XXXXXX)
# Needs: /usr/bin/python3 with the libtorrent module (Debian's python3-libtorrent), java 17,
#        /usr/bin/time, cmp, about 3 x SIZE free in /tmp (data, one download, page cache aside).
# The data stays in the page cache, so the seeder reads from memory: the figures are the
# protocol, hashing and write path, not the disk. The machine's load (uptime, nproc) is printed
# before and after, since other work on a 2-core machine slows everything down.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
lt_peer="$here/lt_peer.py"
jar="$root/bt-cli/target/bt.jar"
bench_jar="$root/bt-benchmarks/target/benchmarks.jar"
py=/usr/bin/python3

size_arg="${SIZE:-1G}"
piece="${PIECE:-1048576}"
bt_heap="${BT_HEAP:--Xmx256m}"
bt_opts="${BT_JAVA_OPTS:-}"
timeout="${TIMEOUT:-600}"
pairs="${PAIRS:-lt-lt lt-bt bt-lt bt-bt}"
transport="${TRANSPORT:-tcp}"
case "$transport" in
  tcp | utp) ;;
  *) echo "TRANSPORT must be tcp or utp: $transport" >&2; exit 2 ;;
esac
tflag=(--transport "$transport")
repeat="${REPEAT:-1}"
warm="${WARM_SEEDER:-0}"
warm_dl="${WARM_DOWNLOADER:-0}"

to_bytes() {
  local v="$1" n suffix
  n="${v%[KkMmGg]}"
  suffix="${v#"$n"}"
  case "$suffix" in
    K|k) echo $((n * 1024)) ;;
    M|m) echo $((n * 1024 * 1024)) ;;
    G|g) echo $((n * 1024 * 1024 * 1024)) ;;
    "") echo "$n" ;;
  esac
}
size="$(to_bytes "$size_arg")"

"$py" -c 'import libtorrent' 2>/dev/null \
  || { echo "$py cannot import libtorrent (apt-get install python3-libtorrent)" >&2; exit 1; }
command -v java >/dev/null || { echo "java not found" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 1; }
if [[ "${BUILD:-0}" == 1 || ! -f "$jar" || ( ( "$pairs" == *bt-bt-jvm* || "$warm_dl" == 1 ) \
      && ! -f "$bench_jar" ) ]]; then
  echo "building $jar ..." >&2
  (cd "$root" && mvn -B -q -o package -DskipTests) >&2
fi

tmp="$(mktemp -d /tmp/bt-throughput.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [[ -n "$p" ]] && kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ "${KEEP:-0}" == 1 ]]; then
    echo "kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

need=$((size * 2 / 1024))
avail="$(df -k --output=avail /tmp | tail -1 | tr -d ' ')"
if ((avail < need + 1048576)); then
  echo "not enough space in /tmp: ${avail} KiB free, need about $((need + 1048576)) KiB" >&2
  exit 1
fi

# shellcheck source=lib.sh
. "$here/lib.sh"

# Polls /proc/PID/status of the child of /usr/bin/time until it exits; prints the peak RssAnon.
peak_anon() {
  local tpid="$1" out="$2" child peak=0 v
  for _ in $(seq 1 50); do
    child="$(pgrep -P "$tpid" | head -1 || true)"
    [[ -n "$child" ]] && break
    sleep 0.05
  done
  while [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; do
    v="$(awk '/^RssAnon:/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)"
    [[ -n "$v" ]] && ((v > peak)) && peak="$v"
    sleep 0.2
  done
  echo "$peak" >"$out"
}

echo "== machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(java -version 2>&1 | head -1); libtorrent $("$py" -c 'import libtorrent as l; print(l.__version__)')"
echo "== data: $size bytes, piece length $piece, in $tmp"
mkdir -p "$tmp/src"
head -c "$size" /dev/urandom >"$tmp/src/data.bin"
torrent="$tmp/data.torrent"
java -jar "$jar" create "$tmp/src/data.bin" -o "$torrent" --piece-length "$piece" --no-date \
  --json >"$tmp/create.json"
echo "== torrent: $(cat "$tmp/create.json" | "$py" -c 'import json,sys; d=json.load(sys.stdin); print(d["infoHashV1"], d["pieceCount"], "pieces, hashed at", d.get("hashMiBps"), "MiB/s")')"

declare -A best_rate best_secs best_rss best_anon best_heap best_cpu best_load all_rates
run_pair() {
  local pair="$1" run="$2" seeder="${1%-*}" leecher="${1#*-}"
  local sport dport sout dout dl
  sport="$(free_port)"
  dport="$(free_port)"
  sout="$tmp/$pair.$run.seed.out"
  dout="$tmp/$pair.$run.download.out"
  dl="$tmp/dl"
  rm -rf "$dl"
  mkdir -p "$dl"
  if [[ "$seeder" == lt ]]; then
    "$py" -u "$lt_peer" seed --torrent "$torrent" --dir "$tmp/src" --port "$sport" \
      "${tflag[@]}" >"$sout" 2>"$sout.err" &
  else
    # shellcheck disable=SC2086
    java $bt_heap $bt_opts -jar "$jar" seed "$torrent" "$tmp/src" --port "$sport" --json \
      "${tflag[@]}" >"$sout" 2>"$sout.err" &
  fi
  local spid=$!
  pids+=("$spid")
  if ! wait_for_line "$sout" '"listening"' 120 "$spid"; then
    echo "seeder $seeder did not start:" >&2
    tail -5 "$sout.err" >&2
    return 1
  fi
  if [[ "$warm" == 1 ]]; then
    # one unmeasured download from the same seeder process first: a seeder is a long-running
    # process (bt's JIT has compiled its upload path), and the page cache holds the data
    local wdl="$tmp/warm"
    rm -rf "$wdl"
    mkdir -p "$wdl"
    if [[ "$leecher" == lt ]]; then
      "$py" -u "$lt_peer" download --torrent "$torrent" --dir "$wdl" --port "$(free_port)" \
        --peer "127.0.0.1:$sport" --timeout "$timeout" "${tflag[@]}" >"$dout.warm" 2>&1 || true
    else
      # shellcheck disable=SC2086
      java $bt_heap $bt_opts -jar "$jar" download "$torrent" -o "$wdl" --port "$(free_port)" \
        --peer "127.0.0.1:$sport" --timeout "$timeout" --json "${tflag[@]}" >"$dout.warm" 2>&1 \
        || true
    fi
    rm -rf "$wdl"
  fi
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  if [[ "$leecher" == lt ]]; then
    /usr/bin/time -v -o "$dout.time" "$py" -u "$lt_peer" download --torrent "$torrent" \
      --dir "$dl" --port "$dport" --peer "127.0.0.1:$sport" --timeout "$timeout" \
      "${tflag[@]}" >"$dout" 2>"$dout.err" &
  elif [[ "$warm_dl" == 1 ]]; then
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$dout.time" java $bt_heap $bt_opts -Xlog:gc:file="$dout.gc" \
      -cp "$bench_jar" io.btlib.benchmarks.WarmDownload "$torrent" "127.0.0.1:$sport" "$dl" 2 \
      >"$dout" 2>"$dout.err" &
  else
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$dout.time" java $bt_heap $bt_opts -Xlog:gc:file="$dout.gc" \
      -jar "$jar" download "$torrent" -o "$dl" --port "$dport" --peer "127.0.0.1:$sport" \
      --timeout "$timeout" --json "${tflag[@]}" >"$dout" 2>"$dout.err" &
  fi
  local tpid=$!
  pids+=("$tpid")
  peak_anon "$tpid" "$dout.anon" &
  local ppid=$!
  local rc=0
  wait "$tpid" || rc=$?
  wait "$ppid" || true
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  download_ok "$pair run $run" "$rc" "$dout" "$dout.err" "$tmp/src/data.bin" "$dl/data.bin" \
    || return 1
  local line rate secs rss anon heap cpu
  line="$(grep '"complete"' "$dout" | tail -1)"
  rate="$(sed -n 's/.*"rateMiBps":\([0-9.]*\).*/\1/p' <<<"$line")"
  secs="$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' <<<"$line")"
  rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dout.time")"
  cpu="$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f", u + s}' "$dout.time")"
  anon="$(cat "$dout.anon")"
  heap="-"
  if [[ -f "$dout.gc" ]]; then
    # "GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 2.345ms"
    heap="$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$dout.gc" | tr -c '0-9\n' ' ' \
      | awk '{if ($1 > u) u = $1; if ($2 > l) l = $2; if ($3 > c) c = $3}
             END {if (u == "") print "no GC"; else printf "%d/%d/%dM", u, l, c}')"
  fi
  printf '  %-6s run %d: %8.1f MiB/s  %7.2f s  rss %6d MiB  anon %5d MiB  heap %-12s cpu %5s s  load %s\n' \
    "$pair" "$run" "$rate" "$secs" $((rss / 1024)) $((anon / 1024)) "$heap" "$cpu" "$load"
  all_rates[$pair]="${all_rates[$pair]:-} $rate"
  if [[ -z "${best_rate[$pair]:-}" ]] || awk "BEGIN {exit !($rate > ${best_rate[$pair]})}"; then
    best_rate[$pair]="$rate"
    best_secs[$pair]="$secs"
    best_rss[$pair]=$((rss / 1024))
    best_anon[$pair]=$((anon / 1024))
    best_heap[$pair]="$heap"
    best_cpu[$pair]="$cpu"
    best_load[$pair]="$load"
  fi
  rm -rf "$dl"
}

# bt seeder and downloader in one JVM (SwarmBenchmark): rounds 2 and 3 run with the JIT warm
run_jvm_pair() {
  local pair="$1" run="$2" out="$tmp/$1.$2.out" load line rate secs heap
  load="$(cut -d' ' -f1 /proc/loadavg)"
  # shellcheck disable=SC2086
  if ! java $bt_heap $bt_opts -cp "$bench_jar" io.btlib.benchmarks.SwarmBenchmark $((size >> 20)) 1 1 1 \
      >"$out" 2>&1; then
    echo "  $pair run $run: SwarmBenchmark failed:" >&2
    tail -5 "$out" >&2
    return 1
  fi
  # "1 seeder -> 1 leecher(s): 1.11 s, aggregate 920 MiB/s, per leecher 920 MiB/s, peak heap in use 107 MiB ..."
  line="$(grep '^1 seeder' "$out" | tail -n +2 \
    | awk -F'aggregate ' '{split($2, a, " "); print a[1], $0}' | sort -n -r | head -1)"
  [[ -n "$line" ]] || { echo "  $pair run $run: no result" >&2; return 1; }
  rate="$(awk '{print $1}' <<<"$line")"
  secs="$(sed -n 's/.*leecher(s): \([0-9.]*\) s.*/\1/p' <<<"$line")"
  heap="$(sed -n 's/.*peak heap in use \([0-9]*\) MiB.*/\1/p' <<<"$line")M"
  printf '  %-6s run %d: %8.1f MiB/s  %7.2f s  (cold first round: %s MiB/s)  heap %-8s load %s\n' \
    "$pair" "$run" "$rate" "$secs" \
    "$(grep '^1 seeder' "$out" | head -1 | sed -n 's/.*aggregate \([0-9]*\) MiB.*/\1/p')" "$heap" "$load"
  all_rates[$pair]="${all_rates[$pair]:-} $rate"
  if [[ -z "${best_rate[$pair]:-}" ]] || awk "BEGIN {exit !($rate > ${best_rate[$pair]})}"; then
    best_rate[$pair]="$rate"
    best_secs[$pair]="$secs"
    best_rss[$pair]="-"
    best_anon[$pair]="-"
    best_heap[$pair]="$heap"
    best_cpu[$pair]="-"
    best_load[$pair]="$load"
  fi
}

for ((r = 1; r <= repeat; r++)); do
  for pair in $pairs; do
    if [[ "$pair" == bt-bt-jvm ]]; then
      run_jvm_pair "$pair" "$r" || echo "  $pair run $r: FAILED" >&2
    else
      run_pair "$pair" "$r" || echo "  $pair run $r: FAILED" >&2
    fi
  done
done

echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-24s %8s %8s %8s %13s %10s %14s %6s %5s\n' "seeder -> downloader" "MiB/s" "seconds" \
  "vs lt-lt" "peak RSS MiB" "peak anon" "bt heap" "cpu s" "load"
base="${best_rate[lt-lt]:-}"
for pair in $pairs; do
  name="$(sed 's/lt/libtorrent/g; s/-jvm$/ (1 JVM, warm)/; s/-/ -> /' <<<"$pair")"
  if [[ -z "${best_rate[$pair]:-}" ]]; then
    printf '%-24s %8s\n' "$name" "FAILED"
    continue
  fi
  ratio="-"
  if [[ -n "$base" ]]; then
    ratio="$(awk "BEGIN {printf \"%.2fx\", ${best_rate[$pair]} / $base}")"
  fi
  printf '%-24s %8.1f %8.2f %8s %13s %10s %14s %6s %5s\n' "$name" "${best_rate[$pair]}" \
    "${best_secs[$pair]}" "$ratio" "${best_rss[$pair]}" "${best_anon[$pair]}" \
    "${best_heap[$pair]}" "${best_cpu[$pair]}" "${best_load[$pair]}"
done
if ((repeat > 1)); then
  # the best rate is the table's; fresh processes on a shared machine spread widely, so the
  # median of the runs and their range are printed too, each as a ratio of lt-lt's median
  echo
  printf '%-24s %8s %16s %9s\n' "seeder -> downloader" "median" "min..max MiB/s" "vs lt-lt"
  median_of() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
  base_median="$(median_of "${all_rates[lt-lt]:-}")"
  for pair in $pairs; do
    [[ -n "${all_rates[$pair]:-}" ]] || continue
    name="$(sed 's/lt/libtorrent/g; s/-jvm$/ (1 JVM, warm)/; s/-/ -> /' <<<"$pair")"
    m="$(median_of "${all_rates[$pair]}")"
    range="$(tr ' ' '\n' <<<"${all_rates[$pair]}" | grep . | sort -n | awk '{a[NR] = $1} END {printf "%s..%s", a[1], a[NR]}')"
    ratio="-"
    [[ -n "$base_median" ]] && ratio="$(awk "BEGIN {printf \"%.2fx\", $m / $base_median}")"
    printf '%-24s %8.1f %16s %9s\n' "$name" "$m" "$range" "$ratio"
  done
fi
echo
echo "MiB/s: the downloader's complete event. peak RSS: /usr/bin/time -v (libtorrent maps the"
echo "files, so its RSS counts file pages); peak anon: largest RssAnon seen; bt heap (MiB): most"
echo "used before a GC / most live after one / most committed, with $bt_heap."
echo "cpu: downloader user+sys seconds."
echo "load: 1-minute load average when the download started ($(nproc) cores)."
