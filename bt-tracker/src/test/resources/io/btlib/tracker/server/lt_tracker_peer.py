#!/usr/bin/python3
"""libtorrent on 127.0.0.1 for the tracker server's interop tests.

  lt_tracker_peer.py create DATA_FILE TRACKER_URL OUT.torrent
  lt_tracker_peer.py seed   TORRENT DIR [TIMEOUT_SECONDS]

create: a v1 torrent of one file (256 KiB pieces) whose only tracker is TRACKER_URL.
seed:   seeds TORRENT from DIR on 127.0.0.1 (ephemeral port), announcing to its tracker only:
        no DHT, LSD, UPnP, NAT-PMP, uTP; several connections per IP allowed. Prints
        "listening PORT", then "tracker ok" after the first successful announce, and
        "uploaded N" lines; exits after TIMEOUT_SECONDS (default 120) or when killed.
"""
import sys
import time

import libtorrent as lt


def create(data, url, out):
    fs = lt.file_storage()
    lt.add_files(fs, data)
    t = lt.create_torrent(fs, 256 * 1024, flags=lt.create_torrent.v1_only)
    t.add_tracker(url)
    t.set_creator("bt tracker interop test")
    lt.set_piece_hashes(t, __import__("os").path.dirname(data))
    with open(out, "wb") as f:
        f.write(lt.bencode(t.generate()))


def seed(torrent, directory, timeout):
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "dht_bootstrap_nodes": "",
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "min_reconnect_time": 1,
        "max_failcount": 1000,
        "announce_to_all_trackers": True,
        "alert_mask": lt.alert.category_t.all_categories,
    })
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = directory
    atp.flags = (atp.flags | lt.torrent_flags.seed_mode) & ~lt.torrent_flags.auto_managed \
        & ~lt.torrent_flags.paused
    h = ses.add_torrent(atp)
    print("listening %d" % ses.listen_port(), flush=True)
    end = time.monotonic() + timeout
    last = 0
    while time.monotonic() < end:
        for a in ses.pop_alerts():
            if isinstance(a, lt.tracker_reply_alert):
                print("tracker ok %d" % a.num_peers, flush=True)
            elif isinstance(a, (lt.tracker_error_alert, lt.tracker_warning_alert)):
                sys.stderr.write("tracker: %s\n" % a.message())
                sys.stderr.flush()
        now = time.monotonic()
        if now - last > 1:
            last = now
            print("uploaded %d" % h.status().total_payload_upload, flush=True)
        ses.wait_for_alert(200)


if __name__ == "__main__":
    if sys.argv[1] == "create":
        create(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "seed":
        seed(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 120)
    else:
        sys.exit("unknown command " + sys.argv[1])
