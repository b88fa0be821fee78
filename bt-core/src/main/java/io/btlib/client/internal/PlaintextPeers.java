package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The peers an outgoing MSE handshake failed with, which an {@code ENABLED} client dials in plain
 * text instead: remembered for {@code memoryNanos} (a peer that once refused MSE may be
 * reconfigured, or may have failed for another reason), at most {@code capacity} of them, the
 * least recently used forgotten first. Engine thread only. Internal, not API.
 */
final class PlaintextPeers {
  private final int capacity;
  private final long memoryNanos;
  private final LinkedHashMap<PeerAddress, Long> since = new LinkedHashMap<>(64, 0.75f, true);

  PlaintextPeers(int capacity, long memoryNanos) {
    if (capacity < 1 || memoryNanos < 1) {
      throw new IllegalArgumentException("capacity and memory must be positive");
    }
    this.capacity = capacity;
    this.memoryNanos = memoryNanos;
  }

  /** Remembers that the MSE handshake with {@code peer} failed at {@code now}. */
  void remember(PeerAddress peer, long now) {
    since.put(peer, now);
    Iterator<Map.Entry<PeerAddress, Long>> it = since.entrySet().iterator();
    while (since.size() > capacity && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  /** Whether {@code peer} is to be dialled in plain text at {@code now}. */
  boolean isPlain(PeerAddress peer, long now) {
    Long t = since.get(peer);
    if (t == null) {
      return false;
    }
    if (now - t >= memoryNanos) {
      since.remove(peer); // time to try MSE again
      return false;
    }
    return true;
  }

  /** The peers remembered now (expired ones included until asked about). */
  int size() {
    return since.size();
  }
}
