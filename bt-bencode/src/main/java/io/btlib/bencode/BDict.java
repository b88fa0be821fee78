package io.btlib.bencode;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A bencoded dictionary: byte-string keys mapped to values, kept in the order they were decoded or,
 * when built in code, in canonical order (keys sorted as unsigned bytes).
 *
 * <p>A dictionary decoded leniently may hold keys out of order or more than once; lookups then
 * return the first entry with the key, and {@link #entries()} shows them all as they were.
 */
public final class BDict extends SourceSpan implements BValue {
  private static final BString[] NO_KEYS = new BString[0];
  private static final BValue[] NO_VALUES = new BValue[0];
  private static final int BINARY_SEARCH_FROM = 12;

  private final BString[] keys;
  private final BValue[] values;
  private final boolean sorted; // keys strictly ascending: canonical order, no duplicates
  private int hash;

  BDict(
      BString[] keys,
      BValue[] values,
      boolean sorted,
      byte[] src,
      int arrayStart,
      int spanOffset,
      int spanLength) {
    super(src, arrayStart, spanOffset, spanLength);
    this.keys = keys;
    this.values = values;
    this.sorted = sorted;
  }

  /** An empty dictionary. */
  public static BDict empty() {
    return new BDict(NO_KEYS, NO_VALUES, true, null, -1, -1, -1);
  }

  /** A builder for a dictionary; keys come out sorted whatever order they were put in. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Type type() {
    return Type.DICT;
  }

  /** The number of entries (duplicates included, for a leniently decoded dictionary). */
  public int size() {
    return keys.length;
  }

  /** Whether the dictionary has no entries. */
  public boolean isEmpty() {
    return keys.length == 0;
  }

  /** Whether keys are strictly ascending as unsigned bytes (canonical order, no duplicates). */
  public boolean isCanonicalOrder() {
    return sorted;
  }

  /** The value for the key whose bytes are the UTF-8 encoding of {@code key}, or null. */
  public BValue get(String key) {
    int n = keys.length;
    if (sorted && n >= BINARY_SEARCH_FROM) {
      int lo = 0;
      int hi = n - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        int c = keys[mid].compareTo(key);
        if (c < 0) {
          lo = mid + 1;
        } else if (c > 0) {
          hi = mid - 1;
        } else {
          return values[mid];
        }
      }
      return null;
    }
    for (int i = 0; i < n; i++) {
      if (keys[i].contentEquals(key)) {
        return values[i];
      }
    }
    return null;
  }

  /** The value for {@code key}, or null. */
  public BValue get(BString key) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].equals(key)) {
        return values[i];
      }
    }
    return null;
  }

  /** Whether the dictionary has an entry for {@code key} (UTF-8). */
  public boolean containsKey(String key) {
    return get(key) != null;
  }

  /** The key of entry {@code index}, in decoded (or canonical) order. */
  public BString keyAt(int index) {
    return keys[index];
  }

  /** The value of entry {@code index}, in decoded (or canonical) order. */
  public BValue valueAt(int index) {
    return values[index];
  }

  /** The keys, in decoded (or canonical) order. */
  public List<BString> keys() {
    return Collections.unmodifiableList(Arrays.asList(keys));
  }

  /** The entries, in decoded (or canonical) order. */
  public List<Map.Entry<BString, BValue>> entries() {
    List<Map.Entry<BString, BValue>> list = new ArrayList<>(keys.length);
    for (int i = 0; i < keys.length; i++) {
      list.add(new AbstractMap.SimpleImmutableEntry<>(keys[i], values[i]));
    }
    return Collections.unmodifiableList(list);
  }

  /**
   * The entries as a map in decoded order; for a leniently decoded dictionary with duplicate keys,
   * the first entry of each key wins, as with {@link #get(BString)}.
   */
  public Map<BString, BValue> asMap() {
    Map<BString, BValue> map = new LinkedHashMap<>();
    for (int i = 0; i < keys.length; i++) {
      map.putIfAbsent(keys[i], values[i]);
    }
    return Collections.unmodifiableMap(map);
  }

  /** A builder holding this dictionary's entries (first of each key), to make a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    for (int i = keys.length - 1; i >= 0; i--) {
      b.entries.put(keys[i], values[i]); // last put wins: iterate backwards so the first wins
    }
    return b;
  }




  /** Structural equality: the same entries in the same order; safe at any depth. */
  @Override
  public boolean equals(Object o) {
    return o instanceof BValue && Values.deepEquals(this, (BValue) o);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Values.deepHash(this);
      hash = h;
    }
    return h;
  }

  /** A readable form; containers nested more than 64 deep print as <code>{...}</code>. */
  @Override
  public String toString() {
    return Values.print(this);
  }

  /**
   * Builds a dictionary in canonical order. A later {@code put} of the same key replaces the earlier
   * value. Not thread-safe.
   */
  public static final class Builder {
    private final TreeMap<BString, BValue> entries = new TreeMap<>();

    Builder() {}

    /** Puts {@code value} under {@code key}. */
    public Builder put(BString key, BValue value) {
      entries.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Puts {@code value} under the UTF-8 key {@code key}. */
    public Builder put(String key, BValue value) {
      return put(BString.of(key), value);
    }

    /** Puts the UTF-8 string {@code value} under {@code key}. */
    public Builder put(String key, String value) {
      return put(BString.of(key), BString.of(value));
    }

    /** Puts the integer {@code value} under {@code key}. */
    public Builder put(String key, long value) {
      return put(BString.of(key), BInteger.of(value));
    }

    /** Removes {@code key}, if present. */
    public Builder remove(String key) {
      entries.remove(BString.of(key));
      return this;
    }

    /** A dictionary of the entries put so far, in canonical order. */
    public BDict build() {
      BString[] k = entries.keySet().toArray(NO_KEYS);
      BValue[] v = entries.values().toArray(NO_VALUES);
      return new BDict(k, v, true, null, -1, -1, -1);
    }
  }
}
