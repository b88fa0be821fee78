package io.btlib.testkit;

import io.btlib.peer.PeerAddress;
import io.btlib.testkit.internal.SimSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay on a simulated host that forwards every connection to one target and records the
 * first bytes of each direction: what a passive observer of the wire would see. The simulated
 * counterpart of bt-core's loopback {@code RecordingProxy}; simulation thread only.
 */
final class RecordingRelay {
  static final int RECORD_LIMIT = 4 << 20;
  private static final int BUFFER = 64 * 1024;

  /** One relayed connection. */
  static final class Relayed {
    private final ByteArrayOutputStream up = new ByteArrayOutputStream();
    private final ByteArrayOutputStream down = new ByteArrayOutputStream();
    private boolean ended;

    /** What the dialler sent, up to the limit. */
    byte[] up() {
      return up.toByteArray();
    }

    /** What the target sent back, up to the limit. */
    byte[] down() {
      return down.toByteArray();
    }

    /** Whether the connection has ended (either side closed or reset it). */
    boolean ended() {
      return ended;
    }
  }

  private final PeerAddress address;
  private final List<Relayed> relayed = new ArrayList<>();

  /** Listens on {@code port} of {@code host}, relaying to {@code target}. */
  RecordingRelay(Simulation sim, SimHost host, int port, PeerAddress target) {
    this.address = PeerAddress.of(host.address(), port);
    sim.network.listen(host.net, port, in -> {
      Relayed r = new Relayed();
      relayed.add(r);
      Pipe p = new Pipe(r, in);
      in.listener(p);
      p.out = sim.network.dial(host.net, target, p);
    });
  }

  /** Where to dial it. */
  PeerAddress address() {
    return address;
  }

  /** The connections relayed so far, in the order they came. */
  List<Relayed> relayed() {
    return List.copyOf(relayed);
  }

  /**
   * One connection: bytes read from one side wait in that direction's buffer until the other side
   * takes them; a side is read only while its buffer has room, so a slow reader slows its sender,
   * as through a real relay. When either side ends, what is buffered for the other is written,
   * then both are closed.
   */
  private static final class Pipe implements SimSocket.Listener {
    private final Relayed r;
    private final SimSocket in;
    private SimSocket out;
    private boolean connected;
    private boolean ending;
    /** Dialler to target, and target to dialler; in fill mode. */
    private final ByteBuffer upBuf = ByteBuffer.allocate(BUFFER);
    private final ByteBuffer downBuf = ByteBuffer.allocate(BUFFER);

    Pipe(Relayed r, SimSocket in) {
      this.r = r;
      this.in = in;
    }

    @Override
    public void connectable(SimSocket s) {
      try {
        if (!s.finishConnect()) {
          return;
        }
        connected = true;
        interests();
      } catch (IOException e) {
        end();
      }
    }

    @Override
    public void readable(SimSocket s) {
      boolean fromDialler = s == in;
      ByteBuffer buf = fromDialler ? upBuf : downBuf;
      ByteArrayOutputStream rec = fromDialler ? r.up : r.down;
      try {
        int n;
        while (buf.hasRemaining() && (n = s.read(buf)) != 0) {
          if (n < 0) {
            ending = true;
            break;
          }
          int pos = buf.position();
          if (rec.size() < RECORD_LIMIT) {
            rec.write(buf.array(), pos - n, Math.min(n, RECORD_LIMIT - rec.size()));
          }
        }
        flush(fromDialler ? out : in, buf);
      } catch (IOException e) {
        end();
        return;
      }
      interests();
    }

    @Override
    public void writable(SimSocket s) {
      try {
        flush(s, s == in ? downBuf : upBuf);
      } catch (IOException e) {
        end();
        return;
      }
      interests();
    }

    private static void flush(SimSocket to, ByteBuffer buf) throws IOException {
      buf.flip();
      try {
        while (buf.hasRemaining() && to.write(buf) > 0) {
          // as much as its buffer takes
        }
      } finally {
        buf.compact();
      }
    }

    /** Reads a side while its buffer has room; writes a side while bytes wait for it. */
    private void interests() {
      if (ending && upBuf.position() == 0 && downBuf.position() == 0) {
        end();
        return;
      }
      if (!connected || r.ended) {
        return;
      }
      in.interest((!ending && upBuf.hasRemaining() ? SimSocket.READ : 0)
          | (downBuf.position() > 0 ? SimSocket.WRITE : 0));
      out.interest((!ending && downBuf.hasRemaining() ? SimSocket.READ : 0)
          | (upBuf.position() > 0 ? SimSocket.WRITE : 0));
    }

    private void end() {
      r.ended = true;
      in.close();
      if (out != null) {
        out.close();
      }
    }
  }
}
