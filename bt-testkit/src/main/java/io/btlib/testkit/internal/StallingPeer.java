package io.btlib.testkit.internal;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerId;
import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.WireEncoder;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Random;

/**
 * A peer that stalls: it answers the handshake, claims every piece, unchokes and reads every
 * request, and never sends a block, only keep-alives every minute, so its connections stay up.
 * The worst kind of peer for a downloader that waits on the requests it gave it. One listening
 * port on a {@link NetHost}.
 */
public final class StallingPeer implements SimSocket.Listener {
  private static final long KEEP_ALIVE_NANOS = 60_000_000_000L;

  private final Network net;
  private final InfoHash infoHash;
  private final int pieceCount;
  private final PeerId id;

  /** Listens on {@code port} of {@code host} for peers of the torrent {@code infoHash}. */
  public StallingPeer(Network net, NetHost host, int port, InfoHash infoHash, int pieceCount,
      Random random) {
    this.net = net;
    this.infoHash = infoHash;
    this.pieceCount = pieceCount;
    this.id = PeerId.random("-ST0001-", random);
    net.listen(host, port, s -> {
      s.listener(this);
      s.interest(SimSocket.READ);
    });
  }

  /** Per connection: the handshake read so far, and whether ours went out. */
  private static final class State {
    final ByteBuffer handshake = ByteBuffer.allocate(Handshake.LENGTH);
    boolean answered;
  }

  @Override
  public void connectable(SimSocket s) {}

  @Override
  public void readable(SimSocket s) {
    State st = (State) s.attachment();
    if (st == null) {
      st = new State();
      s.attach(st);
    }
    ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
    try {
      for (;;) {
        ByteBuffer into = st.answered ? sink : st.handshake;
        ((java.nio.Buffer) sink).clear();
        int n = s.read(into);
        if (n < 0) {
          s.close();
          return;
        }
        if (n == 0) {
          break;
        }
        if (!st.answered && !st.handshake.hasRemaining()) {
          st.answered = true;
          answer(s);
        }
      }
    } catch (java.io.IOException e) {
      s.close();
    }
  }

  private void answer(SimSocket s) throws java.io.IOException {
    ByteBuffer out = ByteBuffer.allocate(Handshake.LENGTH + 16 + pieceCount / 8 + 8);
    new Handshake(0, infoHash, id).encode(out);
    BitSet all = new BitSet();
    all.set(0, pieceCount);
    WireEncoder.encode(PeerMessage.Bitfield.of(all, pieceCount), out);
    WireEncoder.encode(PeerMessage.Unchoke.INSTANCE, out);
    ((java.nio.Buffer) out).flip();
    s.write(out); // a fresh socket's buffer takes it all
    keepAlive(s);
  }

  private void keepAlive(SimSocket s) {
    net.queue.after(KEEP_ALIVE_NANOS, () -> {
      if (s.isClosed()) {
        return;
      }
      try {
        s.write(ByteBuffer.allocate(4)); // length 0: keep-alive
        keepAlive(s);
      } catch (java.io.IOException e) {
        s.close();
      }
    });
  }

  @Override
  public void writable(SimSocket s) {}
}
