package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Recognising our own listen endpoint among the peers a source reports, before any dial. */
class ListenEndpointTest {
  private static final Supplier<Set<InetAddress>> LOCAL = () -> Set.of(ip("192.0.2.7"));

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean isOurs(String peer, int port, String listen, int listenPort) {
    return Engine.isListenEndpoint(PeerAddress.of(peer, port),
        new InetSocketAddress(ip(listen), listenPort), LOCAL);
  }

  @Test
  void theListenAddressAndPortAreOurs() {
    assertThat(isOurs("127.0.0.1", 6881, "127.0.0.1", 6881)).isTrue();
  }

  @Test
  void anotherPortOnOurIpIsSomeoneElse() {
    assertThat(isOurs("127.0.0.1", 6882, "127.0.0.1", 6881)).isFalse();
    assertThat(isOurs("192.0.2.7", 6882, "0.0.0.0", 6881)).isFalse();
  }

  @Test
  void withAWildcardListenAddressOurPortOnAnyLocalAddressIsOurs() {
    assertThat(isOurs("127.0.0.1", 6881, "0.0.0.0", 6881)).isTrue();
    assertThat(isOurs("192.0.2.7", 6881, "0.0.0.0", 6881)).isTrue();
    assertThat(isOurs("::1", 6881, "::", 6881)).isTrue();
  }

  @Test
  void withAWildcardListenAddressOurPortElsewhereIsSomeoneElse() {
    assertThat(isOurs("198.51.100.1", 6881, "0.0.0.0", 6881)).isFalse();
  }

  @Test
  void withASpecificListenAddressOtherLocalAddressesAreNotAssumedOurs() {
    assertThat(isOurs("192.0.2.7", 6881, "127.0.0.1", 6881)).isFalse();
  }
}
