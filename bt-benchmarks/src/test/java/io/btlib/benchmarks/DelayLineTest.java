package io.btlib.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delay line relays bytes intact both ways, and a bt download through it completes. */
class DelayLineTest {
  @TempDir Path tmp;

  @Test
  void bytesPassBothWaysIntactAndInOrder() throws Exception {
    byte[] up = new byte[3 << 20];
    new Random(1).nextBytes(up);
    try (ServerSocket echo = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        DelayLine line = DelayLine.start(0, (InetSocketAddress) echo.getLocalSocketAddress(),
            20_000_000L, 20L << 20)) {
      Thread server = new Thread(() -> {
        try (Socket s = echo.accept()) {
          s.getInputStream().transferTo(s.getOutputStream()); // echo until the relay half-closes
          s.shutdownOutput();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      server.start();
      try (Socket s = new Socket()) {
        s.connect(line.address());
        s.setSoTimeout(30_000);
        Thread writer = new Thread(() -> {
          try {
            OutputStream out = s.getOutputStream();
            out.write(up);
            s.shutdownOutput();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
        writer.start();
        byte[] back = new byte[up.length];
        InputStream in = s.getInputStream();
        new DataInputStream(in).readFully(back);
        assertThat(in.read()).as("the relay passes the echo's end of stream").isEqualTo(-1);
        writer.join();
        assertThat(back).isEqualTo(up);
      }
      server.join();
    }
  }

  @Test
  void aDownloadAcrossALongRoundTripCompletesWithTheRightBytes() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("seed"));
    Path file = src.resolve("data.bin");
    byte[] data = new byte[6 << 20];
    new Random(2).nextBytes(data);
    Files.write(file, data);
    Metainfo m = TorrentCreator.builder(file).format(TorrentVersion.V1).pieceLength(256 * 1024)
        .noCreationDate().build().create();
    BitSet all = new BitSet();
    all.set(0, m.pieceCount());
    Path out = Files.createDirectories(tmp.resolve("download"));
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      seeder.add(m, FileStorage.open(m, src), all).start();
      // 100 ms each way (200 ms round trip), 20 MiB/s
      try (DelayLine line = DelayLine.start(0, seeder.listenAddress(), 100_000_000L, 20L << 20)) {
        Torrent t = leecher.add(m, FileStorage.open(m, out));
        t.addPeer(PeerAddress.of(InetAddress.getLoopbackAddress(), line.port()));
        t.start();
        t.completion().get(2, TimeUnit.MINUTES); // a bound on a hang, not a speed assertion
      }
    }
    assertThat(Files.readAllBytes(out.resolve("data.bin"))).isEqualTo(data);
  }
}
