package io.btlib.wire;

import io.btlib.peer.PeerAddress;
import io.btlib.wire.WireException.Rule;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A BEP 55 {@code ut_holepunch} message, by which a peer both sides are connected to helps two
 * peers behind NATs or firewalls connect over uTP: the initiator asks the relay for a {@link
 * Type#RENDEZVOUS} with a target; the relay sends each of them a {@link Type#CONNECT} with the
 * other's endpoint, and both dial at once, so each one's own outgoing packet opens its NAT to
 * the other's; or the relay answers with an {@link Type#ERROR}.
 *
 * <pre>
 *   msg_type (1) | addr_type (1: 0 IPv4, 1 IPv6) | addr (4 or 16) | port (2) | err_code (4)
 * </pre>
 *
 * @param type what the message asks or says
 * @param peer the target of a rendezvous, the endpoint to dial of a connect, the target an error
 *     is about
 * @param errorCode 0 unless {@code type} is {@link Type#ERROR}: one of the {@code NO_*} codes
 *     (others are kept as received)
 */
public record HolepunchMessage(Type type, PeerAddress peer, int errorCode) {

  /** The message types, with their codes on the wire. */
  public enum Type {
    /** 0x00, to the relay: send connect messages to me and to the target. */
    RENDEZVOUS,
    /** 0x01, from the relay: dial this endpoint over uTP now. */
    CONNECT,
    /** 0x02, from the relay: the rendezvous cannot be done. */
    ERROR
  }

  /** The target's endpoint is not valid (BEP 55 error 1). */
  public static final int NO_SUCH_PEER = 1;
  /** The relay is not connected to the target (2). */
  public static final int NOT_CONNECTED = 2;
  /** The target does not support holepunching (3). */
  public static final int NO_SUPPORT = 3;
  /** The target is the relay itself (4). */
  public static final int NO_SELF = 4;

  /** Checks the values. */
  public HolepunchMessage {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(peer, "peer");
    if (type != Type.ERROR && errorCode != 0) {
      throw new IllegalArgumentException("error code " + errorCode + " on a " + type);
    }
  }

  /** A rendezvous request for {@code target}. */
  public static HolepunchMessage rendezvous(PeerAddress target) {
    return new HolepunchMessage(Type.RENDEZVOUS, target, 0);
  }

  /** A connect order: dial {@code peer}. */
  public static HolepunchMessage connect(PeerAddress peer) {
    return new HolepunchMessage(Type.CONNECT, peer, 0);
  }

  /** An error about {@code target}. */
  public static HolepunchMessage error(PeerAddress target, int code) {
    return new HolepunchMessage(Type.ERROR, target, code);
  }

  /** The payload (after the extended message header). */
  public byte[] encode() {
    byte[] ip = peer.address().getAddress();
    ByteBuffer b = ByteBuffer.allocate(1 + 1 + ip.length + 2 + 4);
    b.put((byte) type.ordinal());
    b.put((byte) (ip.length == 4 ? 0 : 1));
    b.put(ip);
    b.putShort((short) peer.port());
    b.putInt(errorCode);
    return b.array();
  }

  /**
   * Decodes a payload, from its position to its limit (the position is not changed).
   *
   * @throws WireException ({@link Rule#BAD_EXTENSION}) if the type or address type is unknown,
   *     the length is not the one the address type needs, the port is 0, or a non-error message
   *     carries an error code
   */
  public static HolepunchMessage decode(ByteBuffer payload) throws WireException {
    ByteBuffer b = payload.duplicate();
    if (b.remaining() < 2) {
      throw bad(b.remaining(), "of " + b.remaining() + " bytes, shorter than its header");
    }
    int type = b.get() & 0xFF;
    int addrType = b.get() & 0xFF;
    if (type > 2) {
      throw bad(type, "of unknown type " + type);
    }
    if (addrType > 1) {
      throw bad(addrType, "with unknown address type " + addrType);
    }
    int ipLength = addrType == 0 ? 4 : 16;
    if (b.remaining() != ipLength + 2 + 4) {
      throw bad(b.remaining() + 2, "of " + (b.remaining() + 2) + " bytes, not "
          + (ipLength + 8) + " as address type " + addrType + " needs");
    }
    byte[] ip = new byte[ipLength];
    b.get(ip);
    int port = b.getShort() & 0xFFFF;
    int error = b.getInt();
    if (port == 0) {
      throw bad(0, "with port 0");
    }
    Type t = Type.values()[type];
    if (t != Type.ERROR && error != 0) {
      throw bad(error, "of type " + t + " with error code " + error);
    }
    InetAddress address;
    try {
      address = InetAddress.getByAddress(ip);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 or 16 bytes are an address", e);
    }
    // an IPv4-mapped address under the IPv6 type comes back as the IPv4 one: that is the peer
    return new HolepunchMessage(t, PeerAddress.of(address, port), error);
  }

  private static WireException bad(long value, String what) {
    return new WireException(Rule.BAD_EXTENSION, -1, value, -1, "ut_holepunch message " + what);
  }
}
