#!/usr/bin/python3
"""Seed corpora for the fuzz targets, taken from real programs' output, on 127.0.0.1 only.

Run with Debian's /usr/bin/python3 (it has the `libtorrent` module); needs mktorrent,
transmission-create and opentracker (Debian packages of those names). Nothing leaves loopback:
every socket binds or connects to 127.0.0.1, libtorrent's DHT has no bootstrap nodes, LSD, UPnP
and NAT-PMP are off, and opentracker listens on 127.0.0.1.

  interop/capture_corpora.py [--out DIR]    (default: the repository's corpus folders)

What it writes (each file named after its source), into the seed corpus of the target that reads
that kind of input (src/test/resources/<package>/<Class>Inputs/<method>/):

  metainfo, bencode  torrents made by libtorrent (v1, v2, hybrid; single file and a directory),
                     mktorrent (v1; private, web seed) and transmission-create
  magnet             libtorrent's magnet links of those torrents (v1, v2, hybrid)
  wire, session      what a libtorrent seeder sends a bare client that handshakes (fast and
                     extension protocol), sends its extended handshake, interested, two requests
                     and a ut_metadata request: the stream after the 68-byte handshake (session:
                     a first byte choosing the read size, then the stream, of a torrent shaped
                     as SessionFuzzTest's: 10 pieces of 32 KiB, the last 1000 bytes)
  extendedHandshake, metadata
                     that stream's extended handshake and ut_metadata payloads
  pex                libtorrent's ut_pex message to one of two bare clients, naming the other
  mseReceiver        a libtorrent peer's first MSE flight (Ya and PadA) to a listening socket
  mseInitiator       a libtorrent peer's answer (Yb and PadB) to a client's Ya
  krpc               a libtorrent DHT node's answers to ping, find_node, get_peers,
                     announce_peer, sample_infohashes and a bad query, and its own queries to a
                     node it was told of
  httpReply          opentracker's announce, scrape and error reply bodies
  udpReply           opentracker's UDP connect, announce and scrape replies (first byte 0: IPv4)
  httpHead           libtorrent's HTTP announce request (first byte: read size)
  udpRequest         libtorrent's UDP tracker connect and announce, as [length, datagram], the
                     announce's connection id replaced by 0 (the target puts in a valid one)
"""

import argparse
import hashlib
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import libtorrent as lt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE = "bt-core/src/test/resources/io/btlib/fuzz/"
TRACKER = "bt-tracker/src/test/resources/io/btlib/tracker/server/internal/TrackerFuzzTestInputs/"
TARGETS = {
    "metainfo": CORE + "InputFuzzTestInputs/metainfo",
    "bencode": CORE + "InputFuzzTestInputs/bencode",
    "magnet": CORE + "InputFuzzTestInputs/magnet",
    "wire": CORE + "InputFuzzTestInputs/wire",
    "session": CORE + "SessionFuzzTestInputs/session",
    "extendedHandshake": CORE + "SessionFuzzTestInputs/extendedHandshake",
    "metadata": CORE + "SessionFuzzTestInputs/metadata",
    "pex": CORE + "SessionFuzzTestInputs/pex",
    "mseInitiator": CORE + "SessionFuzzTestInputs/mseInitiator",
    "mseReceiver": CORE + "SessionFuzzTestInputs/mseReceiver",
    "krpc": "bt-tracker/src/test/resources/io/btlib/dht/internal/KrpcFuzzTestInputs/krpc",
    "httpReply": TRACKER + "httpReply",
    "udpReply": TRACKER + "udpReply",
    "httpHead": TRACKER + "httpHead",
    "udpRequest": TRACKER + "udpRequest",
}
LO = "127.0.0.1"
PIECE = 32 * 1024
TOTAL = 9 * PIECE + 1000  # SessionFuzzTest's torrent shape


def log(msg):
    sys.stderr.write("capture: " + msg + "\n")
    sys.stderr.flush()


class Out:
    def __init__(self, base):
        self.base = base
        self.count = {}

    def put(self, target, name, data):
        d = os.path.join(self.base, TARGETS[target])
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        self.count[target] = self.count.get(target, 0) + 1


# ------------------------------------------------------------------------------- bencode

def bdecode(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        out, i = [], i + 1
        while b[i:i + 1] != b"e":
            v, i = bdecode(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while b[i:i + 1] != b"e":
            k, i = bdecode(b, i)
            v, i = bdecode(b, i)
            out[k] = v
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


def bencode(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(bencode(v) for v in x) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(x[k]) for k in sorted(
        x, key=lambda k: k.encode() if isinstance(k, str) else k)) + b"e"


# ------------------------------------------------------------------------------- sessions

def session(port, **extra):
    s = {
        "listen_interfaces": "%s:%d" % (LO, port),
        "outgoing_interfaces": "",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False,
        "enable_natpmp": False, "enable_ip_notifier": False, "dht_bootstrap_nodes": "",
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "alert_mask": lt.alert.category_t.error_notification,
    }
    s.update(extra)
    return lt.session(s)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind((LO, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def add(ses, torrent, save, trackers=(), seed=True):
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save
    if trackers:
        atp.trackers = list(trackers)
    flags = atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
    if seed:
        flags |= lt.torrent_flags.seed_mode
    atp.flags = flags
    return ses.add_torrent(atp)


def recv_for(sock, seconds, until=None):
    """What sock receives within seconds (or until until(data) holds)."""
    data = b""
    end = time.time() + seconds
    while time.time() < end:
        sock.settimeout(max(0.05, end - time.time()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
        if until and until(data):
            break
    return data


# ------------------------------------------------------------------------------- torrents

def make_content(tmp):
    content = os.path.join(tmp, "content")
    os.makedirs(os.path.join(content, "multi", "sub"))
    rnd = random.Random(15)
    with open(os.path.join(content, "single.bin"), "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(TOTAL)))
    for name, size in (("a.bin", 40000), ("sub/b.bin", 70000), ("sub/c.txt", 10),
                       ("empty.txt", 0)):
        with open(os.path.join(content, "multi", name), "wb") as f:
            f.write(bytes(rnd.getrandbits(8) for _ in range(size)))
    return content


def lt_create(src, out, flags, piece):
    fs = lt.file_storage()
    lt.add_files(fs, src)
    ct = lt.create_torrent(fs, piece, flags=flags)
    ct.add_tracker("http://%s:6969/announce" % LO)
    ct.set_creator("libtorrent " + lt.__version__)
    lt.set_piece_hashes(ct, os.path.dirname(src))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return out


def torrents(tmp, content, out):
    made = {}
    kinds = (("v1", lt.create_torrent.v1_only), ("v2", lt.create_torrent.v2_only),
             ("hybrid", 0))
    for kind, flags in kinds:
        for what in ("single.bin", "multi"):
            name = "libtorrent-%s-%s.torrent" % (kind, what.split(".")[0])
            made[name] = lt_create(os.path.join(content, what), os.path.join(tmp, name), flags,
                                   PIECE if what == "single.bin" else 16384)
    for name, args in (("mktorrent-v1-multi.torrent", ["-l", "15"]),
                       ("mktorrent-v1-private-webseed.torrent",
                        ["-p", "-l", "16", "-w", "http://%s:8000/files/" % LO,
                         "-c", "made by mktorrent"])):
        path = os.path.join(tmp, name)
        subprocess.run(["mktorrent", "-a", "http://%s:6969/announce" % LO] + args
                       + ["-o", path, os.path.join(content, "multi")], check=True,
                       stdout=subprocess.DEVNULL)
        made[name] = path
    path = os.path.join(tmp, "transmission-create-multi.torrent")
    subprocess.run(["transmission-create", "-t", "http://%s:6969/announce" % LO, "-o", path,
                    os.path.join(content, "multi")], check=True, stdout=subprocess.DEVNULL)
    made["transmission-create-multi.torrent"] = path
    for name, path in sorted(made.items()):
        data = open(path, "rb").read()
        out.put("metainfo", name, data)
        if name.startswith("libtorrent-hybrid") or name.startswith("mktorrent-v1-private"):
            out.put("bencode", name, data)
        if name.startswith("libtorrent-") and name.endswith("-multi.torrent"):
            uri = lt.make_magnet_uri(lt.torrent_info(path))
            out.put("magnet", name.replace(".torrent", ".magnet"), uri.encode())
    return made


# ------------------------------------------------------------------------------- peer wire

HANDSHAKE = b"\x13BitTorrent protocol"
RESERVED = b"\x00\x00\x00\x00\x00\x10\x00\x04"  # extension protocol, fast extension


def messages(stream):
    """The (id, payload) of each whole message in stream (after the handshake)."""
    out, i = [], 0
    while i + 4 <= len(stream):
        n = struct.unpack(">I", stream[i:i + 4])[0]
        if i + 4 + n > len(stream):
            break
        if n:
            out.append((stream[i + 4], stream[i + 5:i + 4 + n]))
        i += 4 + n
    return out


def msg(mid, payload=b""):
    return struct.pack(">IB", 1 + len(payload), mid) + payload


def wire(tmp, made, content, out):
    torrent = made["libtorrent-v1-single.torrent"]
    ti = lt.torrent_info(torrent)
    ih = bytes.fromhex(str(ti.info_hashes().v1))
    port = free_port()
    ses = session(port)
    add(ses, torrent, content)
    time.sleep(1.0)
    stream = bare_client(port, ih)
    del ses
    put_stream(out, "libtorrent", stream)


def bare_client(port, ih):
    """What a seeder on port sends a bare client that asks for metadata and two blocks."""
    c = socket.create_connection((LO, port), timeout=5)
    c.sendall(HANDSHAKE + RESERVED + ih + b"-XX0001-capturecaptu")
    first = recv_for(c, 3, lambda d: len(d) >= 68 and any(
        m == 20 and p[:1] == b"\x00" for m, p in messages(d[68:])))
    ext = next((p[1:] for m, p in messages(first[68:]) if m == 20 and p[:1] == b"\x00"), b"")
    md_id = bdecode(ext)[0].get(b"m", {}).get(b"ut_metadata", 0) if ext else 0
    c.sendall(msg(20, b"\x00" + bencode({"m": {"ut_metadata": 3, "ut_pex": 1}, "v": "capture"}))
              + msg(2))
    rest = recv_for(c, 2, lambda d: any(m == 1 for m, _ in messages((first + d)[68:])))
    c.sendall(msg(6, struct.pack(">III", 0, 0, 1024))
              + msg(6, struct.pack(">III", 9, 0, 1000))
              + (msg(20, bytes([md_id]) + bencode({"msg_type": 0, "piece": 0})) if md_id
                 else b""))
    rest += recv_for(c, 3)
    c.close()
    return (first + rest)[68:]


def put_stream(out, client, stream):
    """A seeder's stream (after its handshake) into the wire, session and extension corpora."""
    if not messages(stream):
        raise RuntimeError("%s sent no whole message" % client)
    out.put("wire", "%s-seeder-stream" % client, stream)
    out.put("session", "%s-seeder-stream" % client, b"\x3f" + stream)
    out.put("session", "%s-seeder-stream-in-bytes" % client, b"\x00" + stream)
    # the same without the extended handshake, which SessionFuzzTest's metadata size refuses
    kept = b"".join(struct.pack(">I", 1 + len(p)) + bytes([m]) + p
                    for m, p in messages(stream) if not (m == 20 and p[:1] == b"\x00"))
    out.put("session", "%s-seeder-stream-no-ext-handshake" % client, b"\x1f" + kept)
    for m, p in messages(stream):
        if m == 20 and p[:1] == b"\x00":
            out.put("extendedHandshake", "%s-seeder" % client, p[1:])
        elif m == 20:
            out.put("metadata", "%s-ut_metadata-data" % client, p[1:])


def await_listening(port, seconds):
    end = time.time() + seconds
    while time.time() < end:
        try:
            socket.create_connection((LO, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def other_seeders(tmp, made, content, out):
    """What aria2 and transmission, seeding the same file, send the same bare client."""
    torrent = made["libtorrent-v1-single.torrent"]
    ih = bytes.fromhex(str(lt.torrent_info(torrent).info_hashes().v1))
    port = free_port()
    aria2 = subprocess.Popen(
        ["aria2c", "--no-conf=true", "--enable-dht=false", "--enable-dht6=false",
         "--bt-enable-lpd=false", "--enable-peer-exchange=true", "--interface=" + LO,
         "--disable-ipv6=true", "--listen-port=%d" % port, "--dir=" + content,
         "--file-allocation=none", "--check-integrity=true", "--seed-ratio=0.0",
         "--bt-tracker-connect-timeout=1", "--bt-tracker-timeout=1", torrent],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not await_listening(port, 20):
            raise RuntimeError("aria2 did not listen")
        time.sleep(1.0)  # its check of the file
        put_stream(out, "aria2", bare_client(port, ih))
    finally:
        aria2.kill()
        aria2.wait()
    home = os.path.join(tmp, "transmission")
    os.makedirs(os.path.join(home, "config"))
    with open(os.path.join(home, "config", "settings.json"), "w") as f:
        f.write('{"dht-enabled": false, "lpd-enabled": false, "pex-enabled": true, '
                '"utp-enabled": false, "port-forwarding-enabled": false, '
                '"blocklist-enabled": false, "rpc-enabled": false, '
                '"bind-address-ipv4": "%s", "peer-port-random-on-start": false, '
                '"encryption": 1, "message-level": 0}' % LO)
    port = free_port()
    tr = subprocess.Popen(
        ["transmission-cli", "-g", os.path.join(home, "config"), "-w", content, "-p",
         str(port), "-M", "-B", "-et", torrent], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env=dict(os.environ, HOME=home))
    try:
        if not await_listening(port, 20):
            raise RuntimeError("transmission did not listen")
        time.sleep(2.0)  # its check of the file
        put_stream(out, "transmission", bare_client(port, ih))
    finally:
        tr.kill()
        tr.wait()


def pex(tmp, made, content, out):
    """libtorrent's ut_pex message to one of two bare clients, naming the other."""
    torrent = made["libtorrent-v1-single.torrent"]
    ih = bytes.fromhex(str(lt.torrent_info(torrent).info_hashes().v1))
    port = free_port()
    ses = session(port)
    add(ses, torrent, content)
    time.sleep(1.0)
    conns = []
    for n in range(2):
        c = socket.create_connection((LO, port), timeout=5)
        c.sendall(HANDSHAKE + RESERVED + ih + b"-XX0001-capturepex%02d" % n)
        c.sendall(msg(20, b"\x00" + bencode({"m": {"ut_pex": 1}, "p": 6881 + n})))
        conns.append([c, b""])
    end = time.time() + 10
    found = None
    while found is None and time.time() < end:
        for entry in conns:
            entry[1] += recv_for(entry[0], 0.5)
            for m, p in messages(entry[1][68:]):
                if m == 20 and p[:1] == b"\x01":
                    found = p[1:]
    for c, _ in conns:
        c.close()
    del ses
    if found is None:
        log("no ut_pex from libtorrent")
    else:
        out.put("pex", "libtorrent-ut_pex", found)


def mse(tmp, made, content, out):
    forced = {"out_enc_policy": int(lt.enc_policy.pe_forced),
              "in_enc_policy": int(lt.enc_policy.pe_forced)}
    torrent = made["libtorrent-v1-single.torrent"]
    # libtorrent as initiator: its first flight to a listening socket
    srv = socket.socket()
    srv.bind((LO, 0))
    srv.listen(1)
    port = free_port()
    ses = session(port, **forced)
    h = add(ses, torrent, content)
    h.connect_peer((LO, srv.getsockname()[1]))
    srv.settimeout(10)
    conn, _ = srv.accept()
    ya = recv_for(conn, 2)
    conn.close()
    srv.close()
    out.put("mseReceiver", "libtorrent-initiator-first-flight", ya)
    # libtorrent as receiver: its answer to a client's Ya (a random one, no pad)
    c = socket.create_connection((LO, port), timeout=5)
    c.sendall(random.Random(52).randbytes(96))
    yb = recv_for(c, 2)
    c.close()
    del ses
    out.put("mseInitiator", "libtorrent-receiver-answer", yb)


# ------------------------------------------------------------------------------- DHT

def krpc(tmp, made, out):
    port = free_port(socket.SOCK_DGRAM)
    ses = session(free_port(), enable_dht=True, dht_restrict_routing_ips=False,
                  dht_restrict_search_ips=False,
                  listen_interfaces="%s:%d" % (LO, port))
    time.sleep(1.0)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((LO, 0))
    u.settimeout(2)
    me = hashlib.sha1(b"capture node").digest()
    ih = hashlib.sha1(b"capture torrent").digest()

    def ask(name, q, a, t):
        u.sendto(bencode({"t": t, "y": "q", "q": q, "a": a}), (LO, port))
        try:
            data, _ = u.recvfrom(65536)
        except socket.timeout:
            log("no answer to " + name)
            return None
        out.put("krpc", "libtorrent-reply-" + name, data)
        return data

    ask("ping", "ping", {"id": me}, b"aa")
    ask("find_node", "find_node", {"id": me, "target": ih}, b"ab")
    got = ask("get_peers", "get_peers", {"id": me, "info_hash": ih}, b"ac")
    token = bdecode(got)[0].get(b"r", {}).get(b"token", b"") if got else b""
    ask("announce_peer", "announce_peer",
        {"id": me, "info_hash": ih, "port": 6881, "token": token}, b"ad")
    ask("get_peers-after-announce", "get_peers", {"id": me, "info_hash": ih}, b"ae")
    ask("sample_infohashes", "sample_infohashes", {"id": me, "target": ih}, b"af")
    ask("error-unknown-method", "no_such_method", {"id": me}, b"ag")
    ask("error-bad-token", "announce_peer",
        {"id": me, "info_hash": ih, "port": 6881, "token": b"bad"}, b"ah")
    # libtorrent's own queries, to a node it is told of
    ses.add_dht_node((LO, u.getsockname()[1]))
    end = time.time() + 5
    seen = set()
    while time.time() < end:
        try:
            data, _ = u.recvfrom(65536)
        except socket.timeout:
            continue
        q = bdecode(data)[0].get(b"q", b"?").decode(errors="replace")
        if q not in seen:
            seen.add(q)
            out.put("krpc", "libtorrent-query-" + q, data)
    u.close()
    del ses


# ------------------------------------------------------------------------------- trackers

def opentracker(tmp, out):
    port = free_port()
    while True:  # the same number free for UDP too
        try:
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.bind((LO, port))
            probe.close()
            break
        except OSError:
            port = free_port()
    ih = hashlib.sha1(b"capture torrent").digest()
    # Debian's opentracker is built with a whitelist, which it reads as user nobody
    os.chmod(tmp, 0o755)
    with open(os.path.join(tmp, "whitelist"), "w") as f:
        f.write(ih.hex() + "\n")
    os.chmod(os.path.join(tmp, "whitelist"), 0o644)
    p = subprocess.Popen(["opentracker", "-i", LO, "-p", str(port), "-P", str(port), "-w",
                          os.path.join(tmp, "whitelist"), "-d", "/"], cwd=tmp, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)

        def http(path):
            c = socket.create_connection((LO, port), timeout=5)
            c.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            data = recv_for(c, 3)
            c.close()
            return data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""

        q = "info_hash=" + urllib.parse.quote_from_bytes(ih)
        for n, pid in enumerate((b"-XX0001-aaaaaaaaaaaa", b"-XX0001-bbbbbbbbbbbb")):
            body = http("/announce?%s&peer_id=%s&port=%d&uploaded=0&downloaded=0&left=%d"
                        "&compact=1&event=started" % (q, pid.decode(), 6881 + n, n * 1000))
        out.put("httpReply", "opentracker-announce-compact", body)
        out.put("httpReply", "opentracker-announce-not-listed", http(
            "/announce?info_hash=%s&peer_id=-XX0001-cccccccccccc&port=6890&uploaded=0"
            "&downloaded=0&left=5&compact=1" % urllib.parse.quote_from_bytes(bytes(20))))
        out.put("httpReply", "opentracker-scrape", http("/scrape?" + q))
        out.put("httpReply", "opentracker-announce-error", http("/announce?info_hash=short"))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(2)
        u.sendto(struct.pack(">QII", 0x41727101980, 0, 7), (LO, port))
        conn, _ = u.recvfrom(2048)
        out.put("udpReply", "opentracker-connect", b"\x00" + conn)
        cid = conn[8:16]
        u.sendto(cid + struct.pack(">II", 1, 8) + ih + b"-XX0001-dddddddddddd"
                 + struct.pack(">QQQIIIiH", 0, 100, 0, 2, 0, 99, 50, 6891), (LO, port))
        out.put("udpReply", "opentracker-announce", b"\x00" + u.recvfrom(2048)[0])
        u.sendto(cid + struct.pack(">II", 2, 9) + ih + hashlib.sha1(b"x").digest(), (LO, port))
        out.put("udpReply", "opentracker-scrape", b"\x00" + u.recvfrom(2048)[0])
        u.sendto(b"\x00" * 8 + struct.pack(">II", 1, 10) + ih, (LO, port))
        try:
            out.put("udpReply", "opentracker-bad-connection-id", b"\x00" + u.recvfrom(2048)[0])
        except socket.timeout:
            pass  # opentracker ignores it
        u.close()
    finally:
        p.terminate()
        p.wait()


def tracker_requests(tmp, made, content, out):
    """What libtorrent sends a tracker: an HTTP announce, and a UDP connect and announce."""
    tcp = socket.socket()
    tcp.bind((LO, 0))
    tcp.listen(1)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((LO, 0))
    got = {}

    def udp_tracker():  # at once: libtorrent drops a connect answered late (new transaction id)
        udp.settimeout(20)
        cid = b"\x01\x02\x03\x04\x05\x06\x07\x08"
        try:
            while "announce" not in got:  # a hybrid announces twice (v1 and v2 hash)
                d, peer = udp.recvfrom(2048)
                if len(d) == 16:
                    got["connect"] = d
                    udp.sendto(b"\x00\x00\x00\x00" + d[12:16] + cid, peer)
                elif d[:8] == cid:
                    got["announce"] = bytes(8) + d[8:]  # connection id 0: the target's own
        except socket.timeout:
            log("no UDP announce from libtorrent")

    t = threading.Thread(target=udp_tracker)
    t.start()
    torrent = made["libtorrent-hybrid-multi.torrent"]
    # libtorrent reads UDP tracker replies on its uTP socket: on for this session
    ses = session(free_port(), enable_incoming_utp=True, enable_outgoing_utp=True)
    add(ses, torrent, content, trackers=[
        "http://%s:%d/announce" % (LO, tcp.getsockname()[1]),
        "udp://%s:%d/announce" % (LO, udp.getsockname()[1])])
    tcp.settimeout(10)
    conn, _ = tcp.accept()
    head = recv_for(conn, 3, lambda d: b"\r\n\r\n" in d)
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 27\r\n\r\n"
                 b"d8:intervali1800e5:peers0:e")
    conn.close()
    tcp.close()
    out.put("httpHead", "libtorrent-announce", b"\x0f" + head)
    t.join()
    udp.close()
    del ses
    if "announce" in got:
        c, a = got["connect"], got["announce"]
        out.put("udpRequest", "libtorrent-connect-announce",
                bytes([len(c)]) + c + bytes([len(a)]) + a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=ROOT, help="the repository root to write corpora under")
    args = ap.parse_args()
    out = Out(args.out)
    tmp = tempfile.mkdtemp(prefix="bt-corpora-")
    try:
        content = make_content(tmp)
        made = torrents(tmp, content, out)
        for step in (lambda: wire(tmp, made, content, out),
                     lambda: other_seeders(tmp, made, content, out),
                     lambda: pex(tmp, made, content, out),
                     lambda: mse(tmp, made, content, out),
                     lambda: krpc(tmp, made, out),
                     lambda: opentracker(tmp, out),
                     lambda: tracker_requests(tmp, made, content, out)):
            try:
                step()
            except Exception as e:  # one capture failing leaves the others
                log("a capture failed: %r" % e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for target, n in sorted(out.count.items()):
        print("%-18s %d" % (target, n))


if __name__ == "__main__":
    main()
