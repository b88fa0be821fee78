package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.utp.UtpConfig;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** bt clients talking uTP (BEP 29) to each other over loopback UDP. */
class UtpTransportTest {

  private static Torrent seed(Client seeder, Metainfo m, byte[] data) throws Exception {
    Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
    s.start();
    s.completion().get(10, TimeUnit.SECONDS);
    return s;
  }

  @Test
  void aUtpOnlyLeecherDownloadsFromAUtpOnlySeeder() throws Exception {
    byte[] data = TestTorrents.random(3 * 1024 * 1024 + 4321, 31);
    Metainfo m = TestTorrents.v1(data, 64 * 1024, 1_000_000, data.length - 1_000_000);
    // a uTP-only client binds no TCP socket: the download can only have gone over uTP
    try (Client seeder = Client.builder().transport(Transport.UTP).build();
        Client leecher = Client.builder().transport(Transport.UTP).build()) {
      seed(seeder, m, data);
      Torrent l = SwarmTest.downloadFrom(seeder, leecher, m, data);
      assertThat(l.status().hashFailures()).isZero();
    }
  }

  /**
   * A leecher with small packets and buffers of its own ({@link Client.Builder#utp}) and a seeder
   * with the defaults (64,000-byte datagrams on loopback) agree on the leecher's size (that the
   * seeder keeps to it is {@code UtpDatagramLimitTest}'s) and the download completes.
   */
  @Test
  void aClientWithItsOwnUtpSettingsDownloadsFromOneWithTheDefaults() throws Exception {
    byte[] data = TestTorrents.random(2 * 1024 * 1024 + 5, 36);
    Metainfo m = TestTorrents.v1(data, 64 * 1024);
    UtpConfig small = new UtpConfig(1200, 1200, 256 * 1024, 256 * 1024,
        java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(5),
        java.time.Duration.ofSeconds(30));
    Client.Builder leecherBuilder = Client.builder().transport(Transport.UTP).utp(small);
    assertThat(leecherBuilder.config().utp()).isSameAs(small);
    assertThat(Client.builder().config().utp()).isEqualTo(UtpConfig.defaults());
    try (Client seeder = Client.builder().transport(Transport.UTP).build();
        Client leecher = leecherBuilder.build()) {
      seed(seeder, m, data);
      Torrent l = SwarmTest.downloadFrom(seeder, leecher, m, data);
      assertThat(l.status().hashFailures()).isZero();
    }
  }

  @Test
  void aClientWithBothTransportsFallsBackToUtpWhenTcpIsRefused() throws Exception {
    byte[] data = TestTorrents.random(1024 * 1024 + 99, 32);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client seeder = Client.builder().transport(Transport.UTP).build();
        Client leecher = Client.builder().build()) { // BOTH, the default: TCP first
      seed(seeder, m, data);
      SwarmTest.downloadFrom(seeder, leecher, m, data);
    }
  }

  @Test
  void forcedEncryptionRunsOverUtp() throws Exception {
    byte[] data = TestTorrents.random(1024 * 1024 + 7, 33);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client seeder = Client.builder().transport(Transport.UTP)
            .encryption(EncryptionPolicy.FORCED).build();
        Client leecher = Client.builder().transport(Transport.UTP)
            .encryption(EncryptionPolicy.FORCED).build()) {
      seed(seeder, m, data);
      SwarmTest.downloadFrom(seeder, leecher, m, data);
    }
  }

  /** The seeder dials (so it is the MSE initiator) and RC4 carries the payload both ways. */
  @Test
  void aSeederDiallingOverUtpWithForcedEncryptionServesTheLeecher() throws Exception {
    byte[] data = TestTorrents.random(1024 * 1024 + 77, 35);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client seeder = Client.builder().transport(Transport.UTP)
            .encryption(EncryptionPolicy.FORCED).build();
        Client leecher = Client.builder().transport(Transport.UTP)
            .encryption(EncryptionPolicy.FORCED).build()) {
      Torrent s = seed(seeder, m, data);
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      l.start();
      s.addPeer(SwarmTest.addressOf(leecher));
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
    }
  }

  /**
   * A flood at the seeder's UDP port: 1,000 SYNs from one address (each a new connection id,
   * never followed by data), garbage, and packets for connections that do not exist. The
   * multiplexer keeps at most a bounded number of silent connections (never handed to the
   * engine) and answers unknown ones with at most a bounded number of RESETs; a real leecher
   * still downloads everything.
   */
  @Test
  void aFloodOfSynsAndGarbageDoesNotStopAUtpDownload() throws Exception {
    byte[] data = TestTorrents.random(1024 * 1024 + 3, 36);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client seeder = Client.builder().transport(Transport.UTP).build();
        Client leecher = Client.builder().transport(Transport.UTP).build();
        // the flood comes from another address (127.0.0.2): one address may hold only 16
        // pending connections, so a flood from the leecher's own address would delay it until
        // the flood's connections time out (10 s)
        java.net.DatagramSocket flood = new java.net.DatagramSocket(
            new java.net.InetSocketAddress("127.0.0.2", 0))) {
      seed(seeder, m, data);
      java.util.Random r = new java.util.Random(7);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1500);
      for (int i = 0; i < 3000; i++) {
        b.clear();
        io.btlib.utp.UtpPacket.Type type = i % 3 == 0 ? io.btlib.utp.UtpPacket.Type.SYN
            : i % 3 == 1 ? io.btlib.utp.UtpPacket.Type.DATA : io.btlib.utp.UtpPacket.Type.STATE;
        io.btlib.utp.UtpPacket.of(type, r.nextInt(65536), 0, 0, 65536, r.nextInt(65536),
            r.nextInt(65536)).encode(b);
        b.flip();
        flood.send(new java.net.DatagramPacket(b.array(), b.limit(), seeder.listenAddress()));
        byte[] junk = new byte[r.nextInt(100)];
        r.nextBytes(junk);
        flood.send(new java.net.DatagramPacket(junk, junk.length, seeder.listenAddress()));
      }
      SwarmTest.downloadFrom(seeder, leecher, m, data);
    }
  }

  @Test
  void aUtpSwarmSharesPiecesBetweenLeechers() throws Exception {
    byte[] data = TestTorrents.random(2 * 1024 * 1024 + 555, 34);
    Metainfo m = TestTorrents.v1(data, 32 * 1024, 700_001, data.length - 700_001);
    SwarmTest.swarm(m, data, 3, () -> Client.builder().transport(Transport.UTP));
  }
}
