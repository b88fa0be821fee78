package io.btlib.testkit.internal;

import io.btlib.client.Transport;
import io.btlib.client.internal.EngineHost;
import io.btlib.client.internal.Link;
import io.btlib.client.internal.UtpEndpoint;
import io.btlib.peer.PeerAddress;
import io.btlib.utp.UtpConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A client engine's {@link EngineHost} on the simulated network: its clock is the simulation's,
 * its loop is the simulation's agenda (ticks every {@link #TICK_NANOS}, at a phase of its own),
 * disk work and listener events run as actions at the current virtual time, and its sockets are
 * {@link SimSocket}s of its {@link NetHost}. With uTP in its transport it binds the UDP port of the
 * same number and runs a {@link UtpEndpoint} on it as the real host does: datagrams in, then the
 * endpoint's service (timers, accepted connections, readiness) and what it has to send, after
 * every turn of the loop that may have written to a uTP stream, and at the endpoint's deadline.
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

  /** Immediate services in a row at one virtual time before the next waits (see {@link #pump}). */
  private static final int MAX_SPINS = 64;
  /** How long a loop turn that found a stream still ready after {@link #MAX_SPINS} waits. */
  private static final long SPIN_PAUSE_NANOS = 1_000_000L;

  private final boolean tcp;
  /** The uTP side, or null when the transport has no uTP. */
  private final UtpEndpoint utp;
  private final ByteBuffer datagramOut;
  private boolean udpBound;
  private boolean pumpScheduled;
  private long timerAt = Long.MAX_VALUE;
  private long spinTime = -1;
  private int spins;

  /**
   * Listens on {@code port} of {@code host} (0: the first free one from 6881), over TCP, uTP or
   * both as {@code transport} says.
   */
  public SimEngineHost(Network net, NetHost host, int port, Transport transport,
      UtpConfig utpConfig, int maxConnections, long seed) {
    this.net = net;
    this.host = host;
    this.tcp = transport.tcp();
    int p = tcp ? net.listen(host, port, this::accept) : port;
    if (transport.utp()) {
      p = net.bindUdp(host, p, this::received);
      udpBound = true;
    }
    this.port = p;
    Random r = new Random(seed);
    this.secureRandom = new Random(r.nextLong()); // deterministic MSE keys: a simulation, not a secret
    this.tickPhase = Math.floorMod(r.nextLong(), TICK_NANOS);
    this.utp = transport.utp() ? new UtpEndpoint(utpConfig, new Random(r.nextLong()),
        maxConnections, Math.max(1, maxConnections / 4)) : null;
    this.datagramOut = ByteBuffer.allocate(utpConfig.maxDatagram());
  }

  /** The uTP endpoint, or null when the client speaks no uTP. */
  public UtpEndpoint utp() {
    return utp;
  }

  private void received(InetSocketAddress from, byte[] data) {
    if (stopped || handler == null) {
      return; // a closed socket: the datagram goes nowhere
    }
    utp.receive(from, ByteBuffer.wrap(data), now());
    wakeNow();
  }

  /**
   * After a loop turn that may have written to a uTP stream: a service if there are connections
   * (with none, a TCP swarm's every turn would cost an event for nothing).
   */
  private void wake() {
    if (utp != null && utp.connectionCount() > 0) {
      wakeNow();
    }
  }

  /** Schedules a service of the uTP endpoint at the current time, after what is due already. */
  private void wakeNow() {
    if (utp != null && !pumpScheduled && !stopped) {
      pumpScheduled = true;
      net.queue.after(0, this::pump);
    }
  }

  /**
   * One uTP turn of the loop: timers, accepts and readiness, then every datagram the connections
   * have to send. A stream still ready afterwards brings the next turn at once, as the real host's
   * {@code selectNow} does; but only {@link #MAX_SPINS} times at one virtual time, then after
   * {@link #SPIN_PAUSE_NANOS} (a real loop's turns take time; virtual time would not move).
   */
  private void pump() {
    pumpScheduled = false;
    if (stopped || !host.alive) {
      return;
    }
    long now = now();
    boolean more = utp.service(handler, now);
    flush(now);
    more = more || utp.anyReady(); // sending made room in send buffers, as in the real host
    long d = utp.nextDeadline();
    if (d != Long.MAX_VALUE && d < timerAt) {
      timerAt = d;
      net.queue.at(d, () -> {
        if (timerAt == d) {
          timerAt = Long.MAX_VALUE;
        }
        wakeNow();
      });
    }
    if (more) {
      if (now != spinTime) {
        spinTime = now;
        spins = 0;
      }
      if (++spins < MAX_SPINS) {
        wakeNow();
      } else if (!pumpScheduled) {
        pumpScheduled = true;
        net.queue.after(SPIN_PAUSE_NANOS, this::pump);
      }
    }
  }

  /** Sends what the uTP connections have into the host's uplink. */
  private void flush(long now) {
    for (;;) {
      ((Buffer) datagramOut).clear();
      InetSocketAddress to = utp.poll(datagramOut, now);
      if (to == null) {
        return;
      }
      ((Buffer) datagramOut).flip();
      byte[] b = new byte[datagramOut.remaining()];
      datagramOut.get(b);
      net.send(host, port, to, b);
    }
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
    wake();
    net.queue.after(TICK_NANOS, this::tick);
  }

  private void accept(SimSocket s) {
    if (stopped) {
      s.close();
      return;
    }
    s.listener(this);
    handler.accepted(s, now());
    wake();
  }

  @Override
  public void post(Runnable task) {
    net.queue.after(0, () -> {
      if (!stopped) {
        task.run();
        wake();
      }
    });
  }

  @Override
  public boolean onLoop() {
    return true; // one thread drives the simulation
  }

  @Override
  public Link dial(PeerAddress peer, boolean overUtp) throws IOException {
    if (overUtp) {
      if (utp == null) {
        throw new IOException("uTP is off");
      }
      Link l = utp.dial(peer, now());
      wakeNow(); // the SYN goes out after this turn
      return l;
    }
    if (!tcp) {
      throw new IOException("TCP is off");
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
      wake();
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
      if (utp != null) {
        utp.resetAll(); // what the engine did not close; FINs and RESETs go out once
        flush(now());
      }
    }
    return true;
  }

  @Override
  public void release(long timeoutMillis) {
    if (released) {
      return;
    }
    released = true;
    if (tcp) {
      net.unlisten(host, port);
    }
    if (udpBound) {
      udpBound = false;
      net.unbindUdp(host, port);
    }
    Runnable r;
    while ((r = diskWork.pollFirst()) != null) {
      r.run();
    }
  }

  @Override
  public void connectable(SimSocket s) {
    if (!stopped) {
      handler.connectable(s, now());
      wake();
    }
  }

  @Override
  public void readable(SimSocket s) {
    if (!stopped) {
      handler.readable(s, now());
      wake();
    }
  }

  @Override
  public void writable(SimSocket s) {
    if (!stopped) {
      handler.writable(s, now());
      wake();
    }
  }
}
