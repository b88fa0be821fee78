package io.btlib.tracker.server.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP tracker's receive loop: each worker thread blocks in {@code receive} on the shared
 * channel, hands the datagram to its own {@link UdpTrackerHandler} and sends the reply itself.
 * With two workers one receives while the other handles and sends, which is where most of the
 * time goes (two system calls a datagram). The buffers are direct and reused, so a datagram costs
 * a few small objects (the source address bytes, the keys; none is kept by the registry). A
 * failure on one datagram never ends the loop; closing the channel does.
 */
public final class UdpServerLoop {
  private static final Logger log = LoggerFactory.getLogger(UdpServerLoop.class);

  private final DatagramChannel channel;
  private final LongSupplier ticker;
  private final int maxReplyBytes;
  private volatile boolean running = true;

  /** A loop serving {@code channel}, bound and blocking; {@link #stop()} closes it. */
  public UdpServerLoop(DatagramChannel channel, LongSupplier ticker, int maxReplyBytes) {
    this.channel = channel;
    this.ticker = ticker;
    this.maxReplyBytes = maxReplyBytes;
  }

  /** A worker to run on its own thread, answering with {@code handler} (owned by that thread). */
  public Runnable worker(UdpTrackerHandler handler) {
    ByteBuffer in = ByteBuffer.allocateDirect(2048);
    ByteBuffer out = ByteBuffer.allocateDirect(maxReplyBytes);
    return () -> run(handler, in, out);
  }

  /** Stops the loop by closing the channel, which wakes the blocked receive. */
  public void stop() {
    running = false;
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing the UDP tracker socket", e);
    }
  }

  private void run(UdpTrackerHandler handler, ByteBuffer in, ByteBuffer out) {
    while (running) {
      SocketAddress from;
      try {
        ((Buffer) in).clear();
        from = channel.receive(in);
      } catch (ClosedChannelException e) {
        break; // closed by stop()
      } catch (IOException e) {
        if (!channel.isOpen()) {
          break;
        }
        log.debug("UDP tracker receive failed", e); // e.g. an ICMP error surfacing; keep going
        continue;
      }
      if (!(from instanceof InetSocketAddress)) {
        continue;
      }
      InetSocketAddress src = (InetSocketAddress) from;
      try {
        ((Buffer) in).flip();
        InetAddress a = src.getAddress();
        byte[] ip = a.getAddress();
        if (!(a instanceof Inet4Address) && ip.length != 16) {
          continue;
        }
        if (handler.handle(in, ip, src.getPort(), ticker.getAsLong(), out)) {
          channel.send(out, src);
        }
      } catch (ClosedChannelException e) {
        break;
      } catch (IOException | RuntimeException e) {
        log.debug("UDP tracker datagram from {} failed", src, e); // costs this datagram only
      }
    }
  }
}
