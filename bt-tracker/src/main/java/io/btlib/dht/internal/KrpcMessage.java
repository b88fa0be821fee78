package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.util.List;

/**
 * A decoded KRPC message (BEP 5): a query, a response or an error. Byte arrays are owned by the
 * message and are not copied; callers must not change them.
 */
public sealed interface KrpcMessage
    permits KrpcMessage.Query, KrpcMessage.Response, KrpcMessage.Error {

  /** The transaction id ({@code t}), 1 to {@link KrpcCodec#MAX_TRANSACTION_ID} bytes. */
  byte[] transactionId();

  /** The KRPC query methods. */
  enum Method {
    PING("ping"),
    FIND_NODE("find_node"),
    GET_PEERS("get_peers"),
    ANNOUNCE_PEER("announce_peer");

    final String wire;

    Method(String wire) {
      this.wire = wire;
    }

    /** The method name on the wire. */
    public String wire() {
      return wire;
    }
  }

  /**
   * A query. {@code target} is set for find_node, {@code infoHash} for get_peers and announce_peer;
   * {@code port}, {@code impliedPort} and {@code token} for announce_peer.
   *
   * @param readOnly the BEP 43 {@code ro} flag
   * @param version the {@code v} client version, or null
   * @param want the BEP 32 {@code want} of a find_node or get_peers: {@link #WANT_N4} and/or
   *     {@link #WANT_N6}, or 0 when absent (the requester's own address family is meant)
   */
  record Query(
      byte[] transactionId,
      Method method,
      NodeId id,
      NodeId target,
      NodeId infoHash,
      int port,
      boolean impliedPort,
      byte[] token,
      boolean readOnly,
      byte[] version,
      int want)
      implements KrpcMessage {

    /** {@code want} has {@code n4}: IPv4 nodes. */
    public static final int WANT_N4 = 1;
    /** {@code want} has {@code n6}: IPv6 nodes. */
    public static final int WANT_N6 = 2;

    /** A query without {@code want}. */
    public Query(byte[] transactionId, Method method, NodeId id, NodeId target, NodeId infoHash,
        int port, boolean impliedPort, byte[] token, boolean readOnly, byte[] version) {
      this(transactionId, method, id, target, infoHash, port, impliedPort, token, readOnly,
          version, 0);
    }

    /** A ping. */
    public static Query ping(byte[] t, NodeId id, boolean ro) {
      return new Query(t, Method.PING, id, null, null, 0, false, null, ro, null);
    }

    /** A find_node. */
    public static Query findNode(byte[] t, NodeId id, NodeId target, boolean ro) {
      return new Query(t, Method.FIND_NODE, id, target, null, 0, false, null, ro, null);
    }

    /** A get_peers. */
    public static Query getPeers(byte[] t, NodeId id, NodeId infoHash, boolean ro) {
      return new Query(t, Method.GET_PEERS, id, null, infoHash, 0, false, null, ro, null);
    }

    /** An announce_peer. */
    public static Query announcePeer(
        byte[] t, NodeId id, NodeId infoHash, int port, boolean implied, byte[] token, boolean ro) {
      return new Query(t, Method.ANNOUNCE_PEER, id, null, infoHash, port, implied, token, ro, null);
    }
  }

  /**
   * A response. Absent parts are empty lists or null.
   *
   * @param ip the requester's address as the responder saw it (BEP 42 {@code ip}), or null
   */
  record Response(
      byte[] transactionId,
      NodeId id,
      List<NodeInfo> nodes,
      List<NodeInfo> nodes6,
      List<PeerAddress> values,
      byte[] token,
      PeerAddress ip,
      byte[] version)
      implements KrpcMessage {
    /** Checks the lists are present. */
    public Response {
      nodes = List.copyOf(nodes);
      nodes6 = List.copyOf(nodes6);
      values = List.copyOf(values);
    }
  }

  /** An error: {@code e} = [code, message]. */
  record Error(byte[] transactionId, int code, String message) implements KrpcMessage {}
}
