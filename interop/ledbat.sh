#!/usr/bin/env bash
# LEDBAT on the real kernel (issue 16): does a uTP bulk transfer fill an idle bottleneck, hold
# the queueing delay near its 100 ms target, and get out of the way of a TCP flow? bt's uTP and
# libtorrent 2.0.8's, one after the other, through the same router.
#
# Topology (needs root; everything lives in namespaces named btled-*, addresses 10.77.10.0/24
# and 10.77.11.0/24, apart from interop/lab.sh's btlab-* and 10.77.0.0/24):
#
#   btled-snd  eth0 10.77.10.2 ---- r-snd 10.77.10.1  btled-rtr  r-rcv 10.77.11.1 ---- eth0 10.77.11.2  btled-rcv
#   (seeder, TCP source,                (forwards; tbf on r-rcv:               (downloader, TCP sink,
#    delay probe)                        the bottleneck)                         probe echo, counters)
#
#   The bottleneck is the router's egress towards the receiver: tc tbf, RATE MiB/s (wire bytes,
#   Ethernet header included) with a byte queue of QUEUE_MS at that rate, as a home router
#   builds delay. Not on the sender's own interface: there the TCP flow's standing queue in the
#   sender's own qdisc counts against TCP small queues and TCP starves (0.03 MiB/s beside
#   libtorrent's uTP, with no drop at all), which no real path shows.
#   Counters: the receiver's eth0 ingress is redirected (u32 + mirred) to an ifb with htb classes
#   by protocol (1:1 UDP = uTP, 1:2 TCP, 1:4 the delay probe, 1:3 the rest), sampled every
#   250 ms: what crossed the bottleneck, per flow, on the wire.
#   Queueing delay: a UDP probe every 100 ms from the sender's namespace to an echo in the
#   receiver's, through the router (its queue is on the way there, the way back is idle), minus
#   the idle round trip measured before the transfer.
#   Phases, from when the uTP flow is under way (1 MiB through): uTP alone P1 s, then a TCP bulk
#   flow (sender -> receiver, the kernel's default congestion control) for P2 s, then TCP gone
#   P3 s. The figures of each phase leave out its first SKIP s (the transition); the time uTP
#   took to fall to <= 20% of the link after TCP started (1 s windows) and to climb back to
#   >= 50% after it ended are printed apart.
#   What runs: bt seed/download --transport utp (java -jar bt-cli/target/bt.jar) and libtorrent
#   (interop/lt_peer.py seed/download --transport utp, 4 MiB socket buffers), the seeder in
#   btled-snd, the downloader in btled-rcv dialling it. No application rate limit.
#
# Usage: interop/ledbat.sh              (root)
#        SHORT=1 interop/ledbat.sh      CI's short version (< 90 s): fails only if the lab cannot
#                                       be built or a flow carries nothing, never on figures
# Env:   RATE      bottleneck MiB/s (default 10)
#        QUEUE_MS  its queue in ms at RATE (default 500)
#        P1 P2 P3  phase lengths, s (default 15 20 15; SHORT 6 10 6)
#        SKIP      seconds left out of each phase's figures (default 3; SHORT 2)
#        SIZE      MiB of random data to transfer (default 640; SHORT 256)
#        CLIENTS   "bt lt" (default both)
#        TCP_CC    the TCP flow's congestion control (default cubic, the default of Linux,
#                  Windows and macOS; this machine's kernel defaults to bbr)
#        SERIES=1  print the per-second series too
#        KEEP=1    keep the temporary directory
# Needs: root, ip and tc (iproute2) with tbf, htb, ifb, u32 and mirred, /usr/bin/python3 with
#        libtorrent (python3-libtorrent), java 17.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
lt_peer="$here/lt_peer.py"
probe="$here/ledbat_probe.py"
jar="$root/bt-cli/target/bt.jar"
py=/usr/bin/python3
short="${SHORT:-0}"
if [[ "$short" == 1 ]]; then
  d_p1=6 d_p2=10 d_p3=6 d_skip=2 d_size=256
else
  d_p1=15 d_p2=20 d_p3=15 d_skip=3 d_size=640
fi
rate="${RATE:-10}"
queue_ms="${QUEUE_MS:-500}"
p1="${P1:-$d_p1}"
p2="${P2:-$d_p2}"
p3="${P3:-$d_p3}"
skip="${SKIP:-$d_skip}"
size="${SIZE:-$d_size}"
clients="${CLIENTS:-bt lt}"
tcp_cc="${TCP_CC:-cubic}"
P=btled
snd=$P-snd
rtr=$P-rtr
rcv=$P-rcv
snd_ip=10.77.10.2
rcv_ip=10.77.11.2

if [[ "$(id -u)" != 0 ]]; then
  echo "interop/ledbat.sh needs root (network namespaces, veth, tc)" >&2
  exit 1
fi
for tool in ip tc java flock; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
"$py" -c 'import libtorrent' 2>/dev/null \
  || { echo "$py cannot import libtorrent (apt-get install python3-libtorrent)" >&2; exit 1; }
if [[ "${BUILD:-0}" == 1 || ! -f "$jar" ]]; then
  echo "building ..." >&2
  (cd "$root" && mvn -B -q -o package -DskipTests) >&2
fi

# ---- lab: creation and removal ---------------------------------------------------------------

# shellcheck source=nslab.sh
. "$here/nslab.sh"
lab_begin btled ledbat.sh bt-ledbat

make_lab() {
  local bits qbytes
  bits="$(awk "BEGIN {printf \"%d\", $rate * 1048576 * 8}")"
  qbytes="$(awk "BEGIN {printf \"%d\", $rate * 1048576 * $queue_ms / 1000}")"
  ip netns add "$snd"
  ip netns add "$rtr"
  ip netns add "$rcv"
  for ns in "$snd" "$rtr" "$rcv"; do
    ip -n "$ns" link set lo up
  done
  ip -n "$snd" link add eth0 type veth peer name r-snd netns "$rtr"
  ip -n "$rcv" link add eth0 type veth peer name r-rcv netns "$rtr"
  ip -n "$snd" addr add "$snd_ip/24" dev eth0
  ip -n "$rcv" addr add "$rcv_ip/24" dev eth0
  ip -n "$rtr" addr add 10.77.10.1/24 dev r-snd
  ip -n "$rtr" addr add 10.77.11.1/24 dev r-rcv
  ip -n "$snd" link set eth0 up
  ip -n "$rcv" link set eth0 up
  ip -n "$rtr" link set r-snd up
  ip -n "$rtr" link set r-rcv up
  ip -n "$snd" route add default via 10.77.10.1
  ip -n "$rcv" route add default via 10.77.11.1
  ip netns exec "$rtr" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
  # the bottleneck: the router's queue towards the receiver
  tc -n "$rtr" qdisc add dev r-rcv root handle 1: tbf rate "${bits}bit" burst 64kb \
    limit "$qbytes"
  # the counters: what the receiver gets, by protocol
  ip -n "$rcv" link add ifb0 type ifb
  ip -n "$rcv" link set ifb0 up
  tc -n "$rcv" qdisc add dev eth0 handle ffff: ingress
  tc -n "$rcv" filter add dev eth0 parent ffff: protocol all u32 match u32 0 0 \
    action mirred egress redirect dev ifb0
  tc -n "$rcv" qdisc add dev ifb0 root handle 1: htb default 3 r2q 1000
  for c in 1 2 3 4; do
    tc -n "$rcv" class add dev ifb0 parent 1: classid "1:$c" htb rate 1gbit burst 256k \
      cburst 256k
  done
  tc -n "$rcv" filter add dev ifb0 parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff \
    match ip dport 7 0xffff flowid 1:4
  tc -n "$rcv" filter add dev ifb0 parent 1: protocol ip prio 2 u32 match ip protocol 17 0xff \
    flowid 1:1
  tc -n "$rcv" filter add dev ifb0 parent 1: protocol ip prio 3 u32 match ip protocol 6 0xff \
    flowid 1:2
}

# shellcheck source=lib.sh
. "$here/lib.sh"

tmp="$(mktemp -d /tmp/bt-ledbat.XXXXXX)"
make_lab || { echo "could not build the lab (namespaces, veth, tbf, ifb, htb)" >&2; exit 1; }
failures=0
fail() {
  echo "FAILED: $*" >&2
  failures=$((failures + 1))
}
now() { date +%s.%N; }
# pause S: sleeps S seconds; a signal ends the run at once (a trap waits for a foreground sleep)
pause() {
  sleep "$1" &
  wait "$!" || true
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
stop() {
  local p
  for p in "$@"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "$@"; do
    wait "$p" 2>/dev/null || true
  done
}
# udp_bytes: what the receiver has got over UDP so far (wire bytes)
udp_bytes() {
  tc -n "$rcv" -s class show dev ifb0 | awk '/^class htb 1:1 / {c = 1; next}
    c && /Sent/ {print $2; exit}'
}

echo "== LEDBAT lab: sender -- router -- receiver; tbf on the router towards the receiver:" \
  "$rate MiB/s, queue $queue_ms ms ($(awk "BEGIN {printf \"%.1f\", $rate * $queue_ms / 1000}") MiB)"
echo "== phases: uTP alone $p1 s, + TCP $p2 s, TCP gone $p3 s (figures leave out each phase's" \
  "first $skip s); $size MiB file"
echo "== $(nproc) cores, load $(load); $(java -version 2>&1 | head -1);" \
  "libtorrent $("$py" -c 'import libtorrent as l; print(l.__version__)');" \
  "TCP flow: $tcp_cc"

# probe echo and TCP sink in the receiver, for the whole run
nsx "$rcv" "$py" -u "$probe" echo --listen "$rcv_ip" --port 7 >"$tmp/echo.out" 2>&1 &
pids+=("$!")
epid=$!
nsx "$rcv" "$py" -u "$probe" sink --listen "$rcv_ip" --port 5201 >"$tmp/sink.out" 2>&1 &
pids+=("$!")
kpid=$!
if ! wait_for_line "$tmp/echo.out" listening 10 "$epid" \
  || ! wait_for_line "$tmp/sink.out" listening 10 "$kpid"; then
  echo "probe echo or TCP sink did not start" >&2
  exit 1
fi

# idle round trip: 3 s of probes with nothing else running, the minimum
nsx "$snd" "$py" -u "$probe" ping --to "$rcv_ip:7" --interval 0.1 --out "$tmp/idle.ping" \
  >/dev/null 2>&1 &
ipid=$!
pids+=("$ipid")
pause 3
stop "$ipid"
idle="$(awk 'NR == 1 || $2 < m {m = $2} END {if (NR) printf "%.3f", m}' "$tmp/idle.ping" 2>/dev/null || true)"
if [[ -z "$idle" ]]; then
  echo "no answer to the delay probe through the router: the lab does not forward" >&2
  exit 1
fi
echo "== idle round trip through the router: $idle ms (min of 3 s of probes)"

mkdir -p "$tmp/src"
f="$tmp/src/ledbat.bin"
head -c $((size << 20)) /dev/urandom >"$f"
java -jar "$jar" create "$f" -o "$tmp/ledbat.torrent" --piece-length 1048576 --no-date \
  --json >/dev/null 2>"$tmp/create.err"

# run_client KIND: one measured run; appends the report to $tmp/report.txt
run_client() {
  local kind="$1" sout="$tmp/$1-seed.out" dout="$tmp/$1-dl.out" dl="$tmp/$1-dl"
  local spid dpid ppid mpid t0 t1 t2 t3 tcpid i b
  rm -rf "$dl" "$tmp/$kind.samples" "$tmp/$kind.ping"
  mkdir -p "$dl"
  if [[ "$kind" == bt ]]; then
    nsx "$snd" java -Xmx256m -jar "$jar" seed "$tmp/ledbat.torrent" "$tmp/src" --port 6881 \
      --bind "$snd_ip" --no-dht --json --transport utp >"$sout" 2>"$sout.err" &
  else
    nsx "$snd" "$py" -u "$lt_peer" seed --torrent "$tmp/ledbat.torrent" --dir "$tmp/src" \
      --port 6881 --listen "$snd_ip" --global-peer-class --transport utp >"$sout" 2>"$sout.err" &
  fi
  spid=$!
  pids+=("$spid")
  if ! wait_for_line "$sout" '"listening"' 120 "$spid"; then
    echo "  $kind seeder did not start:" >&2
    tail -5 "$sout.err" >&2
    stop "$spid"
    return 1
  fi
  nsx "$rcv" "$py" -u "$probe" sample --ns "$rcv" --dev ifb0 --interval 0.25 \
    --out "$tmp/$kind.samples" >/dev/null 2>"$tmp/$kind.sample.err" &
  mpid=$!
  pids+=("$mpid")
  nsx "$snd" "$py" -u "$probe" ping --to "$rcv_ip:7" --interval 0.1 --out "$tmp/$kind.ping" \
    >/dev/null 2>&1 &
  ppid=$!
  pids+=("$ppid")
  b="$(udp_bytes)"
  if [[ "$kind" == bt ]]; then
    nsx "$rcv" java -Xmx256m -jar "$jar" download "$tmp/ledbat.torrent" -o "$dl" --port 6881 \
      --bind "$rcv_ip" --peer "$snd_ip:6881" --no-dht --json --transport utp \
      --timeout $((p1 + p2 + p3 + 120)) >"$dout" 2>"$dout.err" &
  else
    nsx "$rcv" "$py" -u "$lt_peer" download --torrent "$tmp/ledbat.torrent" --dir "$dl" \
      --port 6881 --listen "$rcv_ip" --peer "$snd_ip:6881" --global-peer-class \
      --transport utp --timeout $((p1 + p2 + p3 + 120)) >"$dout" 2>"$dout.err" &
  fi
  dpid=$!
  pids+=("$dpid")
  # under way once 1 MiB has come through
  for ((i = 0; i < 600; i++)); do
    (($(udp_bytes) - b > 1048576)) && break
    if ! kill -0 "$dpid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  if (($(udp_bytes) - b <= 1048576)); then
    echo "  $kind: no uTP transfer under way after 60 s" >&2
    tail -5 "$dout.err" "$sout.err" >&2
    stop "$dpid" "$spid" "$ppid" "$mpid"
    return 1
  fi
  t0="$(now)"
  pause "$p1"
  t1="$(now)"
  nsx "$snd" "$py" -u "$probe" source --to "$rcv_ip:5201" --seconds "$p2" --cc "$tcp_cc" \
    >"$tmp/$kind.source.out" 2>&1 &
  tcpid=$!
  pids+=("$tcpid")
  wait "$tcpid" || true
  t2="$(now)"
  pause "$p3"
  t3="$(now)"
  local done_early=""
  kill -0 "$dpid" 2>/dev/null || done_early=1
  stop "$dpid" "$spid" "$ppid" "$mpid"
  if [[ -n "$done_early" ]]; then
    echo "  $kind: the download ended before the phases did (file too small?):" >&2
    tail -3 "$dout" >&2
  fi
  echo "  $kind run: load $(load); TCP source: $(cat "$tmp/$kind.source.out")" >&2
  "$py" "$probe" report --label "$kind" --samples "$tmp/$kind.samples" --pings "$tmp/$kind.ping" \
    --idle-ms "$idle" --link-mibps "$rate" --phases "$t0" "$t1" "$t2" "$t3" --skip "$skip" \
    ${SERIES:+--series} >"$tmp/$kind.report"
  grep -v '^{' "$tmp/$kind.report" >>"$tmp/report.txt"
  # a flow that carried nothing is a failure of the lab, whatever the figures
  "$py" - "$tmp/$kind.report" <<'EOF' || return 1
import json, sys
s = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
ok = s["udpBytes"] > (1 << 20) and s["tcpBytes"] > (1 << 20)
if not ok:
    print("  %s: uTP %d bytes, TCP %d bytes: a flow carried nothing" % (
        s["label"], s["udpBytes"], s["tcpBytes"]), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

: >"$tmp/report.txt"
for kind in $clients; do
  echo "== $kind: seeder in $snd, downloader in $rcv, uTP only" >&2
  run_client "$kind" || fail "$kind run"
done

echo
echo "LEDBAT through a router: tbf $rate MiB/s, queue $queue_ms ms; idle RTT $idle ms; TCP $tcp_cc;" \
  "load $(load)"
printf '  %-8s %-10s %9s %7s %5s %7s %5s %7s %7s\n' client phase "s" "uTP" share "TCP" share \
  "q med" "q p95"
printf '  %-8s %-10s %9s %7s %5s %7s %5s %7s %7s\n' "" "" "" "MiB/s" "" "MiB/s" "" "ms" "ms"
grep -v 'fell to\|per second\|^           ' "$tmp/report.txt" || true
grep 'fell to' "$tmp/report.txt" || true
if [[ -n "${SERIES:-}" ]]; then
  grep -A100 'per second' "$tmp/report.txt" | grep 'per second\|^           ' || true
fi
echo "  MiB/s and shares: wire bytes (Ethernet, IP, UDP/TCP headers included) that crossed the"
echo "  bottleneck, counted at the receiver; share = of the $rate MiB/s tbf rate. q: the probe's"
echo "  round trip minus the idle one (the router's queue towards the receiver)."
if ((failures > 0)); then
  echo "ledbat lab: $failures FAILED (see above)"
  exit 1
fi
echo "ledbat lab: done"
