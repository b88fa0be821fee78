package io.btlib.webseed.internal;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a torrent's bytes are on one web seed (BEP 19): maps a byte range of a piece to the HTTP
 * ranges of the files that hold it. Pure: no I/O. Immutable and thread-safe.
 *
 * <p>URLs: for a single-file torrent the web seed's URL is the file itself, unless it ends with
 * {@code /}, when the torrent's name is appended. For a multi-file torrent the URL is a directory
 * ({@code /} is added if missing) followed by the file's path, the torrent's name first; every path
 * component is UTF-8 and percent-encoded (everything but RFC 3986's unreserved characters), so
 * spaces, {@code %}, {@code #}, {@code ?} and non-ASCII names survive.
 *
 * <p>Bytes that no file holds are zeros and are never fetched: BEP 47 pad files, and the padding
 * a v2-only torrent puts after each file to the next piece boundary.
 */
public final class WebSeedLayout {
  /**
   * One HTTP range to fetch: {@code length} bytes of the file at {@code url} from {@code
   * fileOffset}, which go to {@code dstOffset} of the caller's buffer.
   *
   * @param url the file's URL
   * @param fileIndex the file's index in the torrent
   * @param fileLength the file's length (what a whole-file answer must be)
   * @param fileOffset the first byte in the file
   * @param length the number of bytes, at least 1
   * @param dstOffset where the bytes go in the caller's buffer
   */
  public record Segment(URI url, int fileIndex, long fileLength, long fileOffset, int length,
      int dstOffset) {}

  private final Metainfo metainfo;
  private final List<FileEntry> files;
  private final URI[] urls;

  private WebSeedLayout(Metainfo metainfo, URI[] urls) {
    this.metainfo = metainfo;
    this.files = metainfo.files();
    this.urls = urls;
  }

  /**
   * The layout of {@code metainfo} on the web seed at {@code baseUrl}.
   *
   * @throws IllegalArgumentException if {@code baseUrl} is not an absolute http or https URL
   */
  public static WebSeedLayout of(Metainfo metainfo, String baseUrl) {
    URI base;
    try {
      base = new URI(baseUrl);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("web seed URL is malformed: " + e.getMessage());
    }
    String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || base.getRawAuthority() == null
        || base.getHost() == null) {
      throw new IllegalArgumentException("web seed URL is not an absolute http(s) URL: "
          + baseUrl);
    }
    if (base.getRawFragment() != null) {
      baseUrl = baseUrl.substring(0, baseUrl.indexOf('#'));
    }
    List<FileEntry> files = metainfo.files();
    URI[] urls = new URI[files.size()];
    for (int i = 0; i < urls.length; i++) {
      FileEntry f = files.get(i);
      if (f.isPad() || f.length() == 0) {
        continue;
      }
      String u;
      if (!metainfo.isMultiFile()) {
        u = baseUrl.endsWith("/") ? baseUrl + encode(metainfo.name()) : baseUrl;
      } else {
        StringBuilder sb = new StringBuilder(baseUrl);
        if (!baseUrl.endsWith("/")) {
          sb.append('/');
        }
        List<String> path = f.path();
        for (int k = 0; k < path.size(); k++) {
          if (k > 0) {
            sb.append('/');
          }
          sb.append(encode(path.get(k)));
        }
        u = sb.toString();
      }
      try {
        urls[i] = new URI(u);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("web seed URL for file " + i + " is malformed: "
            + e.getMessage());
      }
    }
    return new WebSeedLayout(metainfo, urls);
  }

  /** The URL of file {@code index}, or null for a pad file or an empty file. */
  public URI url(int index) {
    return urls[index];
  }

  /**
   * The HTTP ranges holding {@code length} bytes of piece {@code piece} from {@code offset}, in
   * order; bytes of pad files and padding are left out (the caller's buffer holds zeros there),
   * so the list may be empty.
   *
   * @throws IllegalArgumentException if the range is outside the piece
   */
  public List<Segment> segments(int piece, int offset, int length) {
    int size = metainfo.pieceSize(piece);
    if (offset < 0 || length < 1 || offset + (long) length > size) {
      throw new IllegalArgumentException("range " + offset + "+" + length + " is outside piece "
          + piece + " of " + size + " bytes");
    }
    return range((long) piece * metainfo.pieceLength() + offset, length);
  }

  /**
   * The HTTP ranges holding {@code length} bytes of the torrent's piece-aligned stream (see
   * {@link FileEntry}) from {@code start}: one per file the bytes touch, so a file's bytes that
   * run across pieces are one range; pad files and padding are left out.
   *
   * @throws IllegalArgumentException if {@code start} is negative or {@code length} below 1
   */
  public List<Segment> range(long start, int length) {
    if (start < 0 || length < 1) {
      throw new IllegalArgumentException("bad range " + start + "+" + length);
    }
    long end = start + length;
    List<Segment> out = new ArrayList<>(2);
    for (int i = firstFileEndingAfter(start); i < files.size(); i++) {
      FileEntry f = files.get(i);
      if (f.offset() >= end) {
        break;
      }
      if (f.length() == 0 || f.isPad() || f.endOffset() <= start) {
        continue;
      }
      long from = Math.max(start, f.offset());
      long to = Math.min(end, f.endOffset());
      out.add(new Segment(urls[i], i, f.length(), from - f.offset(), (int) (to - from),
          (int) (from - start)));
    }
    return out;
  }

  /** The first file whose end is past {@code pos} (files are in offset order). */
  private int firstFileEndingAfter(long pos) {
    int lo = 0;
    int hi = files.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (files.get(mid).endOffset() <= pos) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static final String HEX = "0123456789ABCDEF";

  /** Percent-encodes every UTF-8 byte of {@code s} except RFC 3986's unreserved characters. */
  public static String encode(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(b.length + 16);
    for (byte x : b) {
      int c = x & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
          || c == '.' || c == '_' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 15));
      }
    }
    return sb.toString();
  }
}
