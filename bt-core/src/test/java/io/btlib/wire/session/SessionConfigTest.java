package io.btlib.wire.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.Handshake;
import io.btlib.wire.WireLimits;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionConfigTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    SessionConfig c = SessionConfig.builder(Fixtures.ALICE, Fixtures.TORRENT).build();
    assertThat(c.pieceCount()).isEqualTo(-1);
    assertThat(c.hasPieceCount()).isFalse();
    assertThat(c.handshakeHash()).isEqualTo(Fixtures.V1);
    assertThat(c.reserved()).isEqualTo(Handshake.FAST | Handshake.EXTENSION_PROTOCOL);
    assertThat(c.keepAliveInterval()).isEqualTo(Duration.ofSeconds(120));
    assertThat(c.inactivityTimeout()).isEqualTo(Duration.ofSeconds(180));
    assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.maxMetadataSize()).isEqualTo(8 << 20);
    assertThat(c.maxQueuedRequests()).isEqualTo(500);
    assertThat(c.maxUnrequestedBlocks()).isEqualTo(200);
    assertThat(c.limits()).isEqualTo(WireLimits.DEFAULTS);
    ExtendedHandshake e = c.extendedHandshake();
    assertThat(e.extensions()).containsExactly(Map.entry("ut_metadata", 1),
        Map.entry("ut_pex", 2));
    assertThat(e.client()).hasValue("bt/0.1.0");
    assertThat(e.requestQueue()).hasValue(500);
    assertThat(e.metadataSize()).isEmpty();
  }

  @Test
  void uniformPiecesHaveAShortLastPiece() {
    assertThat(SessionConfig.pieceCountOf(Fixtures.TOTAL, Fixtures.PIECE_LENGTH)).isEqualTo(10);
    assertThat(SessionConfig.uniformPieces(Fixtures.TOTAL, Fixtures.PIECE_LENGTH).applyAsInt(9))
        .isEqualTo(1000);
    assertThat(SessionConfig.uniformPieces(64, 32).applyAsInt(1)).isEqualTo(32);
  }

  @Test
  void toBuilderKeepsEverythingAndAllowsChanges() {
    SessionConfig c = Fixtures.config(Fixtures.ALICE).dht(true).metadataSize(99).listenPort(7000)
        .maxQueuedRequests(42).fastExtension(false).build();
    SessionConfig same = c.toBuilder().build();
    assertThat(same.reserved()).isEqualTo(c.reserved());
    assertThat(same.extendedHandshake()).isEqualTo(c.extendedHandshake());
    assertThat(same.maxQueuedRequests()).isEqualTo(42);
    assertThat(same.pieceCount()).isEqualTo(10);
    SessionConfig changed = c.toBuilder().metadataSize(100).maxQueuedRequests(43).build();
    assertThat(changed.extendedHandshake().metadataSize()).hasValue(100);
    assertThat(changed.extendedHandshake().requestQueue()).hasValue(43);
    assertThat(changed.extendedHandshake().listenPort()).hasValue(7000);
  }

  @Test
  void aV2TorrentAnnouncesTheUpgradeBit() {
    SessionConfig c = SessionConfig.builder(Fixtures.ALICE, Fixtures.HYBRID)
        .handshakeHash(Fixtures.V2.truncated()).build();
    assertThat(c.reserved() & Handshake.V2_UPGRADE).isNotZero();
    assertThat(c.handshakeHash()).isEqualTo(Fixtures.V2.truncated());
  }

  @Test
  void settersRejectBadValuesNamingThem() {
    SessionConfig.Builder b = SessionConfig.builder(Fixtures.ALICE, Fixtures.TORRENT);
    assertThatThrownBy(() -> b.handshakeHash(Fixtures.OTHER))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Fixtures.OTHER.hex());
    assertThatThrownBy(() -> b.pieces(0, i -> 1))
        .hasMessageContaining("piece count must be >= 1: 0");
    assertThatThrownBy(() -> b.keepAliveInterval(Duration.ZERO))
        .hasMessageContaining("keepAliveInterval must be positive: PT0S");
    assertThatThrownBy(() -> b.maxQueuedRequests(0)).hasMessageContaining("0");
    assertThatThrownBy(() -> b.maxMetadataSize(-1)).hasMessageContaining("-1");
    assertThatThrownBy(() -> b.listenPort(70000)).hasMessageContaining("70000");
    assertThatThrownBy(() -> b.extensions(Map.of("a", 1, "b", 1)))
        .hasMessageContaining("distinct");
    assertThatThrownBy(() -> b.extensions(Map.of("a", 256))).hasMessageContaining("[1, 255]");
  }
}
