package io.btlib.client.internal;

import io.btlib.client.Transport;
import io.btlib.client.UdpPort;
import io.btlib.peer.PeerAddress;
import io.btlib.utp.UtpConfig;
import io.btlib.utp.UtpPacket;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link EngineHost}: one selector thread that runs the loop, TCP sockets and a UDP
 * socket for uTP on the same port (as the transport asks), a fixed pool of disk threads, all
 * owned here and stopped by {@link #stop} and {@link #release}.
 */
final class NioHost implements EngineHost {
  private static final Logger log = LoggerFactory.getLogger(NioHost.class);
  /** Asked of the kernel for the UDP socket (it may give less): uTP bursts a window at a time. */
  private static final int UDP_BUFFER_BYTES = 4 << 20;
  /** How long the loop waits for I/O when the engine has nothing to tick. */
  private static final long IDLE_WAIT_MILLIS = 1_000;
  /** Datagrams read per readiness before the loop looks at its other work. */
  private static final int DATAGRAMS_PER_READ = 256;

  private final LongSupplier ticker;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final DatagramChannel udp;
  private final UtpEndpoint utp;
  private SelectionKey udpKey;
  private final ByteBuffer datagramIn = ByteBuffer.allocateDirect(65_536);
  private final ByteBuffer datagramOut;
  /** A datagram the socket had no room for: sent first when it is writable again. */
  private SocketAddress datagramOutTo;
  private boolean utpReady;
  /** The socket as other protocols share it; null without one. */
  private final SharedPort shared;
  private final InetSocketAddress listenAddress;
  private final ExecutorService disk;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final SecureRandom secureRandom = new SecureRandom();
  private Thread loop;
  private Handler handler;
  private volatile boolean stopping;
  private volatile boolean released;

  /**
   * Binds the listening sockets (TCP, UDP or both on one port, as {@code transport} says);
   * nothing runs until {@link #start}.
   */
  NioHost(InetAddress address, int port, int diskThreads, LongSupplier ticker,
      Transport transport, UtpConfig utpConfig, int maxConnections) throws IOException {
    this.ticker = ticker;
    this.selector = Selector.open();
    ServerSocketChannel tcp = null;
    DatagramChannel dgram = null;
    try {
      // with port 0 the kernel picks the TCP port, and UDP must get the same one: another
      // socket may hold it for UDP, so try a few
      for (int attempt = 0; ; attempt++) {
        tcp = transport.tcp() ? bindTcp(address, port) : null;
        int p = tcp != null ? ((InetSocketAddress) tcp.getLocalAddress()).getPort() : port;
        try {
          dgram = transport.utp() ? bindUdp(address, p) : null;
          break;
        } catch (BindException e) {
          if (transport == Transport.BOTH && (port != 0 || attempt == 9)) {
            // another socket holds the UDP port (a DHT node of the application's, say): TCP
            // alone rather than no client at all
            log.warn("UDP port {} is taken ({}): no uTP, TCP only", p, e.getMessage());
            break;
          }
          closeQuietly(tcp);
          if (port != 0 || tcp == null || attempt == 9) {
            tcp = null;
            throw e;
          }
        }
      }
      this.server = tcp;
      this.udp = dgram;
      this.listenAddress = (InetSocketAddress) (tcp != null ? tcp.getLocalAddress()
          : dgram.getLocalAddress());
      if (tcp != null) {
        tcp.register(selector, SelectionKey.OP_ACCEPT);
      }
      if (dgram != null) {
        udpKey = dgram.register(selector, SelectionKey.OP_READ);
      }
    } catch (IOException | RuntimeException e) {
      closeQuietly(tcp);
      closeQuietly(dgram);
      selector.close();
      throw e;
    }
    this.utp = udp == null ? null : new UtpEndpoint(utpConfig, secureRandom, maxConnections,
        Math.max(1, maxConnections / 4));
    this.datagramOut = ByteBuffer.allocateDirect(utpConfig.maxDatagram());
    this.shared = udp == null ? null : new SharedPort();
    AtomicInteger n = new AtomicInteger();
    this.disk = Executors.newFixedThreadPool(diskThreads, r -> {
      Thread t = new Thread(r, "bt-disk-" + n.getAndIncrement());
      t.setDaemon(true);
      return t;
    });
  }

  private static ServerSocketChannel bindTcp(InetAddress address, int port) throws IOException {
    ServerSocketChannel ch = ServerSocketChannel.open();
    try {
      ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      ch.bind(new InetSocketAddress(address, port), 128);
      ch.configureBlocking(false);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static DatagramChannel bindUdp(InetAddress address, int port) throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, UDP_BUFFER_BYTES);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, UDP_BUFFER_BYTES);
      ch.bind(new InetSocketAddress(address, port));
      ch.configureBlocking(false);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static void closeQuietly(java.nio.channels.Channel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
    }
  }

  @Override
  public long now() {
    return ticker.getAsLong();
  }

  @Override
  public InetSocketAddress listenAddress() {
    return listenAddress;
  }

  @Override
  public void start(Handler h) {
    this.handler = h;
    this.loop = new Thread(this::run, "bt-engine-" + listenAddress.getPort());
    loop.setDaemon(true);
    loop.start();
  }

  @Override
  public void post(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  @Override
  public int registeredChannels() {
    return selector.keys().size();
  }

  @Override
  public boolean onLoop() {
    return Thread.currentThread() == loop;
  }

  @Override
  public Link dial(PeerAddress peer, boolean overUtp) throws IOException {
    if (overUtp) {
      if (utp == null) {
        throw new IOException("uTP is off");
      }
      try {
        return utp.dial(peer, ticker.getAsLong()); // the SYN goes out after this loop turn
      } catch (IllegalStateException e) {
        throw new IOException(e.getMessage());
      }
    }
    if (server == null) {
      throw new IOException("TCP is off");
    }
    SocketChannel ch = SocketChannel.open();
    try {
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      NioLink link = new NioLink(ch, peer);
      link.key = ch.register(selector, SelectionKey.OP_CONNECT, link);
      ch.connect(peer.toSocketAddress()); // finishConnect tells the rest
      return link;
    } catch (IOException | RuntimeException e) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
      throw e;
    }
  }

  @Override
  public void disk(Runnable work) {
    disk.execute(work);
  }

  @Override
  public UdpPort udpPort() {
    return shared;
  }

  /**
   * {@link UdpPort} over this host's socket: received datagrams that are not uTP go to the
   * receiver on the loop; sends are queued (bounded) and written by the loop before uTP's.
   */
  private record Outgoing(byte[] bytes, InetSocketAddress to) {}

  private final class SharedPort implements UdpPort {
    /** Datagrams queued to send at most; more are dropped (the DHT resends what it needs). */
    static final int MAX_QUEUED = 1024;
    final ConcurrentLinkedQueue<Outgoing> out = new ConcurrentLinkedQueue<>();
    final AtomicInteger queued = new AtomicInteger();
    volatile Receiver receiver;

    @Override
    public InetSocketAddress localAddress() {
      return listenAddress;
    }

    @Override
    public boolean send(ByteBuffer datagram, InetSocketAddress to) {
      if (stopping || released || datagram.remaining() > 65_507 || to == null
          || to.isUnresolved()) {
        return false;
      }
      if (queued.incrementAndGet() > MAX_QUEUED) {
        queued.decrementAndGet();
        return false;
      }
      byte[] b = new byte[datagram.remaining()];
      datagram.duplicate().get(b);
      out.add(new Outgoing(b, to));
      selector.wakeup();
      return true;
    }

    @Override
    public void receiver(Receiver r) {
      this.receiver = r;
    }
  }

  @Override
  public Random secureRandom() {
    return secureRandom;
  }

  private void run() {
    long lastTick = 0;
    try {
      while (!stopping) {
        long now = ticker.getAsLong();
        // with nothing to tick the loop sleeps until I/O, a posted task (both wake the
        // selector) or a uTP timer: 10 wake-ups a second were most of an idle client's CPU
        boolean idle = handler.idle();
        long wait = idle ? IDLE_WAIT_MILLIS
            : Math.max(1, (lastTick + TICK_NANOS - now) / 1_000_000);
        if (utp != null) {
          long d = utp.nextDeadline();
          if (d != Long.MAX_VALUE) {
            wait = Math.max(1, Math.min(wait, (d - now + 999_999) / 1_000_000));
          }
        }
        if (utpReady) {
          selector.selectNow();
        } else {
          selector.select(idle ? wait : Math.min(wait, 100));
        }
        now = ticker.getAsLong();
        Runnable r;
        while ((r = tasks.poll()) != null) {
          try {
            r.run();
          } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            log.error("engine task failed", e);
          }
        }
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          if (k.isValid()) {
            handle(k, now);
          }
        }
        if (now - lastTick >= TICK_NANOS) {
          lastTick = now;
          handler.tick(now);
        }
        if (utp != null) {
          utpReady = utp.service(handler, now);
          sendDatagrams(now);
          // sending made room in send buffers: a stream waiting to write goes on at once, not
          // at the next datagram (that held a connection to one buffer's worth per round trip)
          utpReady = utpReady || utp.anyReady();
        }
      }
    } catch (IOException | RuntimeException e) {
      log.error("engine loop failed", e);
    } finally {
      handler.stopped();
      if (utp != null) {
        utp.resetAll(); // what the engine did not close; FINs and RESETs go out once
        sendDatagrams(ticker.getAsLong());
      }
    }
  }

  private void handle(SelectionKey k, long now) {
    if (k.isAcceptable()) {
      accept(now);
      return;
    }
    if (k == udpKey) {
      if (k.isReadable()) {
        receiveDatagrams(now);
      }
      if (k.isValid()) {
        // the batch's acks (one per connection) go out now, not after the engine's handlers
        // have run: the sender's window, round trip and LEDBAT's delay wait on them
        sendDatagrams(now);
      }
      return;
    }
    NioLink link = (NioLink) k.attachment();
    if (k.isConnectable()) {
      handler.connectable(link, now);
      return;
    }
    if (k.isReadable()) {
      handler.readable(link, now);
    }
    if (k.isValid() && k.isWritable()) {
      handler.writable(link, now);
    }
  }

  private void receiveDatagrams(long now) {
    for (int i = 0; i < DATAGRAMS_PER_READ; i++) {
      ((Buffer) datagramIn).clear();
      SocketAddress from;
      try {
        from = udp.receive(datagramIn);
      } catch (IOException e) {
        log.debug("UDP receive failed: {}", e.toString()); // an ICMP error, say: not fatal
        continue;
      }
      if (from == null) {
        return;
      }
      ((Buffer) datagramIn).flip();
      if (UtpPacket.looksLikeUtp(datagramIn)) {
        utp.receive((InetSocketAddress) from, datagramIn, now);
      } else {
        UdpPort.Receiver r = shared.receiver;
        if (r != null) {
          try {
            r.received(datagramIn, (InetSocketAddress) from);
          } catch (RuntimeException e) {
            log.warn("the UDP port's receiver failed", e);
          }
        }
      }
    }
  }

  /**
   * Sends what the port's sharers queued, then what the uTP connections have, until they are
   * done or the socket is full.
   */
  private void sendDatagrams(long now) {
    for (Outgoing d; datagramOutTo == null && (d = shared.out.poll()) != null; ) {
      shared.queued.decrementAndGet();
      try {
        if (udp.send(ByteBuffer.wrap(d.bytes()), d.to()) == 0) {
          log.debug("UDP socket full: a shared datagram to {} dropped", d.to());
        }
      } catch (IOException | RuntimeException e) {
        log.debug("UDP send to {} failed: {}", d.to(), e.toString());
      }
    }
    for (;;) {
      if (datagramOutTo == null) {
        ((Buffer) datagramOut).clear();
        InetSocketAddress to = utp.poll(datagramOut, now);
        if (to == null) {
          break;
        }
        ((Buffer) datagramOut).flip();
        datagramOutTo = to;
      }
      int n;
      try {
        n = udp.send(datagramOut, datagramOutTo);
      } catch (IOException e) {
        log.debug("UDP send to {} failed: {}", datagramOutTo, e.toString());
        n = 1; // dropped: uTP resends what mattered
      }
      if (n == 0) {
        break; // the socket's buffer is full: wait until it is writable
      }
      datagramOutTo = null;
    }
    if (udpKey.isValid()) {
      int ops = SelectionKey.OP_READ | (datagramOutTo != null ? SelectionKey.OP_WRITE : 0);
      if (udpKey.interestOps() != ops) {
        udpKey.interestOps(ops);
      }
    }
  }

  private void accept(long now) {
    for (;;) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        log.debug("accept failed: {}", e.toString());
        return;
      }
      if (ch == null) {
        return;
      }
      try {
        InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        NioLink link = new NioLink(ch, PeerAddress.of(remote));
        link.key = ch.register(selector, SelectionKey.OP_READ, link);
        handler.accepted(link, now);
      } catch (IOException | RuntimeException e) {
        log.debug("incoming connection dropped: {}", e.toString());
        try {
          ch.close();
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
    }
  }

  @Override
  public boolean stop(long timeoutMillis) {
    stopping = true;
    selector.wakeup();
    if (loop == null || onLoop()) {
      return loop == null || !loop.isAlive();
    }
    try {
      loop.join(Math.max(1, timeoutMillis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !loop.isAlive();
  }

  @Override
  public synchronized void release(long timeoutMillis) {
    if (released) {
      return;
    }
    released = true;
    closeQuietly(server);
    closeQuietly(udp);
    try {
      selector.close();
    } catch (IOException e) {
      log.debug("closing selector: {}", e.toString());
    }
    disk.shutdown();
    try {
      if (!disk.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
        disk.shutdownNow();
      }
    } catch (InterruptedException e) {
      disk.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
