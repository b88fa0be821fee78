package io.btlib.tracker;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client tells a tracker in one announce (BEP 3, BEP 15): which swarm, who we are, how far
 * we are, and how many peers we want.
 *
 * <pre>{@code
 * AnnounceRequest r = AnnounceRequest.builder(infoHashes.shortHash(), peerId, 6881)
 *     .left(bytesLeft)
 *     .event(AnnounceEvent.STARTED)
 *     .build();
 * client.announce(URI.create("udp://127.0.0.1:6969/announce"), r);
 * }</pre>
 *
 * <p>The info hash is always 20 bytes: for a v2 torrent the SHA-256 hash truncated to 20 bytes
 * (BEP 52, {@link io.btlib.metainfo.InfoHashes#shortHashes()}); a hybrid torrent announces each of its
 * two short hashes separately. The tracker id is the opaque value a tracker sent in an earlier
 * response ({@link AnnounceResponse#trackerId()}); the caller keeps it per tracker and passes it
 * back here. Immutable; a changed copy comes from {@link #toBuilder()}.
 *
 * @param infoHash the swarm, 20 bytes
 * @param peerId our peer id
 * @param port the port we accept peer connections on, 1..65535
 * @param uploaded payload bytes sent in this run, at least 0
 * @param downloaded payload bytes received in this run, at least 0
 * @param left bytes still missing, at least 0 (0 makes us a seeder in the tracker's eyes)
 * @param event the event to report
 * @param numWant how many peers we want, 0..10000; -1 lets the tracker choose
 * @param key a random value that identifies us across IP address changes (sent as 8 hex digits
 *     over HTTP, as a 32-bit number over UDP)
 * @param trackerId the tracker id to send back as {@code trackerid}, if the tracker gave one; one
 *     char per byte (ISO-8859-1)
 */
public record AnnounceRequest(
    InfoHash infoHash,
    PeerId peerId,
    int port,
    long uploaded,
    long downloaded,
    long left,
    AnnounceEvent event,
    int numWant,
    int key,
    Optional<String> trackerId) {

  /** The largest {@link #numWant()} accepted. */
  public static final int MAX_NUM_WANT = 10_000;

  /**
   * Checks every component.
   *
   * @throws IllegalArgumentException naming the component and value
   * @throws NullPointerException naming the component
   */
  public AnnounceRequest {
    Objects.requireNonNull(infoHash, "infoHash");
    Objects.requireNonNull(peerId, "peerId");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(trackerId, "trackerId");
    if (!infoHash.isV1()) {
      throw new IllegalArgumentException("infoHash must be 20 bytes (truncate a v2 hash), got "
          + infoHash.length() + ": " + infoHash);
    }
    if (port < PeerAddress.MIN_PORT || port > PeerAddress.MAX_PORT) {
      throw new IllegalArgumentException("port must be in 1..65535, got " + port);
    }
    checkNotNegative("uploaded", uploaded);
    checkNotNegative("downloaded", downloaded);
    checkNotNegative("left", left);
    if (numWant < -1 || numWant > MAX_NUM_WANT) {
      throw new IllegalArgumentException(
          "numWant must be -1 or in 0.." + MAX_NUM_WANT + ", got " + numWant);
    }
    trackerId.ifPresent(id -> {
      for (int i = 0; i < id.length(); i++) {
        if (id.charAt(i) > 0xFF) {
          throw new IllegalArgumentException(
              "trackerId must hold one byte per char (ISO-8859-1); char " + (int) id.charAt(i)
                  + " at index " + i);
        }
      }
    });
  }

  /**
   * A builder with the required values; the others default to 0 bytes counted, {@code left} 0,
   * event {@link AnnounceEvent#NONE}, {@code numWant} 50, key 0 and no tracker id.
   */
  public static Builder builder(InfoHash infoHash, PeerId peerId, int port) {
    return new Builder(infoHash, peerId, port);
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    return new Builder(infoHash, peerId, port)
        .uploaded(uploaded)
        .downloaded(downloaded)
        .left(left)
        .event(event)
        .numWant(numWant)
        .key(key)
        .trackerId(trackerId.orElse(null));
  }

  /** A copy with this event. */
  public AnnounceRequest withEvent(AnnounceEvent event) {
    return toBuilder().event(event).build();
  }

  private static void checkNotNegative(String what, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " must be >= 0, got " + value);
    }
  }

  /** Builds an {@link AnnounceRequest}; values are checked by {@link #build()}. Not thread-safe. */
  public static final class Builder {
    private InfoHash infoHash;
    private PeerId peerId;
    private int port;
    private long uploaded;
    private long downloaded;
    private long left;
    private AnnounceEvent event = AnnounceEvent.NONE;
    private int numWant = 50;
    private int key;
    private String trackerId;

    private Builder(InfoHash infoHash, PeerId peerId, int port) {
      this.infoHash = infoHash;
      this.peerId = peerId;
      this.port = port;
    }

    /** The swarm: 20 bytes. */
    public Builder infoHash(InfoHash infoHash) {
      this.infoHash = infoHash;
      return this;
    }

    /** Our peer id. */
    public Builder peerId(PeerId peerId) {
      this.peerId = peerId;
      return this;
    }

    /** The port we accept peer connections on. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Payload bytes sent in this run; default 0. */
    public Builder uploaded(long uploaded) {
      this.uploaded = uploaded;
      return this;
    }

    /** Payload bytes received in this run; default 0. */
    public Builder downloaded(long downloaded) {
      this.downloaded = downloaded;
      return this;
    }

    /** Bytes still missing; default 0. */
    public Builder left(long left) {
      this.left = left;
      return this;
    }

    /** The event; default {@link AnnounceEvent#NONE}. */
    public Builder event(AnnounceEvent event) {
      this.event = event;
      return this;
    }

    /** How many peers we want; default 50; -1 lets the tracker choose. */
    public Builder numWant(int numWant) {
      this.numWant = numWant;
      return this;
    }

    /** Our random key; default 0. */
    public Builder key(int key) {
      this.key = key;
      return this;
    }

    /** The tracker id to send back, or null for none (the default). */
    public Builder trackerId(String trackerId) {
      this.trackerId = trackerId;
      return this;
    }

    /**
     * Builds the request.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    public AnnounceRequest build() {
      return new AnnounceRequest(infoHash, peerId, port, uploaded, downloaded, left, event,
          numWant, key, Optional.ofNullable(trackerId));
    }
  }
}
