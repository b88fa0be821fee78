package io.btlib.benchmarks;

import io.btlib.client.PeerSource;
import java.net.InetSocketAddress;
import java.util.OptionalInt;

/**
 * Two peer sources as one (a client takes one): the trackers and the DHT. Sessions open and close
 * together; the DHT's port and the nodes peers tell of go to the DHT.
 */
final class BothSources implements PeerSource {
  private final PeerSource trackers;
  private final PeerSource dht;

  BothSources(PeerSource trackers, PeerSource dht) {
    this.trackers = trackers;
    this.dht = dht;
  }

  @Override
  public Session open(Context context) {
    Session a = trackers.open(context);
    Session b = dht.open(context);
    return new Session() {
      @Override
      public void completed() {
        a.completed();
        b.completed();
      }

      @Override
      public void close() {
        try {
          a.close();
        } finally {
          b.close();
        }
      }
    };
  }

  @Override
  public OptionalInt dhtPort() {
    return dht.dhtPort();
  }

  @Override
  public void dhtNodeSeen(InetSocketAddress node) {
    dht.dhtNodeSeen(node);
  }
}
