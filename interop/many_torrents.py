#!/usr/bin/python3
"""libtorrent beside bt's ManyTorrents driver (issue 18): N single-file torrents in one session.

  /usr/bin/python3 interop/many_torrents.py DIR N [check|queued|seed_mode] [IDLE_S] [CPU_S]

DIR holds what `ManyTorrents DIR N` wrote (data/t<i>.bin, torrents/t<i>.torrent): run that first.
The torrents are added to one session (no DHT, LSD, UPnP, NAT-PMP; listening on 127.0.0.1) with
save_path DIR/data. `check` (default) lets libtorrent check every file at once, as bt does (the
torrents are not auto-managed); `queued` leaves them auto-managed, as libtorrent adds them by
default, and its queue starts about one check a second; `seed_mode` trusts the files
(libtorrent's seed mode: a piece is checked when first asked for). It reports the time from the
first add until every torrent seeds, then after IDLE_S seconds idle: anonymous RSS
(RssAnon) and its growth per torrent over the process before the session, threads, open file
descriptors (/proc/self/fd) and the process's CPU over CPU_S seconds (utime + stime of
/proc/self/stat). The last line is JSON, with the same names as ManyTorrents'.
"""
import json
import os
import sys
import time

import libtorrent as lt


def status_kib(field):
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1])
    return 0


def cpu_ticks():
    s = open('/proc/self/stat').read()
    f = s[s.rindex(')') + 2:].split()
    return int(f[11]) + int(f[12])


def main():
    d = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else 'check'
    idle = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    cpu_s = int(sys.argv[5]) if len(sys.argv) > 5 else 20
    infos = [lt.torrent_info(os.path.join(d, 'torrents', 't%d.torrent' % i)) for i in range(n)]
    rss0 = status_kib('RssAnon')
    ses = lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'alert_mask': lt.alert.category_t.status_notification,
    })
    start = time.monotonic()
    for ti in infos:
        p = lt.add_torrent_params()
        p.ti = ti
        p.save_path = os.path.join(d, 'data')
        if mode == 'seed_mode':
            p.flags |= lt.torrent_flags.seed_mode
        elif mode == 'check':
            # not auto-managed: every torrent checks at once, as in bt; auto-managed ones wait in
            # libtorrent's queue, which starts about one check a second (1,000 s for 1,000)
            p.flags &= ~lt.torrent_flags.auto_managed
            p.flags &= ~lt.torrent_flags.paused
        ses.async_add_torrent(p)
    added = time.monotonic()
    while True:
        ses.pop_alerts()
        handles = ses.get_torrents()
        if len(handles) == n and all(h.status().is_seeding for h in handles):
            break
        time.sleep(0.5)
    seeding = time.monotonic()
    time.sleep(idle)
    ses.pop_alerts()
    rss = status_kib('RssAnon')
    threads = status_kib('Threads')
    fds = len(os.listdir('/proc/self/fd')) - 1
    c0 = cpu_ticks()
    t0 = time.monotonic()
    time.sleep(cpu_s)
    c1 = cpu_ticks()
    wall = time.monotonic() - t0
    hz = os.sysconf('SC_CLK_TCK')
    print(json.dumps({
        'torrents': n, 'mode': 'libtorrent-' + lt.__version__ + '-' + mode,
        'addSeconds': round(added - start, 2), 'allSeedingSeconds': round(seeding - start, 2),
        'rssAnonMiB': round(rss / 1024, 1), 'rssPerTorrentKiB': round((rss - rss0) / n, 2),
        'threads': threads, 'openFds': fds,
        'idleCpuPercent': round((c1 - c0) / hz / wall * 100, 2), 'cpuWindowSeconds': round(wall, 1),
    }))


if __name__ == '__main__':
    main()
