#!/usr/bin/env bash
# bt's TrackerServer beside opentracker at a million peers (issue 18), in one run, on loopback:
#
# 1. Scale: both trackers start with the same allow-list of SWARMS info hashes; each in turn gets
#    PEERS distinct peers (PEERS / SWARMS a swarm, uniform) through real UDP (BEP 15) announces
#    from io.btlib.benchmarks.TrackerScale (peer g: source address 127.1.x.y, announced port
#    1024 + g % 50,000, info hash g % SWARMS; every lost request is sent again, so each tracker
#    ends up holding all of them). Then RUN_SECONDS of re-announces by random existing peers, then
#    NEW new peers. Memory: RSS (VmRSS of /proc/PID/status) before and after, and for bt the heap
#    right after a full GC (TrackerLoad serve's "stats" command). Rates: announces answered a
#    second, and per second of the tracker's own CPU (user + system, /proc/PID/stat).
# 2. Churn: each tracker in turn, fresh, holds CHURN_LIVE live peers announcing every
#    CHURN_INTERVAL seconds while CHURN_TURNOVER of them a CHURN_INTERVAL fall silent for good
#    and as many new peers take their places, for CHURN_SECONDS; memory sampled every SAMPLE
#    seconds. Peers time out after TIMEOUT seconds: bt gets -Dbt.peerTimeout=TIMEOUT; opentracker's
#    timeout is compiled in (45 minutes), so it runs under faketime at 2700 / TIMEOUT times real
#    speed (its clock only ages peers and rotates connection ids; the load generator renews its
#    connection ids every second for it).
#
# Usage: bt-benchmarks/tracker-scale.sh   (build first: mvn -B -q -o -pl bt-benchmarks -am package
#        -DskipTests; this script builds nothing)
# Env:   PEERS (1000000) SWARMS (100000) NEW (200000) RUN_SECONDS (10) WINDOW (64)
#        CHURN_LIVE (500000) CHURN_INTERVAL (30) CHURN_TURNOVER (0.1) CHURN_SECONDS (360)
#        TIMEOUT (90) SAMPLE (30)  SKIP_SCALE=1 / SKIP_CHURN=1 to run one part
#        BT_JAR (the jar bt's server runs from; default the benchmarks jar: set it to an older
#        build to measure before/after)  BT_OPTS (-Xmx1g)
# Needs: java 17, opentracker (apt-get install opentracker), faketime for the churn part
#        (apt-get install faketime), curl, python3 (free ports). The machine is shared: `uptime` is printed; compare
#        bt with opentracker only within one run.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/benchmarks.jar"
bt_jar="${BT_JAR:-$jar}"
[[ -f "$jar" ]] || { echo "no $jar: build it first" >&2; exit 1; }
command -v opentracker >/dev/null || { echo "opentracker not found" >&2; exit 1; }

peers="${PEERS:-1000000}"
swarms="${SWARMS:-100000}"
new="${NEW:-200000}"
secs="${RUN_SECONDS:-10}"
window="${WINDOW:-64}"
live="${CHURN_LIVE:-500000}"
interval="${CHURN_INTERVAL:-30}"
turnover="${CHURN_TURNOVER:-0.1}"
churn_secs="${CHURN_SECONDS:-360}"
timeout="${TIMEOUT:-90}"
sample="${SAMPLE:-30}"
bt_opts="${BT_OPTS:--Xmx1g}"

out="$(mktemp -d "${TMPDIR:-/tmp}/bt-tracker-scale.XXXXXX")"
chmod 755 "$out" # opentracker reads the whitelist after dropping privileges to nobody
pids=()
cleanup() {
  exec 8>&- 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT

next_port() { # a port free for both TCP and UDP on 127.0.0.1
  python3 -c 'import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    u = socket.socket(type=socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass'
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
tck="$(getconf CLK_TCK)"
scale() { java -cp "$jar" io.btlib.benchmarks.TrackerScale "$@" --swarms "$swarms" --window "$window"; }

bt_pid=""
bt_port=""
start_bt() { # start_bt [JVM options...]: a bt tracker on a new UDP port; fd 8 feeds its stdin
  bt_port="$(next_port)"
  rm -f "$out/bt.in" "$out/bt.log"
  mkfifo "$out/bt.in"
  java $bt_opts "$@" -cp "$bt_jar" io.btlib.benchmarks.TrackerLoad serve "$bt_port" -1 \
    "$out/whitelist" <"$out/bt.in" >"$out/bt.log" 2>&1 &
  bt_pid=$!
  pids+=("$bt_pid")
  exec 8>"$out/bt.in"
  for _ in $(seq 100); do grep -q '^ready' "$out/bt.log" && return; sleep 0.2; done
  echo "bt tracker did not start:"; cat "$out/bt.log"; exit 1
}
stop_bt() { exec 8>&-; sleep 1; kill "$bt_pid" 2>/dev/null || true; }
bt_stats() { # prints "PEERS HEAP_AFTER_GC_BYTES"
  local n
  n="$(grep -c '^stats' "$out/bt.log" || true)"
  echo stats >&8
  for _ in $(seq 100); do
    [[ "$(grep -c '^stats' "$out/bt.log" || true)" -gt "$n" ]] && break
    sleep 0.1
  done
  grep '^stats' "$out/bt.log" | tail -1 | awk '{print $4, $8}'
}

ot_pid=""
ot_port=""
start_ot() { # start_ot [faketime speed]
  ot_port="$(next_port)"
  if [[ -n "${1:-}" ]]; then
    # LD_PRELOAD rather than the faketime wrapper, which forks: $! is then opentracker itself
    LD_PRELOAD="$faketime_lib" FAKETIME="+0 x$1" opentracker -i 127.0.0.1 -p "$ot_port" -P "$ot_port" -A 127.0.0.1 \
      -w "$out/whitelist" >"$out/ot.log" 2>&1 &
  else
    opentracker -i 127.0.0.1 -p "$ot_port" -P "$ot_port" -A 127.0.0.1 -w "$out/whitelist" \
      >"$out/ot.log" 2>&1 &
  fi
  ot_pid=$!
  pids+=("$ot_pid")
  sleep 1
  kill -0 "$ot_pid" 2>/dev/null || { echo "opentracker did not start:"; cat "$out/ot.log"; exit 1; }
  for _ in $(seq 50); do grep -q 'serving' "$out/ot.log" 2>/dev/null && break; sleep 0.2; done
}
ot_peers() { curl -s "http://127.0.0.1:$ot_port/stats?mode=peer" | head -1; }

echo "== machine"
echo "before: $(uptime)"
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
java -version 2>&1 | head -1
java -cp "$jar" io.btlib.benchmarks.TrackerLoad hashes "$swarms" "$out/whitelist"

run_timed() { # run_timed PID OUTFILE ARGS...: runs TrackerScale ARGS; prints the tracker's CPU s
  local pid="$1" file="$2" c0 c1
  shift 2
  c0="$(cpu_ticks "$pid")"
  scale "$@" >"$file"
  c1="$(cpu_ticks "$pid")"
  awk -v c=$((c1 - c0)) -v t="$tck" 'BEGIN { printf "%.2f", c / t }'
}
field() { awk -v k="$1" '$1 == k {print $2}' "$2"; }

if [[ "${SKIP_SCALE:-0}" != 1 ]]; then
  echo
  echo "== scale: $peers peers in $swarms swarms ($((peers / swarms)) a swarm), UDP window $window"
  start_bt -Dbt.maxPeers=$((2 * (peers + new))) -Dbt.maxSwarms="$swarms"
  start_ot
  read -r _ bt_heap0 <<<"$(bt_stats)"
  bt_rss0="$(rss_kb "$bt_pid")"
  ot_rss0="$(rss_kb "$ot_pid")"
  declare -A r
  for t in bt ot; do
    if [[ "$t" == bt ]]; then pid="$bt_pid"; p="$bt_port"; else pid="$ot_pid"; p="$ot_port"; fi
    cpu="$(run_timed "$pid" "$out/$t.fill" fill --udp "$p" --from 0 --count "$peers")"
    r[$t,fill]="$(field fill_announces_per_s "$out/$t.fill")"
    r[$t,fillcpu]="$(awk -v n="$peers" -v c="$cpu" 'BEGIN { printf "%.0f", n / c }')"
    cat "$out/$t.fill" | sed "s/^/  $t fill: /"
    r[$t,rss]="$(rss_kb "$pid")"
    if [[ "$t" == bt ]]; then read -r r[bt,peers] r[bt,heap] <<<"$(bt_stats)"; else r[ot,peers]="$(ot_peers)"; fi
    cpu="$(run_timed "$pid" "$out/$t.re" reannounce --udp "$p" --population "$peers" --seconds "$secs")"
    r[$t,re]="$(field reannounce_announces_per_s "$out/$t.re")"
    r[$t,recpu]="$(awk -v n="${r[$t,re]}" -v s="$secs" -v c="$cpu" 'BEGIN { printf "%.0f", n * s / c }')"
    cat "$out/$t.re" | sed "s/^/  $t reannounce: /"
    cpu="$(run_timed "$pid" "$out/$t.new" fill --udp "$p" --from "$peers" --count "$new")"
    r[$t,new]="$(field fill_announces_per_s "$out/$t.new")"
    r[$t,newcpu]="$(awk -v n="$new" -v c="$cpu" 'BEGIN { printf "%.0f", n / c }')"
    cat "$out/$t.new" | sed "s/^/  $t new: /"
    r[$t,rss2]="$(rss_kb "$pid")"
    echo "  $t done: $(uptime)"
  done
  read -r bt_peers2 bt_heap2 <<<"$(bt_stats)"
  echo
  echo "peers held after the fill: bt ${r[bt,peers]}, opentracker ${r[ot,peers]}"
  printf '%-34s %16s %16s\n' "" bt opentracker
  printf '%-34s %16s %16s\n' "RSS before (MiB)" "$(awk -v k="$bt_rss0" 'BEGIN{printf "%.1f", k/1024}')" \
    "$(awk -v k="$ot_rss0" 'BEGIN{printf "%.1f", k/1024}')"
  printf '%-34s %16s %16s\n' "RSS at $peers peers (MiB)" "$(awk -v k="${r[bt,rss]}" 'BEGIN{printf "%.1f", k/1024}')" \
    "$(awk -v k="${r[ot,rss]}" 'BEGIN{printf "%.1f", k/1024}')"
  printf '%-34s %16s %16s\n' "RSS growth per peer (bytes)" \
    "$(awk -v a="$bt_rss0" -v b="${r[bt,rss]}" -v n="$peers" 'BEGIN{printf "%.0f", (b-a)*1024/n}')" \
    "$(awk -v a="$ot_rss0" -v b="${r[ot,rss]}" -v n="$peers" 'BEGIN{printf "%.0f", (b-a)*1024/n}')"
  printf '%-34s %16s %16s\n' "heap after GC, before (MiB)" "$(awk -v k="$bt_heap0" 'BEGIN{printf "%.1f", k/1048576}')" "-"
  printf '%-34s %16s %16s\n' "heap after GC at $peers (MiB)" "$(awk -v k="${r[bt,heap]}" 'BEGIN{printf "%.1f", k/1048576}')" "-"
  printf '%-34s %16s %16s\n' "heap per peer (bytes)" \
    "$(awk -v a="$bt_heap0" -v b="${r[bt,heap]}" -v n="$peers" 'BEGIN{printf "%.1f", (b-a)/n}')" "-"
  printf '%-34s %16s %16s\n' "fill (new peers, empty swarms) /s" "${r[bt,fill]}" "${r[ot,fill]}"
  printf '%-34s %16s %16s\n' "  per CPU s" "${r[bt,fillcpu]}" "${r[ot,fillcpu]}"
  printf '%-34s %16s %16s\n' "re-announces /s" "${r[bt,re]}" "${r[ot,re]}"
  printf '%-34s %16s %16s\n' "  per CPU s" "${r[bt,recpu]}" "${r[ot,recpu]}"
  printf '%-34s %16s %16s\n' "new peers at that population /s" "${r[bt,new]}" "${r[ot,new]}"
  printf '%-34s %16s %16s\n' "  per CPU s" "${r[bt,newcpu]}" "${r[ot,newcpu]}"
  printf '%-34s %16s %16s\n' "RSS at $((peers + new)) (MiB)" "$(awk -v k="${r[bt,rss2]}" 'BEGIN{printf "%.1f", k/1024}')" \
    "$(awk -v k="${r[ot,rss2]}" 'BEGIN{printf "%.1f", k/1024}')"
  echo "bt at the end: $bt_peers2 peers, heap after GC $(awk -v k="$bt_heap2" 'BEGIN{printf "%.1f", k/1048576}') MiB"
  stop_bt
  kill "$ot_pid" 2>/dev/null || true
  echo "after scale: $(uptime)"
fi

if [[ "${SKIP_CHURN:-0}" != 1 ]]; then
  faketime_lib="$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)"
  [[ -n "$faketime_lib" ]] || { echo "libfaketime not found (apt-get install faketime)" >&2; exit 1; }
  speed="$(awk -v t="$timeout" 'BEGIN { printf "%g", 2700 / t }')"
  echo
  echo "== churn: $live live peers, each announcing every ${interval} s, ${turnover} of them replaced per interval;"
  echo "   peer timeout $timeout s (bt: peerTimeout; opentracker: faketime x$speed); $churn_secs s, sampled every $sample s"
  for t in bt ot; do
    if [[ "$t" == bt ]]; then
      start_bt -Dbt.maxPeers=$((4 * live)) -Dbt.maxSwarms="$swarms" -Dbt.peerTimeout="$timeout"
      pid="$bt_pid"; p="$bt_port"; extra=()
    else
      start_ot "$speed"
      pid="$ot_pid"; p="$ot_port"; extra=(--reconnect-ms 1000)
    fi
    scale fill --udp "$p" --from 0 --count "$live" "${extra[@]}" | head -1 | sed "s/^/  $t fill: /"
    scale churn --udp "$p" --live "$live" --interval "$interval" --turnover "$turnover" \
      --seconds "$churn_secs" --report "$sample" "${extra[@]}" >"$out/$t.churn" &
    lg=$!
    pids+=("$lg")
    t0="$(date +%s)"
    c0="$(cpu_ticks "$pid")"
    echo "  $t: time_s peers rss_MiB$([[ $t == bt ]] && echo ' heap_after_gc_MiB')"
    while kill -0 "$lg" 2>/dev/null; do
      sleep "$sample"
      kill -0 "$lg" 2>/dev/null || break
      if [[ "$t" == bt ]]; then
        read -r np heap <<<"$(bt_stats)"
        echo "  $t: $(( $(date +%s) - t0 )) $np $(awk -v k="$(rss_kb "$pid")" 'BEGIN{printf "%.1f", k/1024}') $(awk -v k="$heap" 'BEGIN{printf "%.1f", k/1048576}')"
      else
        echo "  $t: $(( $(date +%s) - t0 )) $(ot_peers) $(awk -v k="$(rss_kb "$pid")" 'BEGIN{printf "%.1f", k/1024}')"
      fi
    done
    wait "$lg" || true
    c1="$(cpu_ticks "$pid")"
    sed "s/^/  $t load: /" "$out/$t.churn"
    echo "  $t CPU over the churn: $(awk -v c=$((c1 - c0)) -v t="$tck" 'BEGIN { printf "%.1f", c / t }') s; $(uptime)"
    if [[ "$t" == bt ]]; then stop_bt; else kill "$ot_pid" 2>/dev/null || true; fi
  done
fi
echo "after: $(uptime)"
