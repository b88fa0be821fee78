#!/usr/bin/python3
"""lt_peer.py with Message Stream Encryption forced: for bt's MSE interop tests.

Run with Debian's /usr/bin/python3. Takes exactly lt_peer.py's arguments (seed, download,
create) and runs it with every session set to:

  out_enc_policy = in_enc_policy = pe_forced   (no plain handshake either way)
  allowed_enc_level = pe_rc4                    (RC4 payload only: with pe_both, libtorrent
                                                 may negotiate a plain payload after an
                                                 encrypted handshake)
  prefer_rc4 = True

It adds two kinds of output line:
  {"event":"crypto","ip":"127.0.0.1","port":P,"select":"rc4"}
once per MSE handshake, from libtorrent's peer log (the method the handshake selected), and
  {"event":"peer","ip":"127.0.0.1","port":P,"rc4":true|false,"plaintextEncrypted":true|false}
once per peer connection it sees (polled with the alerts, so a very short connection may be
missed), from libtorrent's peer_info flags (rc4_encrypted, plaintext_encrypted).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import libtorrent as lt  # noqa: E402
import lt_peer  # noqa: E402

_make_session = lt_peer.make_session
_connected_endpoints = lt_peer.connected_endpoints
_reported = set()


def make_session(port, upload_limit, *args, **kwargs):
    # passes on whatever lt_peer.make_session takes (it gained listen and global_class)
    ses = _make_session(port, upload_limit, *args, **kwargs)
    ses.apply_settings({
        "out_enc_policy": int(lt.enc_policy.pe_forced),
        "in_enc_policy": int(lt.enc_policy.pe_forced),
        "allowed_enc_level": int(lt.enc_level.pe_rc4),
        "prefer_rc4": True,
        # libtorrent logs the method each MSE handshake selects ("crypto select: rc4")
        "alert_mask": ses.get_settings()["alert_mask"] | lt.alert.category_t.peer_log_notification,
        "alert_queue_size": 100000,
    })
    return _Session(ses)


def connected_endpoints(handle):
    report(handle)
    return _connected_endpoints(handle)


def report(handle):
    try:
        peers = handle.get_peer_info()
    except Exception:  # pragma: no cover - diagnostic only
        return
    for p in peers:
        key = (p.ip[0], p.ip[1])
        if key in _reported or p.flags & (lt.peer_info.handshake | lt.peer_info.connecting):
            continue  # still connecting or in the handshake: flags not final
        _reported.add(key)
        lt_peer.emit({"event": "peer", "ip": p.ip[0], "port": p.ip[1],
                      "rc4": bool(p.flags & lt.peer_info.rc4_encrypted),
                      "plaintextEncrypted": bool(p.flags & lt.peer_info.plaintext_encrypted)})


_emit = lt_peer.emit
_handles = []


def emit(obj):
    # progress lines come about once a second: report peers then too (seeds dial no one)
    if obj.get("event") == "progress":
        for h in _handles:
            report(h)
    _emit(obj)


class _Session(object):
    """The session, remembering the torrents added so progress lines can report their peers."""

    def __init__(self, ses):
        self._ses = ses

    def add_torrent(self, atp):
        h = self._ses.add_torrent(atp)
        _handles.append(h)
        return h

    def pop_alerts(self):
        alerts = self._ses.pop_alerts()
        for a in alerts:
            if isinstance(a, lt.peer_log_alert):
                msg = a.log_message()
                if "crypto select" in msg:
                    method = msg.split(":", 1)[1].strip(" []")
                    lt_peer.emit({"event": "crypto", "ip": a.endpoint[0], "port": a.endpoint[1],
                                  "select": method})
        for h in _handles:
            report(h)
        return alerts

    def __getattr__(self, name):
        return getattr(self._ses, name)


lt_peer.make_session = make_session
lt_peer.connected_endpoints = connected_endpoints
lt_peer.emit = emit

if __name__ == "__main__":
    try:
        sys.exit(lt_peer.main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
