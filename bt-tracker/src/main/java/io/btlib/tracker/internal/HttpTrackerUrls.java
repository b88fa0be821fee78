package io.btlib.tracker.internal;

import io.btlib.metainfo.InfoHash;
import io.btlib.tracker.AnnounceEvent;
import io.btlib.tracker.AnnounceRequest;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Builds HTTP tracker URLs: the announce query (BEP 3, BEP 23) and the scrape URL (BEP 48).
 * Stateless.
 */
public final class HttpTrackerUrls {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private HttpTrackerUrls() {}

  /**
   * The announce URL: {@code tracker} with the request's parameters appended to its query (which
   * it may already have, e.g. a passkey). Byte strings are percent-encoded byte for byte, leaving
   * only RFC 3986 unreserved characters as they are.
   */
  public static URI announce(URI tracker, AnnounceRequest r) {
    StringBuilder q = new StringBuilder(256);
    q.append("info_hash=");
    percentEncode(r.infoHash().bytes(), q);
    q.append("&peer_id=");
    percentEncode(r.peerId().bytes(), q);
    q.append("&port=").append(r.port());
    q.append("&uploaded=").append(r.uploaded());
    q.append("&downloaded=").append(r.downloaded());
    q.append("&left=").append(r.left());
    q.append("&key=");
    for (int shift = 28; shift >= 0; shift -= 4) {
      q.append(HEX[(r.key() >>> shift) & 0xF]);
    }
    if (r.event() != AnnounceEvent.NONE) {
      q.append("&event=").append(r.event().httpValue());
    }
    if (r.numWant() >= 0) {
      q.append("&numwant=").append(r.numWant());
    }
    q.append("&compact=1&no_peer_id=1");
    r.trackerId().ifPresent(id -> {
      q.append("&trackerid=");
      byte[] b = new byte[id.length()];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) id.charAt(i);
      }
      percentEncode(b, q);
    });
    return withQuery(tracker, q);
  }

  /**
   * The scrape URL for {@code hashes} derived from an announce URL (BEP 48): the last path
   * segment must begin with {@code announce}, which becomes {@code scrape}
   * ({@code /x/announce.php?k=1} gives {@code /x/scrape.php?k=1&info_hash=...}). Empty when the
   * URL does not follow that convention: the tracker does not support scrape.
   */
  public static Optional<URI> scrape(URI announce, List<InfoHash> hashes) {
    String path = announce.getRawPath();
    if (path == null) {
      return Optional.empty();
    }
    int slash = path.lastIndexOf('/');
    if (slash < 0 || !path.startsWith("announce", slash + 1)) {
      return Optional.empty();
    }
    String scrapePath = path.substring(0, slash + 1) + "scrape"
        + path.substring(slash + 1 + "announce".length());
    StringBuilder q = new StringBuilder(hashes.size() * 72);
    for (InfoHash h : hashes) {
      if (q.length() > 0) {
        q.append('&');
      }
      q.append("info_hash=");
      percentEncode(h.bytes(), q);
    }
    String query = announce.getRawQuery();
    URI base = URI.create(announce.getScheme() + "://" + announce.getRawAuthority() + scrapePath
        + (query == null ? "" : "?" + query));
    return Optional.of(withQuery(base, q));
  }

  /** Percent-encodes every byte except RFC 3986 unreserved ones ({@code A-Z a-z 0-9 - . _ ~}). */
  public static void percentEncode(byte[] bytes, StringBuilder out) {
    for (byte b : bytes) {
      int c = b & 0xFF;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
  }

  private static URI withQuery(URI tracker, CharSequence params) {
    String s = tracker.toString();
    int hash = s.indexOf('#');
    if (hash >= 0) {
      s = s.substring(0, hash);
    }
    if (params.length() == 0) {
      return URI.create(s);
    }
    char sep = tracker.getRawQuery() == null ? '?' : (s.endsWith("&") || s.endsWith("?") ? 0 : '&');
    StringBuilder b = new StringBuilder(s.length() + params.length() + 1).append(s);
    if (sep != 0) {
      b.append(sep);
    }
    return URI.create(b.append(params).toString());
  }
}
