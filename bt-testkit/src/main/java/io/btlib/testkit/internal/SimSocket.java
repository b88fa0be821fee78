package io.btlib.testkit.internal;

import io.btlib.client.internal.Link;
import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * One end of a simulated TCP connection, as a non-blocking {@link Link}: reads and writes move
 * what the buffers allow and never block; readiness is level-triggered like a selector's (while
 * bytes wait and the owner is interested, it hears of them again after each call that made
 * progress). Loop thread only.
 */
public final class SimSocket implements Link {

  /** Who hears of this socket's readiness. */
  public interface Listener {
    void connectable(SimSocket s);

    void readable(SimSocket s);

    void writable(SimSocket s);
  }

  final NetHost host;
  final int localPort;
  private final PeerAddress remote;
  private final Network net;
  private Listener listener;
  Flow out;
  Flow in;
  private boolean connected;
  private boolean refused;
  private boolean connectPending;
  private boolean reset;
  private boolean closed;
  private int interest;
  private Object attachment;
  private boolean pokeScheduled;
  private long progress;

  SimSocket(Network net, NetHost host, int localPort, PeerAddress remote, Listener listener) {
    this.net = net;
    this.host = host;
    this.localPort = localPort;
    this.remote = remote;
    this.listener = listener;
  }

  /** Who hears of this socket from now on. */
  public void listener(Listener l) {
    this.listener = l;
  }

  /** This end's endpoint. */
  public PeerAddress local() {
    return PeerAddress.of(host.address, localPort);
  }

  void connected(Flow out, Flow in, boolean signal) {
    this.out = out;
    this.in = in;
    this.connected = true;
    if (signal) {
      connectPending = true;
      poke();
    }
  }

  void refused() {
    refused = true;
    connectPending = true;
    poke();
  }

  void reset() {
    if (!closed) {
      reset = true;
      poke();
    }
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public PeerAddress remote() {
    return remote;
  }

  @Override
  public boolean finishConnect() throws IOException {
    if (refused) {
      throw new ConnectException("Connection refused");
    }
    if (closed) {
      throw new ClosedChannelException();
    }
    return connected;
  }

  @Override
  public void interest(int ops) {
    if (ops != interest) {
      interest = ops;
      poke();
    }
  }

  @Override
  public void attach(Object attachment) {
    this.attachment = attachment;
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    check();
    if (reset) {
      throw new IOException("Connection reset by peer");
    }
    if (!connected) {
      return 0;
    }
    int n = in.read(dst);
    if (n > 0) {
      progress++;
      return n;
    }
    return in.finReceived ? -1 : 0;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    return (int) write(new ByteBuffer[] {src}, 0, 1);
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return write(srcs, 0, srcs.length);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    check();
    if (reset) {
      throw new IOException("Broken pipe");
    }
    if (!connected) {
      return 0;
    }
    long n = out.write(srcs, offset, length);
    if (n > 0) {
      progress++;
    }
    return n;
  }

  private void check() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    progress++;
    if (connected) {
      out.queueFin();
      in.discardReceived();
    }
  }

  /** Checks readiness soon, on the loop, if the listener may want to hear of it. */
  void poke() {
    if (pokeScheduled || closed || listener == null || !host.alive) {
      return;
    }
    pokeScheduled = true;
    net.queue.after(0, this::fire);
  }

  private boolean readReady() {
    return (interest & READ) != 0 && connected
        && (reset || in.readable() > 0 || in.finReceived);
  }

  private boolean writeReady() {
    return (interest & WRITE) != 0 && connected && (reset || out.writable() > 0);
  }

  private void fire() {
    pokeScheduled = false;
    if (closed || !host.alive) {
      return;
    }
    long before = progress;
    if (connectPending) {
      connectPending = false;
      listener.connectable(this);
      progress++;
    }
    if (!closed && readReady()) {
      listener.readable(this);
    }
    if (!closed && writeReady()) {
      listener.writable(this);
    }
    if (progress != before && (readReady() || writeReady())) {
      poke(); // level-triggered: more of it, after what is already due now
    }
  }

  @Override
  public String toString() {
    return local() + "->" + remote;
  }
}
