package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
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
 * The real {@link EngineHost}: one selector thread that runs the loop, TCP sockets, a fixed pool
 * of disk threads, all owned here and stopped by {@link #stop} and {@link #release}.
 */
final class NioHost implements EngineHost {
  private static final Logger log = LoggerFactory.getLogger(NioHost.class);

  private final LongSupplier ticker;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final InetSocketAddress listenAddress;
  private final ExecutorService disk;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final SecureRandom secureRandom = new SecureRandom();
  private Thread loop;
  private Handler handler;
  private volatile boolean stopping;
  private boolean released;

  /** Binds the listening socket; nothing runs until {@link #start}. */
  NioHost(InetAddress address, int port, int diskThreads, LongSupplier ticker) throws IOException {
    this.ticker = ticker;
    this.selector = Selector.open();
    try {
      this.server = ServerSocketChannel.open();
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(new InetSocketAddress(address, port), 128);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
      this.listenAddress = (InetSocketAddress) server.getLocalAddress();
    } catch (IOException | RuntimeException e) {
      selector.close();
      throw e;
    }
    AtomicInteger n = new AtomicInteger();
    this.disk = Executors.newFixedThreadPool(diskThreads, r -> {
      Thread t = new Thread(r, "bt-disk-" + n.getAndIncrement());
      t.setDaemon(true);
      return t;
    });
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
  public boolean onLoop() {
    return Thread.currentThread() == loop;
  }

  @Override
  public Link dial(PeerAddress peer) throws IOException {
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
  public Random secureRandom() {
    return secureRandom;
  }

  private void run() {
    long lastTick = 0;
    try {
      while (!stopping) {
        long now = ticker.getAsLong();
        long wait = Math.max(1, (lastTick + TICK_NANOS - now) / 1_000_000);
        selector.select(Math.min(wait, 100));
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
      }
    } catch (IOException | RuntimeException e) {
      log.error("engine loop failed", e);
    } finally {
      handler.stopped();
    }
  }

  private void handle(SelectionKey k, long now) {
    if (k.isAcceptable()) {
      accept(now);
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
    try {
      server.close();
    } catch (IOException e) {
      log.debug("closing server socket: {}", e.toString());
    }
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
