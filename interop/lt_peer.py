#!/usr/bin/python3
"""A loopback-only libtorrent peer for interop tests and benchmarks.

Run with Debian's /usr/bin/python3 (the only python that has the `libtorrent` module):

  lt_peer.py seed     (--torrent F | --magnet URI) --dir D --port P [--peer 127.0.0.1:PORT]...
                      [--tracker URL]... [--dht-bootstrap 127.0.0.1:PORT]
                      [--timeout S] [--upload-limit B] [--listen IP] [--global-peer-class]
                      [--json]
  lt_peer.py download (--torrent F | --magnet URI) --dir D --port P [--peer 127.0.0.1:PORT]...
                      [--tracker URL]... [--dht-bootstrap 127.0.0.1:PORT]
                      [--timeout S] [--upload-limit B] [--listen IP] [--global-peer-class]
                      [--seed-after S] [--json]
  lt_peer.py create   SOURCE -o OUT.torrent [--piece-length B] [--v1 | --v2 | --hybrid]
                      [--canonical] [--json]

Every session listens on 127.0.0.1 only (or on --listen IP, an address in 10.77.0.0/16, the
network namespaces interop/lab.sh creates; peers must then be loopback or in that range too), with DHT, LSD, UPnP, NAT-PMP and the IP notifier off,
no DHT bootstrap nodes, several connections per IP allowed, and TCP only unless --transport
utp (uTP only: TCP off both ways, enable_*_tcp false, with 4 MiB socket buffers) or both. --dht-bootstrap turns the DHT on, bootstrapped from that node only, with
dht_restrict_routing_ips/dht_restrict_search_ips off (every node is 127.0.0.1), and forces a
DHT announce (get_peers + announce_peer) every 2 s until a peer connects: libtorrent by itself
looks again only every 15 minutes. --tracker adds trackers to the torrent (own tier each).
Each --peer is dialled with connect_peer and dialled again every second while it is not
connected (refused dials are retried quickly: min_reconnect_time 1, max_failcount 1000).

Output (stdout; with or without --json it is JSON lines, one object per line):
  {"event":"listening","port":P}
  {"event":"progress","have":N,"pieceCount":N,"downloaded":B,"uploaded":B,"rateBps":R,
   "uploadRateBps":R,"peers":N,"state":"..."}                                   about once a second
  {"event":"metadata"}                                                   (magnet downloads)
  {"event":"complete","bytes":B,"seconds":S,"rateMiBps":R}              (download)
  {"event":"created","path":F,"infoHashV1":..,"infoHashV2":..,"pieceLength":..,"pieceCount":..}
--global-peer-class puts every address in libtorrent's global peer class: by default peers on
loopback and private (LAN) addresses are in its "local" class, which is exempt from rate limits
and from unchoke slots (always unchoked); with it they are treated like internet peers.
--seed-after S (download): after completing, keep serving for S seconds before exiting.
Diagnostics (peer errors, disconnects, hash failures) go to stderr.

seed:     adds the torrent in seed_mode (no full recheck: pieces are hashed as they are first
          served) and serves until --timeout seconds pass (exit 0) or it is killed.
download: exits 0 once every piece is downloaded and verified, 1 on --timeout (default 600).
create:   v1 (default here: --v1), --v2 (v2 only) or --hybrid; default piece length 256 KiB.
          A v1 torrent lists files in directory order unless --canonical (BEP 52 order, which
          is what bt's TorrentCreator uses for every format).
"""

import argparse
import ipaddress
import json
import os
import sys
import time

import libtorrent as lt


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(msg):
    sys.stderr.write("lt_peer: " + msg + "\n")
    sys.stderr.flush()


def parse_peer(text):
    host, _, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected IP:PORT, got %r" % text)
    return (host, int(port))


LAB_NET = ipaddress.ip_network("10.77.0.0/16")


def allowed_host(host, listen):
    """Loopback, or, for a session listening in the lab, an address of the lab."""
    try:
        a = ipaddress.ip_address(host)
    except ValueError:
        return False
    if a.is_loopback:
        return True
    return ipaddress.ip_address(listen) in LAB_NET and a in LAB_NET


def make_session(port, upload_limit, dht_bootstrap=None, listen="127.0.0.1",
                 global_class=False, transport="tcp"):
    s = {
        "listen_interfaces": "%s:%d" % (listen, port),
        "outgoing_interfaces": "",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "dht_bootstrap_nodes": "",
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": transport != "tcp",
        "enable_incoming_utp": transport != "tcp",
        "enable_outgoing_tcp": transport != "utp",
        "enable_incoming_tcp": transport != "utp",
        "min_reconnect_time": 1,
        "max_failcount": 1000,
        "peer_connect_timeout": 5,
        "user_agent": "lt_peer/" + lt.__version__,
        "alert_mask": (lt.alert.category_t.error_notification
                       | lt.alert.category_t.status_notification
                       | lt.alert.category_t.peer_notification
                       | lt.alert.category_t.connect_notification
                       | lt.alert.category_t.tracker_notification),
    }
    if dht_bootstrap:
        s["enable_dht"] = True
        s["dht_bootstrap_nodes"] = "%s:%d" % dht_bootstrap
        s["dht_restrict_routing_ips"] = False
        s["dht_restrict_search_ips"] = False
        s["alert_mask"] |= lt.alert.category_t.dht_notification
    if transport != "tcp":
        # libtorrent's uTP needs large UDP socket buffers on loopback (bursts of a whole window)
        s["send_socket_buffer_size"] = 4 << 20
        s["recv_socket_buffer_size"] = 4 << 20
    if upload_limit:
        # local peers (127.x) are exempt from upload_rate_limit; local_upload_rate_limit applies.
        s["upload_rate_limit"] = upload_limit
        s["local_upload_rate_limit"] = upload_limit
    ses = lt.session(s)
    if global_class:
        f = lt.ip_filter()
        f.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
        ses.set_peer_class_filter(f)
    return ses


def add_params(args, seed):
    if args.torrent:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(args.torrent)
    else:
        atp = lt.parse_magnet_uri(args.magnet)
    atp.save_path = args.dir
    if args.tracker:
        atp.trackers = list(atp.trackers) + args.tracker
        atp.tracker_tiers = list(range(len(atp.trackers)))
    flags = atp.flags
    flags &= ~lt.torrent_flags.auto_managed
    flags &= ~lt.torrent_flags.paused
    if seed:
        flags |= lt.torrent_flags.seed_mode
        if getattr(args, "super_seed", False):
            flags |= lt.torrent_flags.super_seeding
    atp.flags = flags
    return atp


def connected_endpoints(handle):
    out = set()
    try:
        for p in handle.get_peer_info():
            out.add((p.ip[0], p.ip[1]))
    except Exception:  # pragma: no cover - diagnostic only
        pass
    return out


def run_transfer(args, seed):
    os.makedirs(args.dir, exist_ok=True)
    ses = make_session(args.port, args.upload_limit, args.dht_bootstrap, args.listen,
                       args.global_peer_class, args.transport)
    start = time.monotonic()
    handle = ses.add_torrent(add_params(args, seed))
    emit({"event": "listening", "port": ses.listen_port()})
    timeout = args.timeout if args.timeout is not None else (0 if seed else 600)
    deadline = start + timeout if timeout > 0 else None
    last_dial = 0.0
    last_dht = 0.0
    last_progress = time.monotonic()
    have_metadata = bool(args.torrent)
    done = False
    code = 0
    while True:
        now = time.monotonic()
        if now - last_dial >= 1.0 and args.peer:
            connected = connected_endpoints(handle)
            for p in args.peer:
                if p not in connected:
                    handle.connect_peer(p)
            last_dial = now
        if args.dht_bootstrap and now - last_dht >= 2.0 and handle.status().num_peers == 0:
            handle.force_dht_announce()
            last_dht = now
        for a in ses.pop_alerts():
            if isinstance(a, lt.metadata_received_alert):
                have_metadata = True
                emit({"event": "metadata"})
            elif isinstance(a, lt.hash_failed_alert):
                log("hash failed: piece %d" % a.piece_index)
                emit({"event": "hashfail", "piece": a.piece_index})
            elif isinstance(a, (lt.peer_error_alert, lt.peer_disconnected_alert,
                                lt.torrent_error_alert, lt.file_error_alert,
                                lt.peer_connect_alert, lt.listen_failed_alert,
                                lt.metadata_failed_alert, lt.tracker_error_alert,
                                lt.tracker_reply_alert, lt.dht_reply_alert)):
                log(a.message())
        st = handle.status()
        if not seed and have_metadata and st.has_metadata and st.is_seeding and not done:
            secs = max(1e-9, time.monotonic() - start)
            got = st.total_payload_download
            emit({"event": "complete", "bytes": got, "seconds": round(secs, 3),
                  "rateMiBps": round(got / 1048576.0 / secs, 2)})
            done = True
            if not args.seed_after:
                break
            deadline = time.monotonic() + args.seed_after
            seed = True  # from now on a timeout is the normal end
        if now - last_progress >= 1.0:
            last_progress = now
            emit({"event": "progress",
                  "have": st.num_pieces,
                  "pieceCount": handle.torrent_file().num_pieces() if st.has_metadata else 0,
                  "downloaded": st.total_payload_download,
                  "uploaded": st.total_payload_upload,
                  "rateBps": st.download_payload_rate,
                  "uploadRateBps": st.upload_payload_rate,
                  "peers": st.num_peers,
                  "state": str(st.state)})
        if deadline is not None and now >= deadline:
            if not seed:
                log("timed out after %s s with %d pieces" % (timeout, st.num_pieces))
                code = 1
            break
        ses.wait_for_alert(100)
    # Let the disk threads finish writing before the process exits.
    ses.pause()
    ses.remove_torrent(handle)
    t_end = time.monotonic() + 5
    while time.monotonic() < t_end:
        if any(isinstance(a, lt.torrent_removed_alert) for a in ses.pop_alerts()):
            break
        ses.wait_for_alert(100)
    del ses
    return code


def run_create(args):
    src = os.path.abspath(args.source)
    fs = lt.file_storage()
    lt.add_files(fs, src)
    if fs.num_files() == 0:
        log("no files in " + src)
        return 1
    flags = 0
    if args.format == "v1":
        flags = lt.create_torrent.v1_only
    elif args.format == "v2":
        flags = lt.create_torrent.v2_only
    if args.canonical and args.format == "v1":
        # BEP 52 order (path components compared as UTF-8 bytes), no pad files: what bt's
        # TorrentCreator makes for v1. (libtorrent's canonical_files flag would add pad files.)
        files = [(fs.file_path(i), fs.file_size(i)) for i in range(fs.num_files())]
        files.sort(key=lambda f: [c.encode("utf-8") for c in f[0].split(os.sep)])
        fs = lt.file_storage()
        for path, size in files:
            fs.add_file(path, size)
    ct = lt.create_torrent(fs, args.piece_length, flags=flags)
    ct.set_creator("lt_peer " + lt.__version__)
    lt.set_piece_hashes(ct, os.path.dirname(src))
    data = lt.bencode(ct.generate())
    with open(args.output, "wb") as f:
        f.write(data)
    ti = lt.torrent_info(args.output)
    ih = ti.info_hashes()
    emit({"event": "created", "path": args.output,
          "infoHashV1": str(ih.v1) if ih.has_v1() else None,
          "infoHashV2": str(ih.v2) if ih.has_v2() else None,
          "pieceLength": ti.piece_length(), "pieceCount": ti.num_pieces(),
          "totalSize": ti.total_size(),
          "magnet": lt.make_magnet_uri(ti)})
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="lt_peer.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("seed", "download"):
        p = sub.add_parser(name)
        src = p.add_mutually_exclusive_group(required=True)
        src.add_argument("--torrent")
        src.add_argument("--magnet")
        p.add_argument("--dir", required=True)
        p.add_argument("--port", type=int, default=0)
        p.add_argument("--peer", type=parse_peer, action="append", default=[])
        p.add_argument("--timeout", type=float)
        p.add_argument("--tracker", action="append", default=[])
        p.add_argument("--dht-bootstrap", type=parse_peer)
        p.add_argument("--upload-limit", type=int, default=0)
        p.add_argument("--transport", choices=["tcp", "utp", "both"], default="tcp",
                       help="tcp (default), utp (TCP off both ways) or both")
        p.add_argument("--listen", default="127.0.0.1",
                       help="listen address: 127.0.0.1 or one in 10.77.0.0/16 (interop/lab.sh)")
        p.add_argument("--global-peer-class", action="store_true",
                       help="every peer in the global peer class (no local-peer exemptions)")
        if name == "download":
            p.add_argument("--seed-after", type=float, default=0,
                           help="seconds to keep serving after completing")
        else:
            p.set_defaults(seed_after=0)
            p.add_argument("--super-seed", action="store_true",
                           help="super-seeding (BEP 16): show peers a few pieces at a time")
        p.add_argument("--json", action="store_true", help="JSON lines (always on)")
    c = sub.add_parser("create")
    c.add_argument("source")
    c.add_argument("-o", "--output", required=True)
    c.add_argument("--piece-length", type=int, default=256 * 1024)
    fmt = c.add_mutually_exclusive_group()
    fmt.add_argument("--v1", dest="format", action="store_const", const="v1")
    fmt.add_argument("--v2", dest="format", action="store_const", const="v2")
    fmt.add_argument("--hybrid", dest="format", action="store_const", const="hybrid")
    c.add_argument("--canonical", action="store_true",
                   help="v1: list files in BEP 52 order, as bt does (v2 and hybrid always do)")
    c.add_argument("--json", action="store_true", help="JSON lines (always on)")
    c.set_defaults(format="v1")
    args = ap.parse_args(argv)
    if args.cmd == "create":
        return run_create(args)
    if not allowed_host(args.listen, args.listen):
        ap.error("--listen must be 127.x or in %s: %s" % (LAB_NET, args.listen))
    for host, _ in args.peer:
        if not allowed_host(host, args.listen):
            ap.error("only loopback peers (or lab peers with a lab --listen) are allowed: "
                     + host)
    return run_transfer(args, args.cmd == "seed")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
