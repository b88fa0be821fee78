#!/usr/bin/python3
"""The measuring parts of interop/ledbat.sh: a TCP bulk flow, a delay probe, a counter sampler
and the report. Standard library only (runs with any python3).

  ledbat_probe.py sink   --listen IP --port P            TCP sink: accepts, reads, discards
  ledbat_probe.py source --to IP:P --seconds S [--cc C]  TCP bulk flow for S seconds, then
                                                         closes; congestion control C
  ledbat_probe.py echo   --listen IP --port P            UDP echo (the delay probe's far end)
  ledbat_probe.py ping   --to IP:P --interval S --out F  UDP probe every S seconds; F gets
                                                         "wall_time_sent rtt_ms" per answer
  ledbat_probe.py sample --ns NS --dev DEV --interval S --out F
                     F gets "wall_time udp_bytes tcp_bytes" per S seconds: the sent-bytes
                     counters of htb classes 1:1 (UDP) and 1:2 (TCP) on DEV in namespace NS
  ledbat_probe.py report --label L --samples F --pings F --idle-ms X --link-mibps R
                     --phases T0 T1 T2 T3 [--skip S]
                     one table row per phase (uTP alone, + TCP, TCP gone), JSON summary on the
                     last line

Wall time (time.time()) everywhere, so that the shell's phase marks (date +%s.%N) line up.
"""

import argparse
import json
import select
import socket
import struct
import subprocess
import sys
import time


def parse_addr(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def run_sink(a):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.listen, a.port))
    srv.listen(4)
    print("listening", flush=True)
    while True:
        c, _ = srv.accept()
        total = 0
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            total += len(b)
        c.close()
        print("received %d" % total, flush=True)


def run_source(a):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.cc:
        # before connecting: the whole flow uses it (root may pick any available algorithm)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, a.cc.encode())
    c.settimeout(10)
    c.connect(parse_addr(a.to))
    c.settimeout(None)
    chunk = b"\0" * (1 << 16)
    end = time.monotonic() + a.seconds
    sent = 0
    while time.monotonic() < end:
        sent += c.send(chunk)
    cc = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
    c.close()
    print("sent %d bytes with %s" % (sent, cc), flush=True)


def run_echo(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.listen, a.port))
    print("listening", flush=True)
    while True:
        b, peer = s.recvfrom(2048)
        s.sendto(b, peer)


def run_ping(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(parse_addr(a.to))
    s.setblocking(False)
    out = open(a.out, "a", buffering=1)
    seq = 0
    sent = {}
    next_send = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= next_send:
            sent[seq] = (now, time.time())
            s.send(struct.pack("!Q", seq) + b"\0" * 56)
            seq += 1
            next_send += a.interval
            # forget probes older than 10 s: lost
            for k in [k for k, v in sent.items() if now - v[0] > 10]:
                del sent[k]
        timeout = max(0.0, next_send - time.monotonic())
        r, _, _ = select.select([s], [], [], timeout)
        if r:
            try:
                b = s.recv(2048)
            except OSError:
                continue
            k = struct.unpack("!Q", b[:8])[0]
            if k in sent:
                t_mono, t_wall = sent.pop(k)
                out.write("%.3f %.3f\n" % (t_wall, (time.monotonic() - t_mono) * 1000))


def class_bytes(ns, dev):
    text = subprocess.run(["tc", "-n", ns, "-s", "class", "show", "dev", dev],
                          capture_output=True, text=True, check=True).stdout
    got = {}
    cls = None
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0] == "class":
            cls = f[2]
        elif f and f[0] == "Sent" and cls:
            got[cls] = int(f[1])
    return got.get("1:1", 0), got.get("1:2", 0)


def run_sample(a):
    out = open(a.out, "a", buffering=1)
    next_t = time.monotonic()
    while True:
        udp, tcp = class_bytes(a.ns, a.dev)
        out.write("%.3f %d %d\n" % (time.time(), udp, tcp))
        next_t += a.interval
        time.sleep(max(0.0, next_t - time.monotonic()))


# ---- report ----------------------------------------------------------------------------------

def load_rows(path, n):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == n:
                rows.append(tuple(float(x) for x in p))
    return rows


def rate_between(samples, col, t0, t1):
    """MiB/s of counter col between t0 and t1 (the samples nearest inside)."""
    inside = [s for s in samples if t0 <= s[0] <= t1]
    if len(inside) < 2:
        return None
    a, b = inside[0], inside[-1]
    if b[0] <= a[0]:
        return None
    return (b[col] - a[col]) / (b[0] - a[0]) / 1048576.0


def per_second(samples, col, t0, t1, width=1.0):
    """(end time, MiB/s over the last `width` s) for every sample from t0 + width to t1."""
    out = []
    j = 0
    for i, s in enumerate(samples):
        if s[0] < t0 + width or s[0] > t1:
            continue
        while samples[j][0] < s[0] - width:
            j += 1
        if s[0] > samples[j][0]:
            out.append((s[0], (s[col] - samples[j][col]) / (s[0] - samples[j][0]) / 1048576.0))
    return out


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(q / 100.0 * (len(v) - 1)))))
    return v[k]


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def run_report(a):
    samples = load_rows(a.samples, 3)
    pings = load_rows(a.pings, 2)
    t0, t1, t2, t3 = a.phases
    link = a.link_mibps
    phases = [("uTP alone", t0 + a.skip, t1), ("+ TCP", t1 + a.skip, t2),
              ("TCP gone", t2 + a.skip, t3)]
    summary = {"label": a.label, "phases": []}
    for name, s, e in phases:
        u = rate_between(samples, 1, s, e)
        t = rate_between(samples, 2, s, e)
        q = [r - a.idle_ms for (w, r) in pings if s <= w <= e]
        row = {"phase": name, "from": round(s - t0, 1), "to": round(e - t0, 1),
               "utp": u, "tcp": t, "utpShare": None if u is None else u / link,
               "tcpShare": None if t is None else t / link,
               "qMedian": pct(q, 50), "q95": pct(q, 95), "probes": len(q)}
        summary["phases"].append(row)
        print("  %-8s %-10s %5.0f-%-3.0f %7s %5s %7s %5s %7s %7s" % (
            a.label, name, row["from"], row["to"], fmt(u, ".2f"),
            fmt(None if u is None else 100 * u / link, ".0f") + "%",
            fmt(t, ".2f"), fmt(None if t is None else 100 * t / link, ".0f") + "%",
            fmt(row["qMedian"], ".0f"), fmt(row["q95"], ".0f")))
    # how long uTP took to fall to <= 20% of the link once TCP started, and to climb back to
    # >= 50% once it ended (1 s windows)
    fall = None
    for (w, r) in per_second(samples, 1, t1, t2):
        if r <= 0.2 * link:
            fall = w - t1
            break
    climb = None
    for (w, r) in per_second(samples, 1, t2, t3):
        if r >= 0.5 * link:
            climb = w - t2
            break
    summary["fallSeconds"] = fall
    summary["climbSeconds"] = climb
    total_udp = samples[-1][1] - samples[0][1] if samples else 0
    total_tcp = samples[-1][2] - samples[0][2] if samples else 0
    summary["udpBytes"] = total_udp
    summary["tcpBytes"] = total_tcp
    print("  %-8s uTP fell to <= 20%% of the link %s s after TCP started; back to >= 50%% %s s"
          " after it ended" % (a.label, fmt(fall, ".1f"), fmt(climb, ".1f")))
    if a.series:
        print("  %-8s per second (uTP MiB/s / TCP MiB/s / queue ms):" % a.label)
        us = dict((round(w - t0), r) for w, r in per_second(samples, 1, t0, t3))
        ts = dict((round(w - t0), r) for w, r in per_second(samples, 2, t0, t3))
        qs = {}
        for (w, r) in pings:
            qs.setdefault(round(w - t0), []).append(r - a.idle_ms)
        line = []
        for k in sorted(us):
            line.append("%d:%.1f/%.1f/%s" % (k, us[k], ts.get(k, 0),
                                             fmt(pct(qs.get(k, []), 50), ".0f")))
        for i in range(0, len(line), 8):
            print("           " + "  ".join(line[i:i + 8]))
    print(json.dumps(summary, separators=(",", ":")))


def main(argv):
    ap = argparse.ArgumentParser(prog="ledbat_probe.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sink")
    p.add_argument("--listen", required=True)
    p.add_argument("--port", type=int, required=True)
    p = sub.add_parser("source")
    p.add_argument("--to", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--cc", help="TCP congestion control (default: the kernel's)")
    p = sub.add_parser("echo")
    p.add_argument("--listen", required=True)
    p.add_argument("--port", type=int, required=True)
    p = sub.add_parser("ping")
    p.add_argument("--to", required=True)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--out", required=True)
    p = sub.add_parser("sample")
    p.add_argument("--ns", required=True)
    p.add_argument("--dev", required=True)
    p.add_argument("--interval", type=float, default=0.25)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--label", required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--pings", required=True)
    p.add_argument("--idle-ms", type=float, required=True)
    p.add_argument("--link-mibps", type=float, required=True)
    p.add_argument("--phases", type=float, nargs=4, required=True)
    p.add_argument("--skip", type=float, default=3.0,
                   help="seconds left out at the start of each phase (the transition)")
    p.add_argument("--series", action="store_true", help="print the per-second series too")
    a = ap.parse_args(argv)
    return {"sink": run_sink, "source": run_source, "echo": run_echo, "ping": run_ping,
            "sample": run_sample, "report": run_report}[a.cmd](a) or 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
