package io.btlib.dht.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz target (Jazzer) for the DHT's KRPC codec, which reads datagrams from anyone.
 * It asserts the codec's contract: only {@link KrpcException} escapes; what is accepted keeps to
 * the documented limits; and its encoding is stable (decoding it and encoding again gives the same
 * bytes).
 *
 * <p>{@code mvn test} replays {@code src/test/resources/io/btlib/dht/internal/KrpcFuzzTestInputs/
 * krpc/}; {@code JAZZER_FUZZ=1 mvn -pl bt-tracker -am test -Dtest='KrpcFuzzTest#krpc'
 * -Dsurefire.failIfNoSpecifiedTests=false} fuzzes.
 */
class KrpcFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void krpc(byte[] data) {
    KrpcMessage m;
    try {
      m = KrpcCodec.decode(data);
    } catch (KrpcException e) {
      return;
    }
    assertThat(data.length).isLessThanOrEqualTo(KrpcCodec.MAX_PACKET_BYTES);
    assertThat(m.transactionId().length).isBetween(1, KrpcCodec.MAX_TRANSACTION_ID);
    if (m instanceof KrpcMessage.Response r) {
      assertThat(r.nodes().size()).isLessThanOrEqualTo(KrpcCodec.MAX_NODES);
      assertThat(r.nodes6().size()).isLessThanOrEqualTo(KrpcCodec.MAX_NODES);
      assertThat(r.values().size()).isLessThanOrEqualTo(KrpcCodec.MAX_VALUES);
      if (r.token() != null) {
        assertThat(r.token().length).isLessThanOrEqualTo(KrpcCodec.MAX_TOKEN);
      }
    } else if (m instanceof KrpcMessage.Query q && q.token() != null) {
      assertThat(q.token().length).isLessThanOrEqualTo(KrpcCodec.MAX_TOKEN);
    }
    byte[] once = KrpcCodec.encode(m);
    try {
      assertThat(KrpcCodec.encode(KrpcCodec.decode(once))).as("encoded, read back, encoded")
          .isEqualTo(once);
    } catch (KrpcException e) {
      throw new AssertionError("our own encoding refused: " + e.getMessage(), e);
    }
  }
}
