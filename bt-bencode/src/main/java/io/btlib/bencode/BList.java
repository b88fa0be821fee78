package io.btlib.bencode;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/** A bencoded list: an immutable sequence of values. */
public final class BList extends SourceSpan implements BValue {
  private static final BValue[] NONE = new BValue[0];

  private final BValue[] items;
  private int hash;

  BList(BValue[] items, byte[] src, int arrayStart, int spanOffset, int spanLength) {
    super(src, arrayStart, spanOffset, spanLength);
    this.items = items;
  }

  /** A list of the given values. */
  public static BList of(BValue... values) {
    BValue[] copy = values.length == 0 ? NONE : values.clone();
    for (int i = 0; i < copy.length; i++) {
      if (copy[i] == null) {
        throw new NullPointerException("list element " + i + " is null");
      }
    }
    return new BList(copy, null, -1, -1, -1);
  }

  /** A list of the given values. */
  public static BList of(List<? extends BValue> values) {
    return of(values.toArray(NONE));
  }

  @Override
  public Type type() {
    return Type.LIST;
  }

  /** The number of elements. */
  public int size() {
    return items.length;
  }

  /** Whether the list has no elements. */
  public boolean isEmpty() {
    return items.length == 0;
  }

  /** The element at {@code index}. */
  public BValue get(int index) {
    return items[index];
  }

  /** An unmodifiable view of the elements. */
  public List<BValue> values() {
    return new View(items);
  }




  /** Structural equality, element by element; safe at any depth. */
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

  /** A readable form; containers nested more than 64 deep print as {@code [...]}. */
  @Override
  public String toString() {
    return Values.print(this);
  }

  private static final class View extends AbstractList<BValue> implements RandomAccess {
    private final BValue[] items;

    View(BValue[] items) {
      this.items = items;
    }

    @Override
    public BValue get(int index) {
      return items[index];
    }

    @Override
    public int size() {
      return items.length;
    }
  }
}
