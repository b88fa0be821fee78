#!/usr/bin/python3
"""A private DHT of N libtorrent sessions on 127.0.0.1, driven over stdin/stdout, for bt's
DHT interop test at scale (issue 18).

Usage: lt_dht_swarm.py N BOOTSTRAP_HOST:PORT[,HOST:PORT...]

Session 0 bootstraps from the given nodes (bt's); session i from them and sessions i-3..i-1.
Prints "LISTEN <port0> <port1> ..." once all are up, then answers one line per command:
  nodes                       -> "NODES <n0> <n1> ..."  (nodes in each session's routing table)
  add <i> <hex> <dir>         -> "ADDED"                (session i adds a torrent by info hash and
                                                         announces it with its listen port)
  get_peers <i> <hex>         -> "PEERS ip:port ..."    (session i's lookup; waits up to 5 s)
  quit                        -> exits
Only loopback is used: LSD, UPnP, NAT-PMP and the IP notifier are off, there are no public
bootstrap nodes, and the limits that assume one node per IP (routing and search IP
restrictions, verified-id preference, the per-IP block rate limit) are lifted, since every node
here is 127.0.0.1.
"""
import sys
import time

import libtorrent as lt


def session(bootstrap):
    return lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": True,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "dht_bootstrap_nodes": bootstrap,
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_prefer_verified_node_ids": False,
        "dht_ignore_dark_internet": False,
        "dht_block_ratelimit": 100000,
        "dht_upload_rate_limit": 1000000,
        "alert_mask": lt.alert.category_t.dht_notification
        | lt.alert.category_t.dht_operation_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.error_notification,
    })


def table_size(ses):
    ses.post_dht_stats()
    deadline = time.time() + 2
    while time.time() < deadline:
        ses.wait_for_alert(200)
        for a in ses.pop_alerts():
            if isinstance(a, lt.dht_stats_alert):
                return sum(b["num_nodes"] for b in a.routing_table)
    return -1


def main():
    count = int(sys.argv[1])
    seeds = sys.argv[2].split(",")
    sessions = []
    ports = []
    for i in range(count):
        nodes = seeds + ["127.0.0.1:%d" % p for p in ports[-3:]]
        ses = session(",".join(nodes))
        sessions.append(ses)
        ports.append(ses.listen_port())
    print("LISTEN " + " ".join(str(p) for p in ports), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd = parts[0]
        if cmd == "quit":
            break
        if cmd == "nodes":
            print("NODES " + " ".join(str(table_size(s)) for s in sessions), flush=True)
        elif cmd == "add":
            # the bindings do not expose dht_announce's flags type, so a torrent is added by
            # info hash instead: libtorrent announces it with the session's listen port
            ses = sessions[int(parts[1])]
            ih = lt.sha1_hash(bytes.fromhex(parts[2]))
            h = ses.find_torrent(ih)
            if not h.is_valid():
                p = lt.add_torrent_params()
                p.info_hashes = lt.info_hash_t(ih)
                p.save_path = parts[3]
                h = ses.add_torrent(p)
            h.force_dht_announce()
            print("ADDED", flush=True)
        elif cmd == "get_peers":
            ses = sessions[int(parts[1])]
            target = lt.sha1_hash(bytes.fromhex(parts[2]))
            ses.pop_alerts()
            ses.dht_get_peers(target)
            peers = set()
            deadline = time.time() + 5
            done = False
            while not done and time.time() < deadline:
                ses.wait_for_alert(200)
                for a in ses.pop_alerts():
                    if isinstance(a, lt.dht_get_peers_reply_alert) and a.info_hash == target:
                        for p in a.peers():
                            peers.add("%s:%d" % (p[0], p[1]))
                        done = True
            print("PEERS " + " ".join(sorted(peers)), flush=True)
        else:
            print("ERROR unknown command " + cmd, flush=True)


if __name__ == "__main__":
    main()
