package io.btlib.peer;

import io.btlib.bencode.internal.Bytes;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses and formats IP address literals without ever consulting a name service.
 *
 * <p>Parsing returns {@code null} for anything that is not a literal; callers turn that into an
 * error that names the input. Only ASCII digits count as digits ({@link Character#digit} would
 * accept, for example, full-width digits).
 */
final class IpLiterals {
  /** The longest IPv6 literal: eight groups of four hex digits and seven colons, or 45 with IPv4. */
  private static final int MAX_IPV6_LENGTH = 45;

  private IpLiterals() {}

  /**
   * Parses a dotted-quad IPv4 literal: four decimal numbers 0..255, without leading zeros (which
   * some parsers read as octal, so {@code 010.0.0.1} is ambiguous and rejected).
   *
   * @return the four bytes, or null if {@code s} is not such a literal
   */
  static byte[] parseIpv4(String s) {
    return parseIpv4(s, 0, s.length());
  }

  private static byte[] parseIpv4(String s, int from, int to) {
    byte[] out = new byte[4];
    int part = 0;
    int i = from;
    while (true) {
      int start = i;
      int value = 0;
      while (i < to && i - start < 4 && isDecimal(s.charAt(i))) {
        value = value * 10 + (s.charAt(i) - '0');
        i++;
      }
      int digits = i - start;
      if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
        return null;
      }
      out[part++] = (byte) value;
      if (part == 4) {
        return i == to ? out : null;
      }
      if (i >= to || s.charAt(i) != '.') {
        return null;
      }
      i++;
    }
  }

  /**
   * Parses an IPv6 literal as RFC 4291 section 2.2 writes it: eight groups of one to four hex
   * digits, at most one {@code ::} for a run of zero groups, and optionally a dotted quad for the
   * last 32 bits. No brackets, no zone id ({@code %eth0}).
   *
   * @return the sixteen bytes, or null if {@code s} is not such a literal
   */
  static byte[] parseIpv6(String s) {
    int n = s.length();
    if (n < 2 || n > MAX_IPV6_LENGTH) {
      return null;
    }
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    int[] groups = new int[8];
    int headCount;
    int tailCount = 0;
    int[] tail = new int[8];
    if (gap < 0) {
      headCount = parseGroups(s, 0, n, true, groups);
      if (headCount != 8) {
        return null;
      }
    } else {
      headCount = parseGroups(s, 0, gap, false, groups);
      tailCount = parseGroups(s, gap + 2, n, true, tail);
      if (headCount < 0 || tailCount < 0 || headCount + tailCount > 7) {
        return null;
      }
      System.arraycopy(tail, 0, groups, 8 - tailCount, tailCount);
    }
    byte[] out = new byte[16];
    for (int g = 0; g < 8; g++) {
      out[2 * g] = (byte) (groups[g] >> 8);
      out[2 * g + 1] = (byte) groups[g];
    }
    return out;
  }

  /**
   * Parses colon-separated hex groups in {@code s[from, to)} into {@code out}; an empty range is no
   * groups. If {@code last}, the final group may be a dotted quad, counting as two groups.
   *
   * @return the number of groups, or -1 if the range is malformed or holds more than eight
   */
  private static int parseGroups(String s, int from, int to, boolean last, int[] out) {
    if (from == to) {
      return 0;
    }
    int count = 0;
    int i = from;
    while (true) {
      if (count == 8) {
        return -1;
      }
      int start = i;
      int value = 0;
      while (i < to && s.charAt(i) != ':') {
        int d = hexValue(s.charAt(i));
        if (d < 0 || i - start == 4) {
          break;
        }
        value = (value << 4) | d;
        i++;
      }
      if (i < to && s.charAt(i) == '.' && last) {
        // the rest must be a dotted quad, filling the last two groups
        int end = to;
        if (s.indexOf(':', start) >= 0 || count > 6) {
          return -1;
        }
        byte[] v4 = parseIpv4(s, start, end);
        if (v4 == null) {
          return -1;
        }
        out[count++] = ((v4[0] & 0xFF) << 8) | (v4[1] & 0xFF);
        out[count++] = ((v4[2] & 0xFF) << 8) | (v4[3] & 0xFF);
        return count;
      }
      if (i == start || (i < to && s.charAt(i) != ':')) {
        return -1; // empty group, a fifth hex digit, or a character that is not hex
      }
      out[count++] = value;
      if (i == to) {
        return count;
      }
      i++; // the colon
      if (i == to) {
        return -1; // trailing single colon
      }
    }
  }

  /**
   * Formats an IPv6 address as RFC 5952 recommends: lower-case hex without leading zeros, and the
   * longest run of two or more zero groups (the first, on a tie) written as {@code ::}.
   */
  static String formatIpv6(byte[] a) {
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((a[2 * i] & 0xFF) << 8) | (a[2 * i + 1] & 0xFF);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLength - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  /** Formats four bytes as a dotted quad. */
  static String formatIpv4(byte[] a) {
    return (a[0] & 0xFF) + "." + (a[1] & 0xFF) + "." + (a[2] & 0xFF) + "." + (a[3] & 0xFF);
  }

  /**
   * The address with these 4 or 16 bytes, with no host name and no scope; an IPv4-mapped IPv6
   * address ({@code ::ffff:a.b.c.d}) becomes the IPv4 address. No name service is consulted.
   */
  static InetAddress toInetAddress(byte[] a) {
    try {
      // getByAddress turns a 16-byte IPv4-mapped address into an Inet4Address by itself
      return InetAddress.getByAddress(a);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("an IP address is 4 or 16 bytes, got " + a.length, e);
    }
  }

  private static boolean isDecimal(char c) {
    return c >= '0' && c <= '9';
  }

  private static int hexValue(char c) {
    return Bytes.isHexDigit(c) ? Bytes.fromHexDigit(c) : -1;
  }
}
