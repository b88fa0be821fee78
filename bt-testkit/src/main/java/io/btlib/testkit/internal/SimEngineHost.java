package io.btlib.testkit.internal;

import io.btlib.client.internal.EngineHost;
import io.btlib.client.internal.Link;
import io.btlib.peer.PeerAddress;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A client engine's {@link EngineHost} on the simulated network: its clock is the simulation's,
 * its loop is the simulation's agenda (ticks every {@link #TICK_NANOS}, at a phase of its own),
 * disk work and listener events run as actions at the current virtual time, and its sockets are
 * {@link SimSocket}s of its {@link NetHost}.
 */
public final class SimEngineHost implements EngineHost, SimSocket.Listener {
  private final Network net;
  private final NetHost host;
  private final int port;
  private final Random secureRandom;
  private final long tickPhase;
  private Handler handler;
  private boolean stopped;
  private boolean released;
  /** Disk work queued and not yet run: {@link #release} runs it, as a pool would finish it. */
  private final java.util.ArrayDeque<Runnable> diskWork = new java.util.ArrayDeque<>();

  /** Listens on {@code port} of {@code host} (0: the first free one from 6881). */
  public SimEngineHost(Network net, NetHost host, int port, long seed) {
    this.net = net;
    this.host = host;
    this.port = net.listen(host, port, this::accept);
    Random r = new Random(seed);
    this.secureRandom = new Random(r.nextLong()); // deterministic MSE keys: a simulation, not a secret
    this.tickPhase = Math.floorMod(r.nextLong(), TICK_NANOS);
  }

  @Override
  public long now() {
    return net.queue.now();
  }

  @Override
  public InetSocketAddress listenAddress() {
    return new InetSocketAddress(host.address, port);
  }

  @Override
  public void start(Handler h) {
    this.handler = h;
    net.queue.after(tickPhase, this::tick);
  }

  private void tick() {
    if (stopped || !host.alive) {
      return;
    }
    handler.tick(now());
    net.queue.after(TICK_NANOS, this::tick);
  }

  private void accept(SimSocket s) {
    if (stopped) {
      s.close();
      return;
    }
    s.listener(this);
    handler.accepted(s, now());
  }

  @Override
  public void post(Runnable task) {
    net.queue.after(0, () -> {
      if (!stopped) {
        task.run();
      }
    });
  }

  @Override
  public boolean onLoop() {
    return true; // one thread drives the simulation
  }

  @Override
  public Link dial(PeerAddress peer, boolean utp) throws java.io.IOException {
    if (utp) {
      throw new java.io.IOException("uTP is not simulated yet");
    }
    return net.dial(host, peer, this);
  }

  @Override
  public void disk(Runnable work) {
    if (released) {
      throw new RejectedExecutionException("host released");
    }
    diskWork.addLast(work);
    net.queue.after(0, this::runDiskWork);
  }

  private void runDiskWork() {
    Runnable r = diskWork.pollFirst();
    if (r != null) {
      r.run();
    }
  }

  @Override
  public Executor listenerExecutor() {
    return r -> net.queue.after(0, r);
  }

  @Override
  public Random secureRandom() {
    return secureRandom;
  }

  @Override
  public boolean stop(long timeoutMillis) {
    if (!stopped) {
      stopped = true;
      handler.stopped();
    }
    return true;
  }

  @Override
  public void release(long timeoutMillis) {
    if (released) {
      return;
    }
    released = true;
    net.unlisten(host, port);
    Runnable r;
    while ((r = diskWork.pollFirst()) != null) {
      r.run();
    }
  }

  @Override
  public void connectable(SimSocket s) {
    if (!stopped) {
      handler.connectable(s, now());
    }
  }

  @Override
  public void readable(SimSocket s) {
    if (!stopped) {
      handler.readable(s, now());
    }
  }

  @Override
  public void writable(SimSocket s) {
    if (!stopped) {
      handler.writable(s, now());
    }
  }
}
