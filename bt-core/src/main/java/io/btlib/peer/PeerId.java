package io.btlib.peer;

import io.btlib.bencode.internal.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * The 20-byte id a peer announces to trackers and sends in its handshake (BEP 3), which by
 * convention (BEP 20) begins with the client's name and version.
 *
 * <pre>{@code
 * PeerId mine = PeerId.random("-BT0100-", rng);   // "-BT0100-" and 12 random characters
 * PeerId theirs = PeerId.of(handshake, 48);       // 20 bytes at offset 48
 * theirs.azureusPrefix();                         // Optional[-qB4630-]
 * }</pre>
 *
 * <p>The common Azureus-style form (BEP 20) is a dash, two characters naming the client, four of
 * version and a dash: {@code -XX1234-}. {@link #azureusPrefix()} and {@link #toString()} show that
 * prefix when the id has one; nothing else about the id is interpreted.
 *
 * <p>Instances are immutable and thread-safe. The bytes are never exposed: {@link #bytes()}
 * returns a copy. Equality is by content; ordering is unsigned lexicographic.
 */
public final class PeerId implements Comparable<PeerId> {
  /** The length of a peer id in bytes. */
  public static final int LENGTH = 20;

  /** The length of an Azureus-style prefix, {@code -XX1234-}. */
  private static final int AZUREUS_PREFIX_LENGTH = 8;

  /**
   * The characters random ids are made of: RFC 3986's unreserved set, so that a generated id is
   * printable and travels unescaped in a tracker announce URL.
   */
  private static final String RANDOM_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";


  private final byte[] bytes;
  private final int hash;

  private PeerId(byte[] ownedBytes) {
    this.bytes = ownedBytes;
    this.hash = Arrays.hashCode(ownedBytes);
  }

  /**
   * The peer id with these 20 bytes, copying them.
   *
   * @throws IllegalArgumentException naming the length, if it is not 20
   */
  public static PeerId of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("peer id must be 20 bytes, got " + bytes.length);
    }
    return new PeerId(bytes.clone());
  }

  /**
   * The peer id made of the 20 bytes of {@code src} from {@code offset}, copying them; for reading
   * an id out of a larger buffer such as a handshake.
   *
   * @throws IndexOutOfBoundsException if fewer than 20 bytes follow {@code offset}
   */
  public static PeerId of(byte[] src, int offset) {
    Objects.requireNonNull(src, "src");
    Objects.checkFromIndexSize(offset, LENGTH, src.length);
    return new PeerId(Arrays.copyOfRange(src, offset, offset + LENGTH));
  }

  /**
   * Parses 40 hexadecimal characters in either case.
   *
   * @throws IllegalArgumentException naming the length or the first character that is not hex
   */
  public static PeerId fromHex(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("peer id hex must be 40 characters, got " + hex.length());
    }
    for (int i = 0; i < hex.length(); i++) {
      if (!Bytes.isHexDigit(hex.charAt(i))) {
        throw new IllegalArgumentException(
            "invalid hex character '" + hex.charAt(i) + "' at index " + i + " of peer id");
      }
    }
    return new PeerId(Bytes.parseHex(hex));
  }

  /**
   * A new id made of {@code prefix} followed by random characters from {@code rng}: letters,
   * digits and {@code -._~}, which need no escaping in a tracker URL.
   *
   * <p>The prefix is usually the client's Azureus-style tag, {@code -BT0100-} (BEP 20). The random
   * source is the caller's, so that tests are repeatable and the engine chooses its generator.
   *
   * @param prefix printable ASCII (0x20 to 0x7E), at most 20 characters; may be empty
   * @param rng the random source; it is used, not kept
   * @throws IllegalArgumentException if the prefix is longer than 20 characters or holds a
   *     character that is not printable ASCII, naming the index
   */
  public static PeerId random(String prefix, Random rng) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(rng, "rng");
    if (prefix.length() > LENGTH) {
      throw new IllegalArgumentException(
          "peer id prefix must be at most 20 characters, got " + prefix.length());
    }
    byte[] b = new byte[LENGTH];
    for (int i = 0; i < prefix.length(); i++) {
      char c = prefix.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        throw new IllegalArgumentException(
            "peer id prefix must be printable ASCII; character " + (int) c + " at index " + i);
      }
      b[i] = (byte) c;
    }
    for (int i = prefix.length(); i < LENGTH; i++) {
      b[i] = (byte) RANDOM_ALPHABET.charAt(rng.nextInt(RANDOM_ALPHABET.length()));
    }
    return new PeerId(b);
  }

  /** A copy of the 20 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * Copies the 20 bytes into {@code dst} at {@code offset}.
   *
   * @throws IndexOutOfBoundsException if 20 bytes do not fit at {@code offset}
   */
  public void copyTo(byte[] dst, int offset) {
    Objects.requireNonNull(dst, "dst");
    Objects.checkFromIndexSize(offset, LENGTH, dst.length);
    System.arraycopy(bytes, 0, dst, offset, LENGTH);
  }

  /**
   * The byte at {@code index}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < 20}
   */
  public byte byteAt(int index) {
    return bytes[Objects.checkIndex(index, LENGTH)];
  }

  /** The bytes as 40 lower-case hex characters. */
  public String hex() {
    return Bytes.toHex(bytes);
  }

  /**
   * The Azureus-style client prefix (BEP 20), such as {@code -qB4630-}, if the id starts with one:
   * a dash, six ASCII letters or digits, and a dash.
   */
  public Optional<String> azureusPrefix() {
    if (bytes[0] != '-' || bytes[AZUREUS_PREFIX_LENGTH - 1] != '-') {
      return Optional.empty();
    }
    for (int i = 1; i < AZUREUS_PREFIX_LENGTH - 1; i++) {
      int c = bytes[i];
      boolean alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      if (!alnum) {
        return Optional.empty();
      }
    }
    return Optional.of(new String(bytes, 0, AZUREUS_PREFIX_LENGTH, StandardCharsets.US_ASCII));
  }

  @Override
  public int compareTo(PeerId other) {
    return Bytes.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId && Arrays.equals(bytes, ((PeerId) o).bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /**
   * The hex form, followed by the Azureus-style prefix in parentheses when there is one: {@code
   * 2d7142343633302d... (-qB4630-)}.
   */
  @Override
  public String toString() {
    Optional<String> prefix = azureusPrefix();
    return prefix.isPresent() ? hex() + " (" + prefix.get() + ")" : hex();
  }
}
