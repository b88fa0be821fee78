#!/usr/bin/env bash
# BEP 55 holepunch through real NATs (issue 16): two peers, each behind its own masquerading
# router, that cannot dial each other, connect over uTP through a hole a relay peer punches.
#
# Topology (needs root and nft; everything lives in namespaces named bthp-*, addresses
# 10.77.20.0/24 (the public side), 10.77.21.0/24 and 10.77.22.0/24 (the two private networks),
# apart from interop/lab.sh's btlab-* (10.77.0.0/24) and ledbat.sh's btled-* (10.77.10-11.x)):
#
#   bthp-a  eth0 10.77.21.2 -- lan 10.77.21.1  bthp-ra  wan 10.77.20.2 --+
#   (seeder, NATed)                 (NAT A)                                |
#                                                                     bthp-hub br0
#   bthp-relay  eth0 10.77.20.10 --------------------------------------+  (the public side)
#   (the relay: connected to both)                                     |
#   bthp-b  eth0 10.77.22.2 -- lan 10.77.22.1  bthp-rb  wan 10.77.20.3 --+
#   (downloader, NATed)             (NAT B)
#
#   Each router masquerades its private network behind its public address (nftables, the port
#   kept where it is free, as a home router does) and takes nothing unsolicited from the public
#   side: a new flow arriving on wan is dropped before conntrack keeps it (no port forwarding, no
#   UPnP). So A and B can each reach the relay, and neither can reach the other: a SYN to the
#   other's router is dropped.
#   What happens: A (seeder) dials the relay, then B (downloader) dials it; the relay tells B of A
#   by PEX, flagged as holepunch-capable (A reached it over uTP); B's dial of A (A's router's
#   address and A's port) is dropped at A's router; B then asks the relay for a rendezvous (BEP 55
#   ut_holepunch), the relay sends each a connect with the other's endpoint, both dial at once
#   over uTP, and each router takes the other's packets as replies to its own host's.
#   The relay downloads the torrent too, with a download limit of RELAY_KBPS KiB/s and an upload
#   limit of RELAY_UP_KBPS KiB/s, so it stays connected all along and cannot be B's source.
#   Proof: B's download completes and matches the source (cmp), and a counter on B's router
#   (nft, forward chain: UDP from A's router's public address into the private network) shows the
#   payload crossed the hole: it must carry at least 90% of the data's size.
#   Scenarios (CASES): bt-bt (bt seeder A, bt downloader B, bt relay) and lt-b (libtorrent 2.0.8
#   as the NATed downloader B, interop/lt_peer.py; bt as A and as the relay).
#
# Usage: interop/holepunch.sh            (root)
# Env:   SIZE      MiB of random data (default 32)
#        CASES     which scenarios, in order (default "bt-bt lt-b")
#        TIMEOUT   seconds B's download may take (default 150)
#        RELAY_KBPS, RELAY_UP_KBPS  the relay's download and upload limits (default 64, 4)
#        KEEP=1    keep the temporary directory
# Needs: root, ip (iproute2), nft (apt-get install nftables), java 17, bt-cli/target/bt.jar
#        (BUILD=1 builds it), /usr/bin/python3 with libtorrent for lt-b.
# Exit:  0 when every scenario ran and passed, 1 when one failed, 2 when the lab cannot be built.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
lt_peer="$here/lt_peer.py"
jar="$root/bt-cli/target/bt.jar"
py=/usr/bin/python3
size="${SIZE:-32}"
cases="${CASES:-bt-bt lt-b}"
timeout="${TIMEOUT:-150}"
relay_kbps="${RELAY_KBPS:-64}"
relay_up_kbps="${RELAY_UP_KBPS:-4}"
P=bthp
hub=$P-hub
relay=$P-relay
ra=$P-ra
rb=$P-rb
na=$P-a
nb=$P-b
relay_ip=10.77.20.10
ra_pub=10.77.20.2
rb_pub=10.77.20.3
a_ip=10.77.21.2
b_ip=10.77.22.2
port=6881

if [[ "$(id -u)" != 0 ]]; then
  echo "interop/holepunch.sh needs root (network namespaces, veth, nftables)" >&2
  exit 2
fi
for tool in ip nft java flock cmp; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (nft: apt-get install nftables)" >&2; exit 2; }
done
if [[ "${BUILD:-0}" == 1 || ! -f "$jar" ]]; then
  echo "building ..." >&2
  (cd "$root" && mvn -B -q -o package -DskipTests) >&2
fi

# ---- lab: creation and removal ---------------------------------------------------------------

# shellcheck source=nslab.sh
. "$here/nslab.sh"
lab_begin bthp holepunch.sh bt-holepunch 2

# router NS LAN_NET LAN_IP PUB_IP OTHER_PUB: a masquerading router, nothing unsolicited in;
# counter "hole" counts UDP from the other router's public address forwarded to the inside
router() {
  local ns="$1" lan_net="$2" lan_ip="$3" pub_ip="$4" other="$5"
  ip -n "$ns" addr add "$lan_ip/24" dev lan
  ip -n "$ns" addr add "$pub_ip/24" dev wan
  ip -n "$ns" link set lan up
  ip -n "$ns" link set wan up
  ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
  ip netns exec "$ns" nft -f - <<EOF
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" ip saddr $lan_net masquerade
  }
}
table ip filter {
  counter hole {}
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state new drop
    iifname "wan" ip saddr $other meta l4proto udp counter name "hole"
  }
}
EOF
}

make_lab() {
  local ns
  for ns in "$hub" "$relay" "$ra" "$rb" "$na" "$nb"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip -n "$hub" link add br0 type bridge
  ip -n "$hub" link set br0 up
  ip -n "$relay" link add eth0 type veth peer name v-relay netns "$hub"
  ip -n "$ra" link add wan type veth peer name v-ra netns "$hub"
  ip -n "$rb" link add wan type veth peer name v-rb netns "$hub"
  for v in v-relay v-ra v-rb; do
    ip -n "$hub" link set "$v" master br0
    ip -n "$hub" link set "$v" up
  done
  ip -n "$relay" addr add "$relay_ip/24" dev eth0
  ip -n "$relay" link set eth0 up
  ip -n "$na" link add eth0 type veth peer name lan netns "$ra"
  ip -n "$nb" link add eth0 type veth peer name lan netns "$rb"
  ip -n "$na" addr add "$a_ip/24" dev eth0
  ip -n "$nb" addr add "$b_ip/24" dev eth0
  ip -n "$na" link set eth0 up
  ip -n "$nb" link set eth0 up
  ip -n "$na" route add default via 10.77.21.1
  ip -n "$nb" route add default via 10.77.22.1
  router "$ra" 10.77.21.0/24 10.77.21.1 "$ra_pub" "$rb_pub"
  router "$rb" 10.77.22.0/24 10.77.22.1 "$rb_pub" "$ra_pub"
}

# hole_bytes NS: the bytes the router's hole counter saw
hole_bytes() {
  ip netns exec "$1" nft list counter ip filter hole | awk '/bytes/ {for (i = 1; i < NF; i++) if ($i == "bytes") print $(i + 1)}'
}

# a TCP connection attempt to port 1 of an address: "refused" (it answered), "timeout" (dropped)
probe='
import socket, sys
s = socket.socket()
s.settimeout(1.5)
try:
    s.connect((sys.argv[1], 1))
    print("open")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print("timeout" if isinstance(e, socket.timeout) else "error")
'

# shellcheck source=lib.sh
. "$here/lib.sh"

tmp="$(mktemp -d /tmp/bt-holepunch.XXXXXX)"
echo "== machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$tmp/src"
head -c $((size * 1048576)) /dev/urandom >"$tmp/src/data.bin"
java -jar "$jar" create "$tmp/src/data.bin" -o "$tmp/data.torrent" --no-date --json \
  >"$tmp/create.json"

# run_case NAME: one scenario in a fresh lab
run_case() {
  local name="$1" b_kind a_pid r_pid b_pid rc=0 t0 t1 hole_b hole_a
  case "$name" in
    bt-bt) b_kind=bt ;;
    lt-b) b_kind=lt ;;
    *) echo "unknown case $name" >&2; return 1 ;;
  esac
  remove_lab
  make_lab
  # the check the scenario rests on: B's connection attempt to A's router goes unanswered
  # (dropped), while A's to the relay is answered (refused: nothing listens on port 1 there)
  if [[ "$(ip netns exec "$nb" "$py" -c "$probe" "$ra_pub")" != timeout ]]; then
    echo "  $name: B reaches A's router unsolicited: the NAT lets things in" >&2
    return 1
  fi
  if [[ "$(ip netns exec "$na" "$py" -c "$probe" "$relay_ip")" != refused ]]; then
    echo "  $name: A cannot reach the relay" >&2
    return 1
  fi
  local out="$tmp/$name"
  mkdir -p "$out/relay" "$out/b"
  # the relay: a downloader with a slow download and a trickle of upload
  (nsx "$relay" java -Xmx128m -jar "$jar" download "$tmp/data.torrent" -o "$out/relay" \
    --bind "$relay_ip" --port "$port" --transport utp --no-dht --json --timeout 600 \
    --download-limit $((relay_kbps * 1024)) --upload-limit $((relay_up_kbps * 1024)) \
    >"$out/relay.out" 2>"$out/relay.err") &
  r_pid=$!
  pids+=("$r_pid")
  wait_for_line "$out/relay.out" '"progress"' 60 "$r_pid" \
    || { echo "  $name: the relay did not start" >&2; tail -5 "$out/relay.err" >&2; return 1; }
  # A: the seeder behind NAT A, dialling the relay
  (nsx "$na" java -Xmx128m -jar "$jar" seed "$tmp/data.torrent" "$tmp/src" --bind "$a_ip" \
    --port "$port" --transport utp --no-dht --json --peer "$relay_ip:$port" \
    >"$out/a.out" 2>"$out/a.err") &
  a_pid=$!
  pids+=("$a_pid")
  wait_for_line "$out/a.out" '"listening"' 120 "$a_pid" \
    || { echo "  $name: A did not start" >&2; tail -5 "$out/a.err" >&2; return 1; }
  # B dials the relay once A is connected to it, so that the relay's first PEX to B names A
  local i
  for ((i = 0; i < 300; i++)); do
    grep -q '"peers":[1-9]' "$out/relay.out" 2>/dev/null && break
    sleep 0.1
  done
  t0="$(date +%s.%N)"
  if [[ "$b_kind" == bt ]]; then
    (nsx "$nb" java -Xmx128m -jar "$jar" download "$tmp/data.torrent" -o "$out/b" --bind "$b_ip" \
      --port "$port" --transport utp --no-dht --json --timeout "$timeout" \
      --peer "$relay_ip:$port" >"$out/b.out" 2>"$out/b.err") &
  else
    (nsx "$nb" "$py" -u "$lt_peer" download --torrent "$tmp/data.torrent" --dir "$out/b" \
      --listen "$b_ip" --port "$port" --transport utp --timeout "$timeout" \
      --peer "$relay_ip:$port" >"$out/b.out" 2>"$out/b.err") &
  fi
  b_pid=$!
  pids+=("$b_pid")
  wait "$b_pid" || rc=$?
  t1="$(date +%s.%N)"
  hole_b="$(hole_bytes "$rb")"
  hole_a="$(hole_bytes "$ra")"
  kill "$a_pid" "$r_pid" 2>/dev/null || true
  wait "$a_pid" "$r_pid" 2>/dev/null || true
  local secs
  secs="$(awk "BEGIN {printf \"%.1f\", $t1 - $t0}")"
  printf '  %-6s B exit %d after %s s; through the hole: %s bytes into B (%s%% of the data), %s bytes into A\n' \
    "$name" "$rc" "$secs" "$hole_b" "$(awk "BEGIN {printf \"%.0f\", 100 * $hole_b / ($size * 1048576)}")" "$hole_a"
  download_ok "$name: B" "$rc" "$out/b.out" "$out/b.err" "$tmp/src/data.bin" "$out/b/data.bin" \
    || return 1
  if ((hole_b * 10 < size * 1048576 * 9)); then
    echo "  $name: less than 90% of the data came through the hole" >&2
    return 1
  fi
  echo "  $name: PASS"
}

failed=0
for c in $cases; do
  run_case "$c" || { echo "  $c: FAIL" >&2; failed=1; }
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$failed"
