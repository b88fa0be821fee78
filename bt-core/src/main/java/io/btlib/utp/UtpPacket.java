package io.btlib.utp;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One uTP packet (BEP 29): the 20-byte header, the extensions bt understands (selective ACK; the
 * close reason libtorrent sends with FIN and RESET; bt's own largest-datagram announcement) and
 * the payload. An immutable value; {@link
 * #decode} validates every field of a datagram from the network and {@link #encode} writes one.
 *
 * <p>Decoding does not copy the payload: {@link #payload()} is a read-only view of the datagram's
 * buffer, valid until that buffer is reused. Extensions of types bt does not know are skipped, as
 * BEP 29 asks, after their lengths are checked against the datagram.
 */
public final class UtpPacket {

  /** The packet types, with their codes on the wire. */
  public enum Type {
    /** ST_DATA: payload. */
    DATA,
    /** ST_FIN: the last packet of a direction; its seq_nr ends the stream. */
    FIN,
    /** ST_STATE: an acknowledgement, no payload and no sequence number of its own. */
    STATE,
    /** ST_RESET: the connection is terminated abruptly. */
    RESET,
    /** ST_SYN: opens a connection. */
    SYN;

    private static final Type[] VALUES = values();

    /** The code in the header's type nibble. */
    public int code() {
      return ordinal();
    }
  }

  /** The only version there is. */
  public static final int VERSION = 1;
  /** Bytes in the fixed header. */
  public static final int HEADER_SIZE = 20;
  /** Extension type of a selective ACK. */
  public static final int EXT_SELECTIVE_ACK = 1;
  /** Extension type of libtorrent's close reason (2 reserved bytes, then a 16-bit reason). */
  public static final int EXT_CLOSE_REASON = 3;
  /**
   * Extension type of bt's largest-datagram announcement: libutp's "extension bits" (type 2,
   * eight bytes), here {@code 'b' 't'}, the largest UDP payload the sender accepts (16 bits) and
   * four zero bytes. It rides on a SYN and on the answer to one, so two bt peers on a path that
   * carries large datagrams (loopback) may use them. Type 2 because libutp (Transmission,
   * uTorrent) takes a packet whose first extension is 3 or more for no uTP at all, and stores
   * type 2's bytes without using them; libtorrent skips extensions it does not know. Both read
   * at most 1,500-byte datagrams: a peer that announces nothing is sent no more than {@link
   * UtpConfig#packetSize()}.
   */
  public static final int EXT_DATAGRAM_LIMIT = 2;
  private static final int DATAGRAM_LIMIT_LENGTH = 8;
  /** The largest UDP payload over IPv4 (65,535 less the IP and UDP headers). */
  public static final int MAX_DATAGRAM = 65_507;

  private static final byte[] NO_MASK = new byte[0];
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  private final Type type;
  private final int connectionId;
  private final int timestampMicros;
  private final int timestampDifferenceMicros;
  private final long windowSize;
  private final int seqNr;
  private final int ackNr;
  private final byte[] selectiveAck;
  private final int closeReason;
  private final int datagramLimit;
  /**
   * The payload is {@code payloadLength} bytes of this buffer from the absolute index {@code
   * payloadAt}: no view is made per packet (a decoded packet points into the datagram, one being
   * sent into the bytes it was given); {@link #payload()} makes one when asked.
   */
  private final ByteBuffer payloadSource;
  private final int payloadAt;
  private final int payloadLength;

  private UtpPacket(Type type, int connectionId, int timestampMicros,
      int timestampDifferenceMicros, long windowSize, int seqNr, int ackNr, byte[] selectiveAck,
      int closeReason, int datagramLimit, ByteBuffer payloadSource, int payloadAt,
      int payloadLength) {
    this.type = type;
    this.connectionId = connectionId;
    this.timestampMicros = timestampMicros;
    this.timestampDifferenceMicros = timestampDifferenceMicros;
    this.windowSize = windowSize;
    this.seqNr = seqNr;
    this.ackNr = ackNr;
    this.selectiveAck = selectiveAck;
    this.closeReason = closeReason;
    this.datagramLimit = datagramLimit;
    this.payloadSource = payloadSource;
    this.payloadAt = payloadAt;
    this.payloadLength = payloadLength;
  }

  /**
   * A packet with no extensions and no payload.
   *
   * @param type the type
   * @param connectionId 0 to 65535
   * @param timestampMicros the sender's clock, microseconds (the low 32 bits)
   * @param timestampDifferenceMicros the last delay measured from the peer's packets
   * @param windowSize the receive window, bytes, 0 to 2<sup>32</sup> − 1
   * @param seqNr 0 to 65535
   * @param ackNr 0 to 65535
   * @return the packet
   * @throws IllegalArgumentException if a value is out of its range
   */
  public static UtpPacket of(Type type, int connectionId, int timestampMicros,
      int timestampDifferenceMicros, long windowSize, int seqNr, int ackNr) {
    Objects.requireNonNull(type, "type");
    check("connectionId", connectionId, 0xFFFF);
    check("seqNr", seqNr, 0xFFFF);
    check("ackNr", ackNr, 0xFFFF);
    if (windowSize < 0 || windowSize > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("windowSize " + windowSize + " outside 0..2^32-1");
    }
    return new UtpPacket(type, connectionId, timestampMicros, timestampDifferenceMicros,
        windowSize, seqNr, ackNr, NO_MASK, -1, -1, EMPTY, 0, 0);
  }

  private static void check(String name, int value, int max) {
    if (value < 0 || value > max) {
      throw new IllegalArgumentException(name + " " + value + " outside 0.." + max);
    }
  }

  /**
   * This packet with a selective ACK: bit {@code i} (least significant bit of byte {@code i / 8}
   * first) says that packet {@code ackNr + 2 + i} arrived.
   *
   * @param mask the bitmask, 4 to 252 bytes, a multiple of 4 (copied)
   * @return the new packet
   * @throws IllegalArgumentException if the mask's length is not allowed
   */
  public UtpPacket withSelectiveAck(byte[] mask) {
    if (mask.length < 4 || mask.length % 4 != 0 || mask.length > 252) {
      throw new IllegalArgumentException("selective ACK of " + mask.length
          + " bytes: 4 to 252, a multiple of 4");
    }
    return new UtpPacket(type, connectionId, timestampMicros, timestampDifferenceMicros,
        windowSize, seqNr, ackNr, mask.clone(), closeReason, datagramLimit, payloadSource,
        payloadAt, payloadLength);
  }

  /**
   * This packet with libtorrent's close reason extension.
   *
   * @param reason 0 to 65535
   * @return the new packet
   */
  public UtpPacket withCloseReason(int reason) {
    check("reason", reason, 0xFFFF);
    return new UtpPacket(type, connectionId, timestampMicros, timestampDifferenceMicros,
        windowSize, seqNr, ackNr, selectiveAck, reason, datagramLimit, payloadSource, payloadAt,
        payloadLength);
  }

  /**
   * This packet with bt's largest-datagram announcement ({@link #EXT_DATAGRAM_LIMIT}).
   *
   * @param limit the largest UDP payload we accept, {@link UtpConfig#MIN_PACKET_SIZE} to {@link
   *     #MAX_DATAGRAM}
   * @return the new packet
   */
  public UtpPacket withDatagramLimit(int limit) {
    if (limit < UtpConfig.MIN_PACKET_SIZE || limit > MAX_DATAGRAM) {
      throw new IllegalArgumentException("datagram limit " + limit + " outside "
          + UtpConfig.MIN_PACKET_SIZE + ".." + MAX_DATAGRAM);
    }
    return new UtpPacket(type, connectionId, timestampMicros, timestampDifferenceMicros,
        windowSize, seqNr, ackNr, selectiveAck, closeReason, limit, payloadSource, payloadAt,
        payloadLength);
  }

  /**
   * This packet with a payload: the bytes from {@code payload}'s position to its limit, not
   * copied (the caller must not change them while the packet is in use).
   *
   * @param payload the bytes
   * @return the new packet
   */
  public UtpPacket withPayload(ByteBuffer payload) {
    return new UtpPacket(type, connectionId, timestampMicros, timestampDifferenceMicros,
        windowSize, seqNr, ackNr, selectiveAck, closeReason, datagramLimit,
        payload, payload.position(), payload.remaining());
  }

  /**
   * Whether a datagram's first byte can start a uTP packet (version 1, a known type), the test a
   * UDP socket shared with the DHT uses to tell them apart: a KRPC message is a bencoded
   * dictionary, whose first byte {@code 'd'} (0x64) is no uTP type.
   *
   * @param datagram the datagram, from its position (not changed)
   * @return whether to hand it to uTP
   */
  public static boolean looksLikeUtp(ByteBuffer datagram) {
    if (datagram.remaining() < HEADER_SIZE) {
      return false;
    }
    int b = datagram.get(datagram.position()) & 0xFF;
    return (b & 0x0F) == VERSION && (b >>> 4) <= Type.SYN.ordinal();
  }

  /**
   * Decodes one datagram, from its position to its limit (the position is not changed).
   *
   * @param datagram the bytes as received
   * @return the packet; its payload is a view of {@code datagram}'s buffer
   * @throws UtpException if the datagram breaks a rule: too short for its header or extensions,
   *     another version, an unknown type, a malformed extension
   */
  public static UtpPacket decode(ByteBuffer datagram) throws UtpException {
    // absolute reads from the datagram: no view of it per packet (this runs for every datagram)
    final ByteBuffer b = datagram;
    final int limit = b.limit();
    int at = b.position();
    if (limit - at < HEADER_SIZE) {
      throw new UtpException(UtpException.Rule.TOO_SHORT, limit - at,
          "datagram of " + (limit - at) + " bytes, shorter than the 20-byte uTP header");
    }
    int first = b.get(at) & 0xFF;
    int version = first & 0x0F;
    if (version != VERSION) {
      throw new UtpException(UtpException.Rule.BAD_VERSION, version,
          "uTP version " + version + ", not 1");
    }
    int typeCode = first >>> 4;
    if (typeCode >= Type.VALUES.length) {
      throw new UtpException(UtpException.Rule.BAD_TYPE, typeCode,
          "uTP packet type " + typeCode + ", not 0 to 4");
    }
    int ext = b.get(at + 1) & 0xFF;
    int connectionId = b.getShort(at + 2) & 0xFFFF;
    int timestamp = b.getInt(at + 4);
    int timestampDiff = b.getInt(at + 8);
    long window = b.getInt(at + 12) & 0xFFFF_FFFFL;
    int seq = b.getShort(at + 16) & 0xFFFF;
    int ack = b.getShort(at + 18) & 0xFFFF;
    at += HEADER_SIZE;
    byte[] mask = NO_MASK;
    int closeReason = -1;
    int datagramLimit = -1;
    while (ext != 0) {
      if (limit - at < 2) {
        throw new UtpException(UtpException.Rule.TOO_SHORT, limit - at,
            "extension " + ext + " cut off before its header");
      }
      int next = b.get(at) & 0xFF;
      int len = b.get(at + 1) & 0xFF;
      at += 2;
      if (limit - at < len) {
        throw new UtpException(UtpException.Rule.TOO_SHORT, len,
            "extension " + ext + " of " + len + " bytes, " + (limit - at) + " left");
      }
      if (ext == EXT_SELECTIVE_ACK) {
        if (mask != NO_MASK) {
          throw new UtpException(UtpException.Rule.BAD_EXTENSION, ext, "two selective ACKs");
        }
        if (len < 4 || len % 4 != 0) {
          throw new UtpException(UtpException.Rule.BAD_EXTENSION, len,
              "selective ACK of " + len + " bytes, not a multiple of 4 from 4");
        }
        mask = new byte[len];
        for (int i = 0; i < len; i++) {
          mask[i] = b.get(at + i);
        }
      } else if (ext == EXT_CLOSE_REASON && len == 4 && closeReason < 0) {
        closeReason = b.getShort(at + 2) & 0xFFFF; // after two reserved bytes
      } else if (ext == EXT_DATAGRAM_LIMIT && len == DATAGRAM_LIMIT_LENGTH && datagramLimit < 0
          && b.get(at) == 'b' && b.get(at + 1) == 't') {
        // outside the range it is not ours, or broken: ignored like an unknown extension
        int announced = b.getShort(at + 2) & 0xFFFF;
        if (announced >= UtpConfig.MIN_PACKET_SIZE && announced <= MAX_DATAGRAM) {
          datagramLimit = announced;
        }
      } // else unknown: skipped, as BEP 29 asks
      at += len;
      ext = next;
    }
    return at < limit
        ? new UtpPacket(Type.VALUES[typeCode], connectionId, timestamp, timestampDiff, window,
            seq, ack, mask, closeReason, datagramLimit, b, at, limit - at)
        : new UtpPacket(Type.VALUES[typeCode], connectionId, timestamp, timestampDiff, window,
            seq, ack, mask, closeReason, datagramLimit, EMPTY, 0, 0);
  }

  /** Bytes {@link #encode} writes. */
  public int encodedLength() {
    int n = HEADER_SIZE + payloadLength;
    if (selectiveAck.length > 0) {
      n += 2 + selectiveAck.length;
    }
    if (closeReason >= 0) {
      n += 2 + 4;
    }
    if (datagramLimit >= 0) {
      n += 2 + DATAGRAM_LIMIT_LENGTH;
    }
    return n;
  }

  /**
   * Writes the packet at {@code dst}'s position, advancing it.
   *
   * @param dst where to write; needs {@link #encodedLength()} bytes
   * @throws java.nio.BufferOverflowException if it has too little room (nothing is written)
   */
  public void encode(ByteBuffer dst) {
    if (dst.remaining() < encodedLength()) {
      throw new java.nio.BufferOverflowException();
    }
    int afterClose = datagramLimit >= 0 ? EXT_DATAGRAM_LIMIT : 0;
    int afterSack = closeReason >= 0 ? EXT_CLOSE_REASON : afterClose;
    int firstExt = selectiveAck.length > 0 ? EXT_SELECTIVE_ACK : afterSack;
    dst.put((byte) (type.code() << 4 | VERSION));
    dst.put((byte) firstExt);
    dst.putShort((short) connectionId);
    dst.putInt(timestampMicros);
    dst.putInt(timestampDifferenceMicros);
    dst.putInt((int) windowSize);
    dst.putShort((short) seqNr);
    dst.putShort((short) ackNr);
    if (selectiveAck.length > 0) {
      dst.put((byte) afterSack);
      dst.put((byte) selectiveAck.length);
      dst.put(selectiveAck);
    }
    if (closeReason >= 0) {
      dst.put((byte) afterClose);
      dst.put((byte) 4);
      dst.putShort((short) 0);
      dst.putShort((short) closeReason);
    }
    if (datagramLimit >= 0) {
      dst.put((byte) 0);
      dst.put((byte) DATAGRAM_LIMIT_LENGTH);
      dst.put((byte) 'b');
      dst.put((byte) 't');
      dst.putShort((short) datagramLimit);
      dst.putInt(0);
    }
    if (payloadLength == 0) {
      return;
    }
    if (payloadSource.hasArray()) {
      dst.put(payloadSource.array(), payloadSource.arrayOffset() + payloadAt, payloadLength);
    } else {
      dst.put(payloadView());
    }
  }

  /** The type. */
  public Type type() {
    return type;
  }

  /** The connection id, 0 to 65535. */
  public int connectionId() {
    return connectionId;
  }

  /** The sender's clock when it sent the packet, microseconds (the low 32 bits; wraps). */
  public int timestampMicros() {
    return timestampMicros;
  }

  /** The delay the sender last measured on packets from us, microseconds. */
  public int timestampDifferenceMicros() {
    return timestampDifferenceMicros;
  }

  /** The sender's receive window: bytes it can take beyond those in flight. */
  public long windowSize() {
    return windowSize;
  }

  /** The sequence number, 0 to 65535. */
  public int seqNr() {
    return seqNr;
  }

  /** The last sequence number the sender received in order, 0 to 65535. */
  public int ackNr() {
    return ackNr;
  }

  /** Whether the packet carries a selective ACK. */
  public boolean hasSelectiveAck() {
    return selectiveAck.length > 0;
  }

  /** The selective ACK's bitmask (a copy), empty when there is none. */
  public byte[] selectiveAck() {
    return selectiveAck.clone();
  }

  /** The number of packets the selective ACK covers: 8 per byte of its mask (0 if none). */
  public int selectiveAckSpan() {
    return selectiveAck.length * 8;
  }

  /**
   * Whether the selective ACK says that packet {@code seq} arrived (beyond {@code ackNr + 1},
   * which is missing by definition); false outside the mask or with none.
   *
   * @param seq a sequence number, 0 to 65535
   * @return whether it is acknowledged selectively
   */
  public boolean isSelectivelyAcked(int seq) {
    int i = SeqNr.distance(SeqNr.wrap(ackNr + 2), seq);
    if (i >= selectiveAck.length * 8) {
      return false;
    }
    return (selectiveAck[i >>> 3] & (1 << (i & 7))) != 0;
  }

  /** libtorrent's close reason, when the packet carries one. */
  public OptionalInt closeReason() {
    return closeReason < 0 ? OptionalInt.empty() : OptionalInt.of(closeReason);
  }

  /** bt's largest-datagram announcement, when the packet carries one. */
  public OptionalInt datagramLimit() {
    return datagramLimit < 0 ? OptionalInt.empty() : OptionalInt.of(datagramLimit);
  }

  /** The payload: a read-only view (of the datagram's buffer when decoded), maybe empty. */
  public ByteBuffer payload() {
    return payloadView().asReadOnlyBuffer();
  }

  private ByteBuffer payloadView() {
    if (payloadLength == 0) {
      return EMPTY.duplicate();
    }
    ByteBuffer v = payloadSource.duplicate();
    ((Buffer) v).limit(payloadAt + payloadLength);
    ((Buffer) v).position(payloadAt);
    return v;
  }

  /** The payload's length in bytes. */
  int payloadLength() {
    return payloadLength;
  }

  /** Copies the payload into {@code dst} from index 0 (room for {@link #payloadLength}). */
  void copyPayload(byte[] dst) {
    if (payloadSource.hasArray()) {
      System.arraycopy(payloadSource.array(), payloadSource.arrayOffset() + payloadAt, dst, 0,
          payloadLength);
    } else if (payloadLength > 0) {
      payloadView().get(dst, 0, payloadLength);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof UtpPacket)) {
      return false;
    }
    UtpPacket p = (UtpPacket) o;
    return type == p.type && connectionId == p.connectionId
        && timestampMicros == p.timestampMicros
        && timestampDifferenceMicros == p.timestampDifferenceMicros
        && windowSize == p.windowSize && seqNr == p.seqNr && ackNr == p.ackNr
        && closeReason == p.closeReason && datagramLimit == p.datagramLimit && Arrays.equals(selectiveAck, p.selectiveAck)
        && payloadView().equals(p.payloadView());
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(type, connectionId, timestampMicros, timestampDifferenceMicros,
        windowSize, seqNr, ackNr, closeReason, datagramLimit);
    return 31 * (31 * h + Arrays.hashCode(selectiveAck)) + payloadView().hashCode();
  }

  @Override
  public String toString() {
    return "UtpPacket[" + type + " conn " + connectionId + " seq " + seqNr + " ack " + ackNr
        + " wnd " + windowSize + (selectiveAck.length > 0 ? " sack " + selectiveAck.length * 8
        : "") + (closeReason >= 0 ? " reason " + closeReason : "")
        + (datagramLimit >= 0 ? " limit " + datagramLimit : "") + " payload "
        + payloadLength + "]";
  }
}
