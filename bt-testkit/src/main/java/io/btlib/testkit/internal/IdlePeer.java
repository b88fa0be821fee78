package io.btlib.testkit.internal;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.wire.Handshake;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * A peer that dials, handshakes, maybe says it is interested, and then never requests anything:
 * it reads and drops whatever it is sent and keeps its connection. What a crowd of useless peers
 * looks like to a seeder (they must not cost it its upload slots or its real leechers).
 */
public final class IdlePeer implements SimSocket.Listener {
  private final InfoHash infoHash;
  private final boolean interested;
  private final PeerId id;

  /** Dials {@code target} from {@code host} for the torrent {@code infoHash}. */
  public IdlePeer(Network net, NetHost host, PeerAddress target, InfoHash infoHash,
      boolean interested, Random random) {
    this.infoHash = infoHash;
    this.interested = interested;
    this.id = PeerId.random("-ID0001-", random);
    net.dial(host, target, this).interest(SimSocket.READ);
  }

  @Override
  public void connectable(SimSocket s) {
    try {
      if (!s.finishConnect()) {
        return;
      }
      ByteBuffer out = ByteBuffer.allocate(Handshake.LENGTH + 5);
      new Handshake(0, infoHash, id).encode(out);
      if (interested) {
        out.put(new byte[] {0, 0, 0, 1, 2});
      }
      ((java.nio.Buffer) out).flip();
      s.write(out);
    } catch (IOException e) {
      s.close();
    }
  }

  @Override
  public void readable(SimSocket s) {
    drain(s);
  }

  /** Reads and drops what {@code s} has; closes it at the end of the stream or on an error. */
  public static void drain(SimSocket s) {
    ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
    try {
      int n;
      while ((n = s.read(sink)) > 0) {
        ((java.nio.Buffer) sink).clear();
      }
      if (n < 0) {
        s.close();
      }
    } catch (IOException e) {
      s.close();
    }
  }

  @Override
  public void writable(SimSocket s) {}
}
