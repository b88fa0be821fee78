package io.btlib.dht.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tokens, the rate limiter and the peer store, with time given by the test. */
class SmallPartsTest {
  final Random random = new Random(9);
  final InetAddress alice = InetAddress.getLoopbackAddress();
  final InetAddress bob = addr("127.0.0.2");

  static InetAddress addr(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aTokenIsValidForItsIpOnlyAndSurvivesOneRotationButNotTwo() {
    Tokens tokens = new Tokens(random, 0);
    byte[] t = tokens.tokenFor(alice, 0);
    assertThat(t).hasSize(Tokens.LENGTH);
    assertThat(tokens.isValid(t, alice, 1)).isTrue();
    assertThat(tokens.isValid(t, bob, 1)).isFalse();

    assertThat(tokens.isValid(t, alice, Tokens.ROTATE_MILLIS)).as("previous secret").isTrue();
    assertThat(tokens.tokenFor(alice, Tokens.ROTATE_MILLIS)).isNotEqualTo(t);
    assertThat(tokens.isValid(t, alice, 2 * Tokens.ROTATE_MILLIS)).as("older").isFalse();
  }

  @Test
  void aTokenIsRejectedAfterALongIdleGapEvenWithoutIntermediateRotations() {
    Tokens tokens = new Tokens(random, 0);
    byte[] t = tokens.tokenFor(alice, 0);
    assertThat(tokens.isValid(t, alice, 3 * Tokens.ROTATE_MILLIS)).isFalse();
  }

  @Test
  void malformedTokensAreRejected() {
    Tokens tokens = new Tokens(random, 0);
    assertThat(tokens.isValid(null, alice, 0)).isFalse();
    assertThat(tokens.isValid(new byte[3], alice, 0)).isFalse();
    assertThat(tokens.isValid(new byte[Tokens.LENGTH], alice, 0)).isFalse();
  }

  @Test
  void theRateLimiterAllowsABurstThenTheSustainedRatePerIp() {
    RateLimiter limiter = new RateLimiter(10, 5);
    int allowed = 0;
    for (int i = 0; i < 20; i++) {
      if (limiter.tryAcquire(alice, 0)) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(5);
    assertThat(limiter.tryAcquire(bob, 0)).as("another IP has its own bucket").isTrue();
    assertThat(limiter.tryAcquire(alice, 99)).isFalse();
    assertThat(limiter.tryAcquire(alice, 100)).as("one token after 100 ms at 10/s").isTrue();
    assertThat(limiter.tryAcquire(alice, 100)).isFalse();
    int later = 0;
    for (int i = 0; i < 20; i++) {
      if (limiter.tryAcquire(alice, 60_000)) {
        later++;
      }
    }
    assertThat(later).as("refills only up to the burst").isEqualTo(5);
  }

  @Test
  void thePeerStoreCapsPeersPerHashAndInfoHashesAndExpiresOldAnnounces() {
    PeerStore store = new PeerStore(2, 3, 1000);
    NodeId h1 = NodeId.random(random);
    NodeId h2 = NodeId.random(random);
    NodeId h3 = NodeId.random(random);
    for (int port = 1; port <= 5; port++) {
      store.add(h1, PeerAddress.of(alice, port), 0);
    }
    assertThat(store.get(h1, 100, 0, random))
        .containsExactlyInAnyOrder(
            PeerAddress.of(alice, 3), PeerAddress.of(alice, 4), PeerAddress.of(alice, 5));
    assertThat(store.get(h1, 2, 0, random)).hasSize(2);

    store.add(h2, PeerAddress.of(alice, 9), 10);
    store.add(h3, PeerAddress.of(alice, 9), 20);
    assertThat(store.infoHashes()).isEqualTo(2);
    assertThat(store.get(h1, 100, 20, random))
        .as("least recently announced hash dropped")
        .isEmpty();
    assertThat(store.peers()).isEqualTo(2);

    assertThat(store.get(h2, 100, 1010, random)).as("expired").isEmpty();
    store.expire(1010);
    assertThat(store.infoHashes()).isEqualTo(1);
    store.expire(1020);
    assertThat(store.infoHashes()).as("one sweep a minute at most").isEqualTo(1);
    store.expire(1010 + PeerStore.EXPIRE_EVERY_MILLIS);
    assertThat(store.infoHashes()).isZero();
    assertThat(store.peers()).isZero();
  }

  @Test
  void reannouncingRefreshesAPeerWithoutCountingItTwice() {
    PeerStore store = new PeerStore(10, 10, 1000);
    NodeId h = NodeId.random(random);
    store.add(h, PeerAddress.of(alice, 1), 0);
    store.add(h, PeerAddress.of(alice, 1), 900);
    assertThat(store.peers()).isEqualTo(1);
    assertThat(store.get(h, 10, 1500, random)).containsExactly(PeerAddress.of(alice, 1));
  }
}
