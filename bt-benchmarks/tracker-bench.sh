#!/usr/bin/env bash
# Announces a second of bt's TrackerServer against opentracker, on this machine, in one run:
# UDP (BEP 15) with a window of requests in flight, HTTP with keep-alive connections, and HTTP
# with one connection per request. The load generator is io.btlib.benchmarks.TrackerLoad (one JVM,
# the same settings for both trackers); bt's tracker runs in its own JVM (TrackerLoad serve), as
# opentracker runs in its own process. Both serve only the benchmark's info hashes (opentracker
# is built with a whitelist and cannot turn it off, so bt gets the same allow-list).
#
# Usage: bt-benchmarks/tracker-bench.sh
#   (build first, from the repository root: mvn -B -q -o install -DskipTests, or in a worktree
#    mvn -o -q -pl bt-benchmarks -am package -DskipTests; this script builds nothing)
# Env:   ROUNDS (3)       rounds; each round measures bt then opentracker, per protocol
#        RUN_SECONDS (5)  measured seconds per figure, after WARMUP (2) seconds
#        HASHES (1000) PEERS (200)  info hashes, and peers (announced ports) per hash
#        WINDOW (64)      UDP requests in flight per client thread; THREADS (1) client threads
#        CONNECTIONS (16) HTTP connections
#        SKIP_HTTP=1      UDP only
#        BT_SERVER_OPTS   JVM options for the bt tracker (e.g. -Dbt.udpThreads=2)
# Needs: java 17, opentracker (Debian's; see /work/shared/INTEROP-NOTES.md), python3 (free ports).
# opentracker notes: "-i 127.0.0.1 -p PORT -P PORT -w FILE"; without -d it does not chroot, so an
# absolute whitelist path works (with -d DIR the path is relative to DIR). It closes every HTTP
# connection after one reply (no keep-alive), so its keep-alive figure is really per-connection.
# The machine is shared: `uptime` is printed before and after; compare figures of the same run.
# On 2 cores the load generator, which makes as many system calls per announce as a tracker,
# can be the bottleneck for both trackers: the rates then match whatever the trackers cost. So
# each figure also gets the tracker's CPU time (user + system, from /proc/PID/stat, over the whole
# load run, warm-up included) and "per CPU s": announces answered per second of the tracker's
# CPU, the rate one core running the tracker alone would sustain.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/benchmarks.jar"
if [[ ! -f "$jar" ]]; then
  echo "no $jar: build it first (see the header of this script)" >&2
  exit 1
fi
command -v opentracker >/dev/null || { echo "opentracker not found (apt-get install opentracker)" >&2; exit 1; }

rounds="${ROUNDS:-3}"
secs="${RUN_SECONDS:-5}"
warmup="${WARMUP:-2}"
hashes="${HASHES:-1000}"
peers="${PEERS:-200}"
window="${WINDOW:-64}"
threads="${THREADS:-1}"
conns="${CONNECTIONS:-16}"

out="$(mktemp -d "${TMPDIR:-/tmp}/bt-tracker-bench.XXXXXX")"
chmod 755 "$out" # opentracker reads the whitelist as nobody: unreadable, it answers but keeps nothing
ot_pid=""
bt_pid=""
cleanup() {
  [[ -n "$ot_pid" ]] && kill "$ot_pid" 2>/dev/null || true
  exec 9>&- 2>/dev/null || true
  [[ -n "$bt_pid" ]] && { sleep 0.5; kill "$bt_pid" 2>/dev/null || true; }
  rm -rf "$out"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); u = socket.socket(type=socket.SOCK_DGRAM)
p = s.getsockname()[1]
try:
    u.bind(("127.0.0.1", p)); print(p)
except OSError:
    print(0)'
}
pick_port() {
  local p=0
  while [[ "$p" == 0 ]]; do p="$(free_port)"; done
  echo "$p"
}

echo "== machine"
echo "before: $(uptime)"
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
java -version 2>&1 | head -1

java -cp "$jar" io.btlib.benchmarks.TrackerLoad hashes "$hashes" "$out/whitelist"

ot_port="$(pick_port)"
opentracker -i 127.0.0.1 -p "$ot_port" -P "$ot_port" -w "$out/whitelist" >"$out/ot.log" 2>&1 &
ot_pid=$!

bt_udp="$(pick_port)"
bt_http="$(pick_port)"
mkfifo "$out/bt.in"
java ${BT_SERVER_OPTS:-} -cp "$jar" io.btlib.benchmarks.TrackerLoad serve "$bt_udp" "$bt_http" "$out/whitelist" \
  <"$out/bt.in" >"$out/bt.log" 2>&1 &
bt_pid=$!
exec 9>"$out/bt.in"   # bt's server runs until this is closed
for _ in $(seq 100); do grep -q '^ready' "$out/bt.log" && break; sleep 0.1; done
grep -q '^ready' "$out/bt.log" || { echo "bt tracker did not start:"; cat "$out/bt.log"; exit 1; }
sleep 0.5
kill -0 "$ot_pid" 2>/dev/null || { echo "opentracker did not start:"; cat "$out/ot.log"; exit 1; }

cpu_ticks() { # cpu_ticks PID -> user + system clock ticks of the process so far
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
tck="$(getconf CLK_TCK)"

load() { # load PID ARGS... -> prints "RATE ANNOUNCES_PER_CPU_SECOND"
  local pid="$1" c0 c1 res
  shift
  c0="$(cpu_ticks "$pid")"
  res="$(java -cp "$jar" io.btlib.benchmarks.TrackerLoad load --seconds "$secs" --warmup "$warmup" \
    --hashes "$hashes" --peers "$peers" --window "$window" --threads "$threads" \
    --connections "$conns" "$@" | tee -a "$out/raw.txt")"
  c1="$(cpu_ticks "$pid")"
  awk -v t="$tck" -v c=$((c1 - c0)) '/_per_s/ {r = $2} /^replies_total/ {n = $2}
    END { printf "%s %.0f\n", r, (c > 0 ? n / (c / t) : 0) }' <<<"$res"
}

# warm both up before measuring (bt's JIT, both trackers' swarms), unmeasured
load "$bt_pid" --udp "$bt_udp" >/dev/null
load "$ot_pid" --udp "$ot_port" >/dev/null

declare -A sum
modes="udp"
[[ "${SKIP_HTTP:-0}" == 1 ]] || modes="udp http http_close"
echo
echo "== announces/s (hashes $hashes, peers/hash $peers, UDP window $window x $threads, HTTP conns $conns)"
printf '%-6s %-11s %12s %12s %8s   %14s %14s %8s\n' round mode bt opentracker bt/ot \
  "bt per CPU s" "ot per CPU s" bt/ot
for r in $(seq "$rounds"); do
  for m in $modes; do
    case "$m" in
      udp) bt_args=(--udp "$bt_udp"); ot_args=(--udp "$ot_port") ;;
      http) bt_args=(--http "$bt_http"); ot_args=(--http "$ot_port") ;;
      http_close) bt_args=(--http "$bt_http" --close); ot_args=(--http "$ot_port" --close) ;;
    esac
    read -r b bc <<<"$(load "$bt_pid" "${bt_args[@]}")"
    read -r o oc <<<"$(load "$ot_pid" "${ot_args[@]}")"
    sum["$m,bt"]=$(( ${sum["$m,bt"]:-0} + ${b%.*} ))
    sum["$m,ot"]=$(( ${sum["$m,ot"]:-0} + ${o%.*} ))
    sum["$m,btc"]=$(( ${sum["$m,btc"]:-0} + ${bc%.*} ))
    sum["$m,otc"]=$(( ${sum["$m,otc"]:-0} + ${oc%.*} ))
    printf '%-6s %-11s %12s %12s %8s   %14s %14s %8s\n' "$r" "$m" "$b" "$o" \
      "$(awk -v a="$b" -v b="$o" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" "$bc" "$oc" \
      "$(awk -v a="$bc" -v b="$oc" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
  done
done
echo
echo "== mean of $rounds rounds"
for m in $modes; do
  b=$(( ${sum["$m,bt"]} / rounds ))
  o=$(( ${sum["$m,ot"]} / rounds ))
  bc=$(( ${sum["$m,btc"]} / rounds ))
  oc=$(( ${sum["$m,otc"]} / rounds ))
  printf '%-11s bt %9d/s  opentracker %9d/s  bt/opentracker %s;  per CPU second: bt %9d  opentracker %9d  bt/opentracker %s\n' \
    "$m" "$b" "$o" "$(awk -v a="$b" -v b="$o" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
    "$bc" "$oc" "$(awk -v a="$bc" -v b="$oc" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
done
grep -h 'failed\|requests failed' "$out/raw.txt" | sort | uniq -c | sed 's/^/note: /' || true
echo "after: $(uptime)"
