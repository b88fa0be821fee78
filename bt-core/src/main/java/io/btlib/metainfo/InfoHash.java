package io.btlib.metainfo;

import io.btlib.bencode.internal.Bytes;
import io.btlib.metainfo.internal.Base32;

import java.util.Arrays;
import java.util.Objects;

/**
 * Identifies a torrent: the SHA-1 (v1, BEP 3) or SHA-256 (v2, BEP 52) digest of its bencoded
 * {@code info} dictionary.
 *
 * <pre>{@code
 * InfoHash h = InfoHash.fromHex("dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c");
 * h.version();   // 1
 * h.base32();    // "3WBFL3G4PSSV7MF37AJSHWDQMLNR63I4", as in BEP 9 magnet links
 * }</pre>
 *
 * <p>A 20-byte hash is version 1 and a 32-byte hash version 2; the version is read from the
 * length alone. v2 swarms are addressed on the wire, on trackers and on the DHT by the first 20
 * bytes of the v2 hash ({@link #truncated()}, BEP 52), and that truncated hash reports version 1
 * because it is 20 bytes long. {@link InfoHashes} keeps the v1 and v2 hashes of a torrent apart.
 *
 * <p>Instances are immutable and thread-safe. The bytes are never exposed: {@link #bytes()}
 * returns a copy. Equality is by content; ordering is unsigned lexicographic, shorter first on a
 * common prefix.
 */
public final class InfoHash implements Comparable<InfoHash> {

  /** Length in bytes of a v1 (SHA-1) info hash. */
  public static final int V1_LENGTH = 20;
  /** Length in bytes of a v2 (SHA-256) info hash. */
  public static final int V2_LENGTH = 32;


  private final byte[] bytes;
  private final int hash;

  private InfoHash(byte[] ownedBytes) {
    this.bytes = ownedBytes;
    this.hash = Arrays.hashCode(ownedBytes);
  }

  /**
   * Returns the info hash with these bytes, copying them.
   *
   * @param bytes 20 bytes (v1) or 32 bytes (v2)
   * @throws IllegalArgumentException if the length is neither 20 nor 32
   */
  public static InfoHash of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return of(bytes, 0, bytes.length);
  }

  /**
   * Returns the info hash made of {@code length} bytes of {@code src} from {@code offset},
   * copying them; for reading a hash out of a larger buffer such as a handshake.
   *
   * @throws IllegalArgumentException if {@code length} is neither 20 nor 32
   * @throws IndexOutOfBoundsException if the range is outside {@code src}
   */
  public static InfoHash of(byte[] src, int offset, int length) {
    Objects.requireNonNull(src, "src");
    checkLength(length);
    Objects.checkFromIndexSize(offset, length, src.length);
    return new InfoHash(Arrays.copyOfRange(src, offset, offset + length));
  }

  /**
   * Parses 40 (v1) or 64 (v2) hexadecimal characters in either case.
   *
   * @throws IllegalArgumentException naming the length or the first character that is not hex
   */
  public static InfoHash fromHex(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * V1_LENGTH && hex.length() != 2 * V2_LENGTH) {
      throw new IllegalArgumentException(
          "info hash hex must be 40 or 64 characters, got " + hex.length());
    }
    for (int i = 0; i < hex.length(); i++) {
      if (!Bytes.isHexDigit(hex.charAt(i))) {
        throw new IllegalArgumentException(
            "invalid hex character '" + hex.charAt(i) + "' at index " + i + " of info hash");
      }
    }
    return new InfoHash(Bytes.parseHex(hex));
  }

  /**
   * Parses 32 base32 characters (RFC 4648 alphabet, either case, no padding) into a v1 hash, the
   * older form of {@code xt=urn:btih:} in magnet links (BEP 9).
   *
   * @throws IllegalArgumentException naming the length or the first character outside the alphabet
   */
  public static InfoHash fromBase32(String base32) {
    Objects.requireNonNull(base32, "base32");
    if (base32.length() != 32) {
      throw new IllegalArgumentException(
          "info hash base32 must be 32 characters, got " + base32.length());
    }
    return new InfoHash(Base32.decode(base32));
  }

  private static void checkLength(int length) {
    if (length != V1_LENGTH && length != V2_LENGTH) {
      throw new IllegalArgumentException(
          "info hash must be 20 (v1) or 32 (v2) bytes, got " + length);
    }
  }

  /** Returns 1 for a 20-byte hash, 2 for a 32-byte hash. */
  public int version() {
    return bytes.length == V2_LENGTH ? 2 : 1;
  }

  /** Returns whether this hash is 20 bytes long (a v1 hash or a truncated v2 hash). */
  public boolean isV1() {
    return bytes.length == V1_LENGTH;
  }

  /** Returns whether this hash is 32 bytes long. */
  public boolean isV2() {
    return bytes.length == V2_LENGTH;
  }

  /** Returns the length in bytes: 20 or 32. */
  public int length() {
    return bytes.length;
  }

  /** Returns a copy of the bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * Copies the bytes into {@code dst} starting at {@code offset}.
   *
   * @throws IndexOutOfBoundsException if {@code length()} bytes do not fit at {@code offset}
   */
  public void copyTo(byte[] dst, int offset) {
    Objects.requireNonNull(dst, "dst");
    Objects.checkFromIndexSize(offset, bytes.length, dst.length);
    System.arraycopy(bytes, 0, dst, offset, bytes.length);
  }

  /**
   * Returns the byte at {@code index}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < length()}
   */
  public byte byteAt(int index) {
    return bytes[Objects.checkIndex(index, bytes.length)];
  }

  /**
   * Returns the 20-byte form used for this torrent in the handshake, on trackers and on the DHT:
   * for a v2 hash its first 20 bytes (BEP 52), for a 20-byte hash {@code this}. The result of
   * truncating a v2 hash reports {@link #version()} 1, since the version follows the length.
   */
  public InfoHash truncated() {
    return bytes.length == V1_LENGTH ? this : new InfoHash(Arrays.copyOf(bytes, V1_LENGTH));
  }

  /** Returns the bytes as lowercase hex: 40 or 64 characters. */
  public String hex() {
    return Bytes.toHex(bytes);
  }

  /**
   * Returns the bytes as 32 upper-case base32 characters (RFC 4648, no padding), as in BEP 9.
   *
   * @throws IllegalStateException for a 32-byte hash, for which magnet links use hex only
   */
  public String base32() {
    if (bytes.length != V1_LENGTH) {
      throw new IllegalStateException(
          "base32 is defined for 20-byte info hashes only; this one is " + bytes.length + " bytes");
    }
    return Base32.encode(bytes);
  }

  @Override
  public int compareTo(InfoHash other) {
    return Bytes.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InfoHash && Arrays.equals(bytes, ((InfoHash) o).bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** Returns {@link #hex()}. */
  @Override
  public String toString() {
    return hex();
  }
}
