package io.btlib.bencode;

import java.util.ArrayDeque;

/**
 * Structural equality, hashing and printing of value trees without recursion, so that values of any
 * depth (a decoder's {@code maxDepth} may be raised far beyond the stack's) are safe to compare.
 */
final class Values {
  /** Containers nested deeper than this print as an ellipsis. */
  static final int MAX_PRINT_DEPTH = 64;

  private Values() {}

  static boolean deepEquals(BValue a, BValue b) {
    ArrayDeque<BValue> left = new ArrayDeque<>();
    ArrayDeque<BValue> right = new ArrayDeque<>();
    left.push(a);
    right.push(b);
    while (!left.isEmpty()) {
      BValue x = left.pop();
      BValue y = right.pop();
      if (x == y) {
        continue;
      }
      if (x.type() != y.type()) {
        return false;
      }
      switch (x.type()) {
        case STRING:
        case INTEGER:
          if (!x.equals(y)) {
            return false;
          }
          break;
        case LIST: {
          BList l = (BList) x;
          BList m = (BList) y;
          if (l.size() != m.size()) {
            return false;
          }
          for (int i = 0; i < l.size(); i++) {
            left.push(l.get(i));
            right.push(m.get(i));
          }
          break;
        }
        default: {
          BDict d = (BDict) x;
          BDict e = (BDict) y;
          if (d.size() != e.size()) {
            return false;
          }
          for (int i = 0; i < d.size(); i++) {
            if (!d.keyAt(i).equals(e.keyAt(i))) {
              return false;
            }
            left.push(d.valueAt(i));
            right.push(e.valueAt(i));
          }
        }
      }
    }
    return true;
  }

  static int deepHash(BValue root) {
    int h = 1;
    ArrayDeque<BValue> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      BValue v = stack.pop();
      h = 31 * h + v.type().ordinal();
      switch (v.type()) {
        case STRING:
        case INTEGER:
          h = 31 * h + v.hashCode();
          break;
        case LIST: {
          BList l = (BList) v;
          h = 31 * h + l.size();
          for (int i = l.size() - 1; i >= 0; i--) {
            stack.push(l.get(i));
          }
          break;
        }
        default: {
          BDict d = (BDict) v;
          h = 31 * h + d.size();
          for (int i = d.size() - 1; i >= 0; i--) {
            h = 31 * h + d.keyAt(i).hashCode();
            stack.push(d.valueAt(i));
          }
        }
      }
    }
    return h;
  }

  static String print(BValue root) {
    StringBuilder sb = new StringBuilder();
    print(root, sb, 0);
    return sb.toString();
  }

  // bounded recursion: at most MAX_PRINT_DEPTH frames
  private static void print(BValue v, StringBuilder sb, int depth) {
    switch (v.type()) {
      case STRING:
      case INTEGER:
        sb.append(v);
        return;
      case LIST: {
        BList l = (BList) v;
        if (depth >= MAX_PRINT_DEPTH) {
          sb.append("[...]");
          return;
        }
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) {
            sb.append(", ");
          }
          print(l.get(i), sb, depth + 1);
        }
        sb.append(']');
        return;
      }
      default: {
        BDict d = (BDict) v;
        if (depth >= MAX_PRINT_DEPTH) {
          sb.append("{...}");
          return;
        }
        sb.append('{');
        for (int i = 0; i < d.size(); i++) {
          if (i > 0) {
            sb.append(", ");
          }
          sb.append(d.keyAt(i)).append('=');
          print(d.valueAt(i), sb, depth + 1);
        }
        sb.append('}');
      }
    }
  }
}
