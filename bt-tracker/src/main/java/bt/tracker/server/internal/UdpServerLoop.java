package bt.tracker.server.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP tracker's receive loop: one thread blocks in {@code receive}, hands each datagram to
 * {@link UdpTrackerHandler} and sends its reply from the same thread. The receive and send buffers
 * are direct and reused, so the only allocation per datagram is the JDK's source address (and the
 * peer record of a new peer). A failure on one datagram never ends the loop; closing the channel
 * does.
 */
public final class UdpServerLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(UdpServerLoop.class);

  private final DatagramChannel channel;
  private final UdpTrackerHandler handler;
  private final LongSupplier ticker;
  private final ByteBuffer in = ByteBuffer.allocateDirect(2048);
  private final ByteBuffer out;
  private volatile boolean running = true;

  /** A loop serving {@code channel}, which must be bound and blocking; the loop closes it. */
  public UdpServerLoop(DatagramChannel channel, UdpTrackerHandler handler, LongSupplier ticker,
      int maxReplyBytes) {
    this.channel = channel;
    this.handler = handler;
    this.ticker = ticker;
    this.out = ByteBuffer.allocateDirect(maxReplyBytes);
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

  @Override
  public void run() {
    while (running) {
      SocketAddress from;
      try {
        in.clear();
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
        in.flip();
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
