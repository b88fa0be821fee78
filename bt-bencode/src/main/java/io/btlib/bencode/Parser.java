package io.btlib.bencode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One decoding pass over one input: iterative (an explicit stack of open containers), so nesting is
 * bounded by {@code maxDepth} alone and never by the thread's stack. Not thread-safe; one per call.
 */
final class Parser {
  private static final int MAX_REPORTED = 1024;
  private static final long MULTMIN = Long.MIN_VALUE / 10;

  private final byte[] s;
  private final int base;
  private final int end;
  private final boolean strict;
  private final int maxDepth;
  private final int maxStringLength;
  private final int maxValues;
  private final boolean report;
  private List<Leniency> leniencies;
  private int pos;
  private int values;
  private Frame[] stack = new Frame[8];

  Parser(Bdecoder d, byte[] src, int offset, int length, boolean report) {
    this.s = src;
    this.base = offset;
    this.end = offset + length;
    this.pos = offset;
    this.strict = d.isStrict();
    this.maxDepth = d.maxDepth();
    this.maxStringLength = d.maxStringLength();
    this.maxValues = d.maxValues();
    this.report = report;
  }

  List<Leniency> leniencies() {
    return leniencies == null ? List.of() : leniencies;
  }

  BValue parseWhole() {
    BValue v = parseValue();
    if (pos < end) {
      lenient(Leniency.Kind.TRAILING_BYTES, pos, (end - pos) + " trailing bytes after the top-level value");
    }
    return v;
  }

  BValue parseFirst() {
    return parseValue();
  }

  private BValue parseValue() {
    int depth = 0;
    for (; ; ) {
      if (pos >= end) {
        throw new BencodeException(
            depth == 0 ? "unexpected end of input, expected a value"
                : "unexpected end of input, expected a value or 'e' to close the "
                    + (stack[depth - 1].dict ? "dictionary" : "list") + " opened at offset "
                    + (stack[depth - 1].start - base),
            pos - base);
      }
      byte c = s[pos];
      BValue v;
      if (c >= '0' && c <= '9') {
        v = parseString();
      } else if (c == 'i') {
        v = parseInteger();
      } else if (c == 'l' || c == 'd') {
        if (depth >= maxDepth) {
          throw new BencodeException("nesting deeper than the limit of " + maxDepth, pos - base);
        }
        countValue(pos);
        if (depth == stack.length) {
          stack = Arrays.copyOf(stack, depth * 2);
        }
        Frame f = stack[depth];
        if (f == null) {
          f = stack[depth] = new Frame();
        }
        f.open(c == 'd', pos);
        depth++;
        pos++;
        continue;
      } else if (c == 'e') {
        if (depth == 0) {
          throw new BencodeException("unexpected 'e' outside any list or dictionary", pos - base);
        }
        Frame f = stack[depth - 1];
        if (f.dict && (f.count & 1) == 1) {
          throw new BencodeException(
              "dictionary ends after key " + f.items[f.count - 1] + " without its value", pos - base);
        }
        pos++;
        v = f.close(s, pos, base);
        depth--;
      } else {
        throw new BencodeException(
            "unexpected byte " + describe(c) + ", expected a value (i, l, d or a digit)"
                + (depth > 0 ? " or 'e'" : ""),
            pos - base);
      }
      if (depth == 0) {
        return v;
      }
      Frame f = stack[depth - 1];
      if (f.dict && (f.count & 1) == 0) {
        checkKey(f, v);
      }
      f.add(v);
    }
  }

  private void checkKey(Frame f, BValue v) {
    if (!(v instanceof BString)) {
      throw new BencodeException(
          "dictionary key must be a byte string, found " + v.type(), v.sourceOffset());
    }
    if (f.count >= 2) {
      BString prev = (BString) f.items[f.count - 2];
      int cmp = compareKeys(prev, (BString) v);
      if (cmp == 0) {
        f.sorted = false;
        lenient(Leniency.Kind.DUPLICATE_KEY, base + v.sourceOffset(), "duplicate dictionary key " + v);
      } else if (cmp > 0) {
        f.sorted = false;
        lenient(Leniency.Kind.UNSORTED_KEY, base + v.sourceOffset(),
            "dictionary key " + v + " is out of order (after " + prev + ")");
      }
      // Only neighbours are compared (linear time for any input): a duplicate that is not next to
      // its twin implies an out-of-order key, so it is still reported, as UNSORTED_KEY.
    }
  }

  private static int compareKeys(BString a, BString b) {
    byte[] x = a.array();
    byte[] y = b.array();
    int i = a.arrayOffset();
    int j = b.arrayOffset();
    int n = Math.min(a.length(), b.length());
    for (int k = 0; k < n; k++) {
      int c = (x[i + k] & 0xFF) - (y[j + k] & 0xFF);
      if (c != 0) {
        return c;
      }
    }
    return a.length() - b.length();
  }

  /**
   * Fast path for the canonical case: a length of at most 9 digits without a leading zero, ':',
   * and enough bytes. Anything else (including every error and leniency) goes to the full path.
   */
  private BString parseString() {
    final byte[] s = this.s;
    int start = pos;
    int p = start;
    int limit = Math.min(end, start + 9);
    int n = 0;
    while (p < limit) {
      int d = s[p] - '0';
      if (d < 0 || d > 9) {
        break;
      }
      n = n * 10 + d;
      p++;
    }
    if (p < end && s[p] == ':' && (s[start] != '0' || p - start == 1)
        && n <= maxStringLength && n <= end - p - 1 && ++values <= maxValues) {
      p++;
      pos = p + n;
      return new BString(s, p, n, start - base, p - start);
    }
    return parseStringFull();
  }

  private BString parseStringFull() {
    int start = pos;
    long n = 0;
    while (pos < end) {
      byte b = s[pos];
      if (b < '0' || b > '9') {
        break;
      }
      n = n * 10 + (b - '0');
      if (n > Integer.MAX_VALUE) {
        throw new BencodeException("string length does not fit in 31 bits", start - base);
      }
      pos++;
    }
    if (pos >= end) {
      throw new BencodeException("unexpected end of input in string length, expected ':'",
          pos - base);
    }
    if (s[pos] != ':') {
      throw new BencodeException(
          "unexpected byte " + describe(s[pos]) + " in string length, expected a digit or ':'",
          pos - base);
    }
    if (s[start] == '0' && pos - start > 1) {
      lenient(Leniency.Kind.LEADING_ZERO, start, "leading zero in string length");
    }
    pos++;
    int len = (int) n;
    if (len > maxStringLength) {
      throw new BencodeException(
          "string length " + len + " exceeds the limit of " + maxStringLength, start - base);
    }
    if (len > end - pos) {
      throw new BencodeException(
          "string length " + len + " exceeds the " + (end - pos) + " bytes remaining", start - base);
    }
    countValue(start);
    BString v = new BString(s, pos, len, start - base, pos - start);
    pos += len;
    return v;
  }

  /**
   * Fast path for the canonical case: 'i', an optional '-', 1 to 18 digits without a leading zero
   * (so no overflow is possible), not "-0", and 'e'. Anything else goes to the full path.
   */
  private BInteger parseInteger() {
    final byte[] s = this.s;
    int start = pos;
    int p = start + 1;
    boolean negative = p < end && s[p] == '-';
    if (negative) {
      p++;
    }
    int digits = p;
    int limit = Math.min(end, digits + 18);
    long v = 0;
    while (p < limit) {
      int d = s[p] - '0';
      if (d < 0 || d > 9) {
        break;
      }
      v = v * 10 + d;
      p++;
    }
    int nd = p - digits;
    if (p < end && s[p] == 'e' && nd > 0 && (s[digits] != '0' || (nd == 1 && !negative))
        && ++values <= maxValues) {
      p++;
      pos = p;
      return new BInteger(negative ? -v : v, s, start, start - base, p - start);
    }
    return parseIntegerFull();
  }

  private BInteger parseIntegerFull() {
    int start = pos;
    pos++;
    boolean negative = false;
    if (pos < end && s[pos] == '-') {
      negative = true;
      pos++;
    }
    int digits = pos;
    long v = 0; // accumulated as a negative number, so that Long.MIN_VALUE fits
    while (pos < end) {
      byte b = s[pos];
      if (b < '0' || b > '9') {
        break;
      }
      int d = b - '0';
      if (v < MULTMIN) {
        throw new BencodeException("integer does not fit in 64 bits", start - base);
      }
      v *= 10;
      if (v < Long.MIN_VALUE + d) {
        throw new BencodeException("integer does not fit in 64 bits", start - base);
      }
      v -= d;
      pos++;
    }
    if (pos >= end) {
      throw new BencodeException("unexpected end of input in integer, expected a digit or 'e'",
          pos - base);
    }
    if (s[pos] != 'e') {
      throw new BencodeException(
          "unexpected byte " + describe(s[pos]) + " in integer, expected a digit or 'e'",
          pos - base);
    }
    if (pos == digits) {
      throw new BencodeException(negative ? "integer has a sign but no digits" : "empty integer",
          start - base);
    }
    // checked in input order, so that leniencies are reported in input order ("i-00e")
    if (negative && v == 0) {
      lenient(Leniency.Kind.NEGATIVE_ZERO, start, "negative zero");
    }
    if (s[digits] == '0' && pos - digits > 1) {
      lenient(Leniency.Kind.LEADING_ZERO, digits, "leading zero in integer");
    }
    if (!negative) {
      if (v == Long.MIN_VALUE) {
        throw new BencodeException("integer does not fit in 64 bits", start - base);
      }
      v = -v;
    }
    pos++;
    countValue(start);
    return new BInteger(v, s, start, start - base, pos - start);
  }

  /** Counts one more value, which starts at array index {@code start}, against maxValues. */
  private void countValue(int start) {
    if (++values > maxValues) {
      throw new BencodeException("more values than the limit of " + maxValues, start - base);
    }
  }

  /** Rejects in strict mode; otherwise records the leniency (up to a bound) and goes on. */
  private void lenient(Leniency.Kind kind, int arrayIndex, String what) {
    if (strict) {
      throw new BencodeException(what, arrayIndex - base);
    }
    if (report) {
      if (leniencies == null) {
        leniencies = new ArrayList<>();
      }
      if (leniencies.size() < MAX_REPORTED) {
        leniencies.add(new Leniency(kind, arrayIndex - base));
      }
    }
  }

  private static String describe(byte b) {
    int c = b & 0xFF;
    String hex = String.format("0x%02x", c);
    return c >= 0x20 && c < 0x7F ? "'" + (char) c + "' (" + hex + ")" : hex;
  }

  /** An open list or dictionary; reused for every container at the same depth. */
  private static final class Frame {
    boolean dict;
    boolean sorted;
    int start;
    int count;
    BValue[] items = new BValue[8];

    void open(boolean dict, int start) {
      this.dict = dict;
      this.sorted = true;
      this.start = start;
      this.count = 0;
    }

    void add(BValue v) {
      if (count == items.length) {
        items = Arrays.copyOf(items, count * 2);
      }
      items[count++] = v;
    }

    BValue close(byte[] s, int endExclusive, int base) {
      int spanLength = endExclusive - start;
      BValue v;
      if (dict) {
        int n = count >> 1;
        BString[] keys = new BString[n];
        BValue[] values = new BValue[n];
        for (int i = 0, j = 0; i < n; i++, j += 2) {
          keys[i] = (BString) items[j];
          values[i] = items[j + 1];
        }
        v = new BDict(keys, values, sorted, s, start, start - base, spanLength);
      } else {
        v = new BList(Arrays.copyOf(items, count), s, start, start - base, spanLength);
      }
      count = 0;
      return v;
    }
  }
}
