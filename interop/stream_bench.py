#!/usr/bin/python3
"""Time to first byte and total download time of a streaming client, for interop/stream.sh.

Run with Debian's /usr/bin/python3 (the `lt` mode needs its libtorrent module):

  stream_bench.py bt       --jar BT_JAR --torrent T --peer 127.0.0.1:P --dir D [common]
  stream_bench.py lt       --torrent T --peer 127.0.0.1:P --dir D [common] [--bitrate BPS]
  stream_bench.py download --jar BT_JAR --torrent T --peer 127.0.0.1:P --dir D [--timeout S]
  common: [--seeks N] [--seed S] [--read BYTES] [--readahead BYTES] [--timeout S]

Every mode prints one JSON object on stdout (diagnostics go to stderr):
  {"client":..., "ttfbStart":S, "seeks":[S,...], "seekMedian":S, "seekP95":S,
   "total":S, ...}

What is measured, the same way for both streaming clients:
  - start: the client is launched (bt: `bt stream T --json`, a JVM; lt: a libtorrent session in
    this process). "ttfbStart" runs from the moment the torrent is added (bt: its "listening"
    event, printed right after the torrent starts; lt: add_torrent) to the first byte of the file
    being readable (bt: the first body byte of `GET` with `Range: bytes=0-`; lt: the
    read_piece_alert that set_piece_deadline(..., alert_when_available) posts for piece 0).
    "ttfbStartFromLaunch" (bt) includes the JVM's start.
  - seeks: N offsets drawn with random.Random(S) over the file, the same for both clients, one
    after the other: the time from asking for the offset (bt: a new connection, `GET` with `Range:
    bytes=X-`; lt: clear_piece_deadlines, then set_piece_deadline over the window from X, nearest
    first, the first with alert_when_available) until the first byte at X is readable; then
    --read bytes from X are read (bt: received; lt: their pieces downloaded) and the request is
    dropped (bt: the connection is closed).
    "seekMisses" counts the seeks slower than 50 ms (those whose piece was not there yet) and
    "seekMissMedian" is their median: which seeks miss depends on what each client had fetched
    before (bt fetches rarest first outside the windows, libtorrent in order), so this is the
    cost of a miss itself.
  - total: the seconds from the torrent's start to every piece verified (bt: the "complete"
    event's seconds, counted from the command's start; lt: add_torrent to torrent_finished).
libtorrent's window: --readahead bytes from X (default 8 MiB, bt's default window too), piece
deadlines i * (piece length / --bitrate) ms for the i-th piece of the window, with
sequential_download on, as its streaming documentation describes.
"""

import argparse
import json
import math
import os
import queue
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time


def log(msg):
    sys.stderr.write("stream_bench: " + msg + "\n")
    sys.stderr.flush()


def parse_peer(text):
    host, _, port = text.rpartition(":")
    if host not in ("127.0.0.1", "localhost") or not port.isdigit():
        raise argparse.ArgumentTypeError("expected 127.0.0.1:PORT, got %r" % text)
    return ("127.0.0.1", int(port))


def offsets(size, n, seed):
    rng = random.Random(seed)
    return [rng.randrange(0, size) for _ in range(n)]


MISS = 0.05  # seconds: a seek slower than this had to fetch its piece


def summary(result, seeks):
    result["seeks"] = [round(s, 4) for s in seeks]
    if seeks:
        ordered = sorted(seeks)
        result["seekMedian"] = round(statistics.median(ordered), 4)
        result["seekP95"] = round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)], 4)
        # A seek into bytes already downloaded answers at once; the misses show the fetch itself.
        misses = [s for s in ordered if s > MISS]
        result["seekMisses"] = len(misses)
        if misses:
            result["seekMissMedian"] = round(statistics.median(misses), 4)
    return result


# ---------------------------------------------------------------------------- bt over HTTP

class Lines:
    """A process's stdout lines with their arrival times, read on a thread."""

    def __init__(self, proc):
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._run, args=(proc.stdout,), daemon=True)
        self.t.start()

    def _run(self, f):
        for line in iter(f.readline, b""):
            self.q.put((time.monotonic(), line.decode("utf-8", "replace").strip()))
        self.q.put((time.monotonic(), None))

    def event(self, name, deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %s event" % name)
            try:
                at, line = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise EOFError("the process ended before a %s event" % name)
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("event") == name:
                return at, o


def http_range(host, port, path, first, want, timeout):
    """GET path with Range: bytes=first-; (seconds to first body byte, bytes read up to want)."""
    t0 = time.monotonic()
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nRange: bytes=%d-\r\n\r\n"
                   % (path, host, port, first)).encode("ascii"))
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError("connection closed in the response head")
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        status = head.split(b" ", 2)[1]
        if status != b"206":
            raise RuntimeError("status %s for bytes=%d-" % (status.decode(), first))
        while not body:
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError("connection closed before the body")
            body += chunk
        ttfb = time.monotonic() - t0
        got = len(body)
        while got < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        return t0, ttfb, got
    finally:
        s.close()


def run_bt(args, size):
    cmd = ["java"] + args.java_opts.split() + ["-jar", args.jar, "stream", args.torrent, "--json",
           "--no-dht", "-o", args.dir, "--peer", "%s:%d" % args.peer,
           "--readahead", str(args.readahead)]
    launch = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    lines = Lines(proc)
    try:
        deadline = launch + args.timeout
        at, o = lines.event("listening", deadline)
        url = o["url"]
        hostport, path = url[len("http://"):].split("/", 1)
        host, port = hostport.rsplit(":", 1)
        path = "/" + path
        t0, first, _ = http_range(host, int(port), path, 0, args.read, args.timeout)
        result = {"client": "bt stream", "ttfbStart": round(t0 + first - at, 4),
                  "ttfbStartFromLaunch": round(t0 + first - launch, 4),
                  "listeningAfterLaunch": round(at - launch, 4)}
        seeks = []
        for x in offsets(size, args.seeks, args.seed):
            _, ttfb, _ = http_range(host, int(port), path, x, args.read, args.timeout)
            seeks.append(ttfb)
        if not args.skip_total:
            _, done = lines.event("complete", deadline)
            result["total"] = done["seconds"]
        proc.send_signal(signal.SIGINT)
        result["exit"] = proc.wait(timeout=30)
        return summary(result, seeks)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_download(args):
    cmd = ["java"] + args.java_opts.split() + ["-jar", args.jar, "download", args.torrent,
           "--json", "--no-dht", "-o", args.dir, "--peer", "%s:%d" % args.peer]
    launch = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    lines = Lines(proc)
    try:
        _, done = lines.event("complete", launch + args.timeout)
        code = proc.wait(timeout=30)
        return {"client": "bt download", "total": done["seconds"], "exit": code}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------- libtorrent

def run_lt(args):
    import libtorrent as lt

    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False,
        "enable_natpmp": False, "enable_ip_notifier": False, "dht_bootstrap_nodes": "",
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "min_reconnect_time": 1, "max_failcount": 1000, "peer_connect_timeout": 5,
        "alert_mask": (lt.alert.category_t.error_notification
                       | lt.alert.category_t.status_notification
                       | lt.alert.category_t.storage_notification),
    })
    ti = lt.torrent_info(args.torrent)
    size = ti.files().file_size(0)
    piece_len = ti.piece_length()
    per_piece_ms = max(1, int(piece_len / max(1, args.bitrate) * 1000))
    atp = lt.add_torrent_params()
    atp.ti = ti
    atp.save_path = args.dir
    atp.flags = ((atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused)
                 | lt.torrent_flags.sequential_download)
    t_add = time.monotonic()
    h = ses.add_torrent(atp)
    h.connect_peer(args.peer)
    state = {"read": set(), "finished": None, "last_dial": t_add}

    def pump(timeout_ms):
        ses.wait_for_alert(timeout_ms)
        for a in ses.pop_alerts():
            if isinstance(a, lt.read_piece_alert):
                state["read"].add(a.piece if hasattr(a, "piece") else a.piece_index)
            elif isinstance(a, lt.torrent_finished_alert) and state["finished"] is None:
                state["finished"] = time.monotonic()
        now = time.monotonic()
        if now - state["last_dial"] >= 1.0 and h.status().num_peers == 0:
            h.connect_peer(args.peer)
            state["last_dial"] = now

    def wait(cond, limit):
        end = time.monotonic() + limit
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError("libtorrent: waited %s s" % limit)
            pump(5)

    def seek(x):
        """Deadlines over the window from x; seconds until the first byte is readable."""
        t0 = time.monotonic()
        first = x // piece_len
        last = min(ti.num_pieces() - 1, (x + args.readahead - 1) // piece_len)
        h.clear_piece_deadlines()
        state["read"].discard(first)
        for i, p in enumerate(range(first, last + 1)):
            h.set_piece_deadline(p, i * per_piece_ms,
                                 lt.deadline_flags_t.alert_when_available if p == first else 0)
        wait(lambda: first in state["read"], args.timeout)
        ttfb = time.monotonic() - t0
        end_piece = min(ti.num_pieces() - 1, (min(size, x + args.read) - 1) // piece_len)
        wait(lambda: all(h.have_piece(p) for p in range(first, end_piece + 1)), args.timeout)
        return ttfb, t0

    ttfb_start, t0 = seek(0)
    result = {"client": "libtorrent " + lt.__version__,
              "ttfbStart": round(ttfb_start + (t0 - t_add), 4)}
    seeks = [seek(x)[0] for x in offsets(size, args.seeks, args.seed)]
    h.clear_piece_deadlines()
    if not args.skip_total:
        wait(lambda: state["finished"] is not None or h.status().is_seeding, args.timeout)
        done = state["finished"] or time.monotonic()
        result["total"] = round(done - t_add, 3)
    ses.pause()
    return summary(result, seeks)


def main(argv):
    ap = argparse.ArgumentParser(prog="stream_bench.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    for name in ("bt", "lt", "download"):
        p = sub.add_parser(name)
        p.add_argument("--torrent", required=True)
        p.add_argument("--peer", type=parse_peer, required=True)
        p.add_argument("--dir", required=True)
        p.add_argument("--timeout", type=float, default=600)
        p.add_argument("--jar")
        p.add_argument("--java-opts", default="")
        p.add_argument("--seeks", type=int, default=20)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--read", type=int, default=256 * 1024)
        p.add_argument("--readahead", type=int, default=8 << 20)
        p.add_argument("--skip-total", action="store_true",
                       help="stop after the seeks (a diagnostic run: no total time)")
        p.add_argument("--bitrate", type=int, default=1 << 20,
                       help="the video's bytes per second (libtorrent's piece deadlines)")
    args = ap.parse_args(argv)
    os.makedirs(args.dir, exist_ok=True)
    if args.mode in ("bt", "download") and not args.jar:
        ap.error("--jar is needed")
    if args.mode == "lt":
        result = run_lt(args)
    elif args.mode == "bt":
        import libtorrent as lt  # only to read the file's size the same way as the lt mode
        result = run_bt(args, lt.torrent_info(args.torrent).files().file_size(0))
    else:
        result = run_download(args)
    print(json.dumps(result, separators=(",", ":")))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
