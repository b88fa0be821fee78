package io.btlib.cli.stream;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * URL paths of served files, {@code /INDEX/SEGMENT/...}: each segment of the file's path in the
 * torrent percent-encoded as UTF-8 (RFC 3986: everything but unreserved characters), so that any
 * name a torrent holds gives a URL that decodes back to exactly that name.
 */
final class UrlPaths {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private UrlPaths() {}

  /** The URL path of {@code file}. */
  static String of(ServedFile file) {
    StringBuilder sb = new StringBuilder().append('/').append(file.index());
    for (String segment : file.path().split("/", -1)) {
      sb.append('/');
      encode(segment, sb);
    }
    return sb.toString();
  }

  private static void encode(String segment, StringBuilder sb) {
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
      }
    }
  }

  /**
   * The decoded segments of a request target's path (the query is dropped): {@code /} gives an
   * empty list, {@code /3/a%20b.mkv} gives {@code [3, a b.mkv]}.
   *
   * @throws HttpError 400 for a target not in origin form, a bad percent escape, or bytes that
   *     are not UTF-8
   */
  static List<String> segments(String target) throws HttpError {
    if (!target.startsWith("/")) {
      throw new HttpError(400, "request target is not a path");
    }
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    List<String> out = new ArrayList<>();
    if (path.equals("/")) {
      return out;
    }
    for (String s : path.substring(1).split("/", -1)) {
      out.add(decode(s));
    }
    return out;
  }

  private static String decode(String s) throws HttpError {
    ByteBuffer bytes = ByteBuffer.allocate(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new HttpError(400, "bad percent escape");
        }
        int hi = hex(s.charAt(i + 1));
        int lo = hex(s.charAt(i + 2));
        if (hi < 0 || lo < 0) {
          throw new HttpError(400, "bad percent escape");
        }
        bytes.put((byte) (hi << 4 | lo));
        i += 2;
      } else if (c > 0x7e || c <= 0x20) {
        throw new HttpError(400, "character not allowed in a URL path");
      } else {
        bytes.put((byte) c);
      }
    }
    ((java.nio.Buffer) bytes).flip();
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new HttpError(400, "URL path is not UTF-8");
    }
  }

  /** An ASCII hex digit's value, else -1 ({@link Character#digit} also takes other scripts). */
  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
