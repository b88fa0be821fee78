package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import java.net.InetSocketAddress;
import java.util.Objects;

/** A DHT node's id and UDP address, as carried in compact node info (26 or 38 bytes). */
public record NodeInfo(NodeId id, InetSocketAddress address) {
  /** Checks that the address is resolved. */
  public NodeInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("node address is unresolved: " + address);
    }
  }
}
