package io.btlib.metainfo.internal;

import java.util.Locale;
import java.util.Set;

/**
 * The rules a path component from a torrent must pass before bt will use it to name a file: no
 * component can lead outside the download directory or name a device, on any platform. Internal,
 * not API.
 *
 * <p>Rejected: empty components; {@code .} and {@code ..}; {@code /} or {@code \} inside a
 * component (which would make it several, or absolute); NUL and other C0 control characters; a
 * drive prefix such as {@code C:}; Windows' reserved device names ({@code CON}, {@code PRN}, {@code
 * AUX}, {@code NUL}, {@code COM0}-{@code COM9}, {@code LPT0}-{@code LPT9}, any case, with or without
 * an extension or trailing dots and spaces); components longer than 255 UTF-8 bytes (no common file
 * system accepts them).
 */
public final class PathRules {
  /** The longest component, in UTF-8 bytes, that common file systems accept. */
  public static final int MAX_COMPONENT_BYTES = 255;

  private static final Set<String> RESERVED =
      Set.of("CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$");

  private PathRules() {}

  /**
   * Why {@code component} is unsafe as a file or directory name, or null if it is safe.
   */
  public static String problem(String component) {
    if (component.isEmpty()) {
      return "empty path component";
    }
    if (component.equals(".") || component.equals("..")) {
      return "path component '" + component + "' is not allowed";
    }
    int utf8 = 0;
    for (int i = 0; i < component.length(); i++) {
      char c = component.charAt(i);
      if (c == '/' || c == '\\') {
        return "path separator '" + c + "' inside path component " + quote(component);
      }
      if (c < 0x20 || c == 0x7F) {
        return String.format("control character 0x%02x in path component %s", (int) c,
            quote(component));
      }
      utf8 += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    if (utf8 > MAX_COMPONENT_BYTES) {
      return "path component is " + utf8 + " bytes long, more than " + MAX_COMPONENT_BYTES;
    }
    if (component.length() >= 2 && component.charAt(1) == ':' && isAsciiLetter(component.charAt(0))) {
      return "drive prefix in path component " + quote(component);
    }
    if (isReservedDeviceName(component)) {
      return "reserved device name " + quote(component);
    }
    return null;
  }

  /** Whether {@code component} names a Windows device, whatever its case and extension. */
  public static boolean isReservedDeviceName(String component) {
    String stem = component;
    int dot = stem.indexOf('.');
    if (dot >= 0) {
      stem = stem.substring(0, dot);
    }
    stem = stripTrailing(stem).toUpperCase(Locale.ROOT);
    if (RESERVED.contains(stem)) {
      return true;
    }
    if (stem.length() == 4 && (stem.startsWith("COM") || stem.startsWith("LPT"))) {
      char d = stem.charAt(3);
      // also the superscript digits Windows treats as device numbers
      return (d >= '0' && d <= '9') || d == '\u00B9' || d == '\u00B2' || d == '\u00B3';
    }
    return false;
  }

  private static String stripTrailing(String s) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '.')) {
      end--;
    }
    return s.substring(0, end);
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("'");
    int n = Math.min(s.length(), 80);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (n < s.length()) {
      sb.append("...");
    }
    return sb.append('\'').toString();
  }
}
