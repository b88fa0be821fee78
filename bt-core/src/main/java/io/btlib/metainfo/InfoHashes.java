package io.btlib.metainfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Holds the info hashes of one torrent: a v1 hash (BEP 3), a v2 hash (BEP 52), or both for a
 * hybrid torrent.
 *
 * <pre>{@code
 * InfoHashes ids = InfoHashes.of(v1, v2);   // hybrid
 * ids.shortHash();                          // v1: the 20-byte id for the handshake and trackers
 * ids.matchesShort(handshakeHash);          // true for v1 or for v2 truncated to 20 bytes
 * }</pre>
 *
 * <p>Immutable and thread-safe. At least one hash is present; a v1 hash is 20 bytes and a v2 hash
 * 32 bytes.
 */
public final class InfoHashes {

  private final InfoHash v1;
  private final InfoHash v2;
  private final InfoHash shortHash;

  private InfoHashes(InfoHash v1, InfoHash v2) {
    this.v1 = v1;
    this.v2 = v2;
    this.shortHash = v1 != null ? v1 : v2.truncated();
  }

  /**
   * Returns the hashes of a v1-only torrent.
   *
   * @throws IllegalArgumentException if {@code v1} is not 20 bytes
   */
  public static InfoHashes ofV1(InfoHash v1) {
    return of(Objects.requireNonNull(v1, "v1"), null);
  }

  /**
   * Returns the hashes of a v2-only torrent.
   *
   * @throws IllegalArgumentException if {@code v2} is not 32 bytes
   */
  public static InfoHashes ofV2(InfoHash v2) {
    return of(null, Objects.requireNonNull(v2, "v2"));
  }

  /**
   * Returns the hashes of a v1, v2 or hybrid torrent.
   *
   * @param v1OrNull the 20-byte v1 hash, or null
   * @param v2OrNull the 32-byte v2 hash, or null
   * @throws IllegalArgumentException if both are null or one has the wrong length
   */
  public static InfoHashes of(InfoHash v1OrNull, InfoHash v2OrNull) {
    if (v1OrNull == null && v2OrNull == null) {
      throw new IllegalArgumentException("at least one of the v1 and v2 info hashes is required");
    }
    if (v1OrNull != null && !v1OrNull.isV1()) {
      throw new IllegalArgumentException(
          "v1 info hash must be 20 bytes, got " + v1OrNull.length() + ": " + v1OrNull);
    }
    if (v2OrNull != null && !v2OrNull.isV2()) {
      throw new IllegalArgumentException(
          "v2 info hash must be 32 bytes, got " + v2OrNull.length() + ": " + v2OrNull);
    }
    return new InfoHashes(v1OrNull, v2OrNull);
  }

  /** Returns the 20-byte v1 hash, if the torrent has one. */
  public Optional<InfoHash> v1() {
    return Optional.ofNullable(v1);
  }

  /** Returns the 32-byte v2 hash, if the torrent has one. */
  public Optional<InfoHash> v2() {
    return Optional.ofNullable(v2);
  }

  /** Returns whether the torrent has a v1 hash. */
  public boolean hasV1() {
    return v1 != null;
  }

  /** Returns whether the torrent has a v2 hash. */
  public boolean hasV2() {
    return v2 != null;
  }

  /** Returns whether the torrent has both a v1 and a v2 hash (BEP 52 hybrid). */
  public boolean isHybrid() {
    return v1 != null && v2 != null;
  }

  /**
   * Returns the 20-byte id of the torrent in the handshake, on trackers and on the DHT: the v1
   * hash if present, else the v2 hash truncated to 20 bytes (BEP 52).
   */
  public InfoHash shortHash() {
    return shortHash;
  }

  /**
   * Returns every 20-byte id under which the torrent's swarms are found: the v1 hash and the
   * truncated v2 hash, in that order, each if present. A hybrid torrent has two (BEP 52).
   */
  public List<InfoHash> shortHashes() {
    List<InfoHash> out = new ArrayList<>(2);
    if (v1 != null) {
      out.add(v1);
    }
    if (v2 != null) {
      out.add(v2.truncated());
    }
    return List.copyOf(out);
  }

  /**
   * Returns whether a 20-byte hash received from a peer, tracker or DHT node names this torrent:
   * equal to the v1 hash or to the truncated v2 hash.
   */
  public boolean matchesShort(InfoHash twentyBytes) {
    Objects.requireNonNull(twentyBytes, "twentyBytes");
    if (!twentyBytes.isV1()) {
      return false;
    }
    return twentyBytes.equals(v1) || (v2 != null && twentyBytes.equals(v2.truncated()));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof InfoHashes)) {
      return false;
    }
    InfoHashes that = (InfoHashes) o;
    return Objects.equals(v1, that.v1) && Objects.equals(v2, that.v2);
  }

  @Override
  public int hashCode() {
    return Objects.hash(v1, v2);
  }

  /** Returns {@code InfoHashes[v1=<hex>, v2=<hex>]}, leaving out an absent hash. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("InfoHashes[");
    if (v1 != null) {
      sb.append("v1=").append(v1);
    }
    if (v2 != null) {
      sb.append(v1 != null ? ", " : "").append("v2=").append(v2);
    }
    return sb.append(']').toString();
  }
}
