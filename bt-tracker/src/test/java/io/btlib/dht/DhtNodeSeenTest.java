package io.btlib.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine's side of BEP 5 PORT messages: {@link DhtNode#dhtPort} and dhtNodeSeen. */
@Timeout(20)
class DhtNodeSeenTest {

  private static DhtNode.Builder builder() {
    return DhtNode.builder().bindAddress(InetAddress.getLoopbackAddress())
        .queryTimeout(Duration.ofMillis(500));
  }

  @Test
  void reportsItsPortOnlyWhileRunningAndNotReadOnly() throws Exception {
    DhtNode idle = builder().build();
    assertThat(idle.dhtPort()).isEmpty();
    try (DhtNode n = builder().build().start();
        DhtNode ro = builder().readOnly(true).build().start()) {
      assertThat(n.dhtPort()).hasValue(n.localAddress().getPort());
      assertThat(ro.dhtPort()).isEmpty();
      n.close();
      assertThat(n.dhtPort()).isEmpty();
    }
  }

  @Test
  void aNodeAPeerAnnouncedJoinsTheRoutingTableWhenItAnswers() throws Exception {
    try (DhtNode a = builder().build().start(); DhtNode b = builder().build().start()) {
      assertThat(a.routingTableSize()).isZero();
      a.dhtNodeSeen(b.localAddress());
      long deadline = System.nanoTime() + 10_000_000_000L;
      while ((a.routingTableSize() == 0 || b.routingTableSize() == 0)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(a.routingTableSize()).isEqualTo(1);
      assertThat(b.routingTableSize()).isEqualTo(1); // b learnt a from the ping
    }
  }

  @Test
  void ignoresNodesItCannotReachAndNeverThrows() throws Exception {
    try (DhtNode a = builder().build().start()) {
      a.dhtNodeSeen(null);
      a.dhtNodeSeen(InetSocketAddress.createUnresolved("example.invalid", 6881));
      a.dhtNodeSeen(new InetSocketAddress(InetAddress.getByName("::1"), 6881)); // other family
      for (int i = 0; i < 1000; i++) { // a flood is capped, not queued without bound
        a.dhtNodeSeen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1 + i));
      }
      Thread.sleep(200);
      assertThat(a.stats().pendingQueries()).isLessThanOrEqualTo(4 * 64);
    }
    DhtNode notStarted = builder().build();
    notStarted.dhtNodeSeen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 6881));
  }
}
