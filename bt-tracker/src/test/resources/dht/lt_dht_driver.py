#!/usr/bin/python3
"""A libtorrent DHT node on 127.0.0.1 driven over stdin/stdout, for bt's DHT interop test.

Usage: lt_dht_driver.py BOOTSTRAP_HOST:PORT

Prints "LISTEN <port>" once the session is up, then answers one line per command:
  nodes                -> "NODES <n>"            (nodes in libtorrent's DHT routing table)
  add <hex> <dir>       -> "ADDED"               (a magnet-style torrent saving to dir; libtorrent
                           announces it to the DHT with its listen port, and again on each add)
  get_peers <hex>       -> "PEERS ip:port ..."   (waits up to 5 s for the lookup's replies)
  quit                  -> exits
Only loopback is used: LSD, UPnP, NAT-PMP and the IP notifier are off, and the only DHT
bootstrap node is the one given.
"""
import sys
import time

import libtorrent as lt


def main():
    bootstrap = sys.argv[1]
    settings = {
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": True,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "dht_bootstrap_nodes": bootstrap,
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "alert_mask": lt.alert.category_t.dht_notification
        | lt.alert.category_t.dht_operation_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.error_notification,
    }
    ses = lt.session(settings)
    print("LISTEN %d" % ses.listen_port(), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd = parts[0]
        if cmd == "quit":
            break
        if cmd == "nodes":
            ses.post_dht_stats()
            n = -1
            deadline = time.time() + 2
            while n < 0 and time.time() < deadline:
                ses.wait_for_alert(200)
                for a in ses.pop_alerts():
                    if isinstance(a, lt.dht_stats_alert):
                        n = sum(b["num_nodes"] for b in a.routing_table)
            print("NODES %d" % n, flush=True)
        elif cmd == "add":
            ih = lt.sha1_hash(bytes.fromhex(parts[1]))
            h = ses.find_torrent(ih)
            if not h.is_valid():
                p = lt.add_torrent_params()
                p.info_hashes = lt.info_hash_t(ih)
                p.save_path = parts[2]
                h = ses.add_torrent(p)
            h.force_dht_announce()
            print("ADDED", flush=True)
        elif cmd == "get_peers":
            target = lt.sha1_hash(bytes.fromhex(parts[1]))
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
