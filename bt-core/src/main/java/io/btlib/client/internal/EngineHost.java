package io.btlib.client.internal;

import io.btlib.client.UdpPort;
import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.Executor;

/**
 * What the engine runs on: a clock, a loop that calls its {@link Handler}, a listening endpoint,
 * dialled {@link Link}s, a pool for disk work and a way to deliver listener events. {@link
 * NioHost} is the real one (a selector thread, TCP sockets, a thread pool); the test kit's is a
 * simulated network on virtual time, where the same engine logic runs deterministically. The
 * engine never reads another clock nor starts a thread of its own. Internal, not API: public for
 * the test kit.
 */
public interface EngineHost {

  /** How often the handler's {@link Handler#tick} runs. */
  long TICK_NANOS = 100_000_000L;

  /** The engine's side: called on the loop, one call at a time. */
  interface Handler {

    /** A peer connected to the listening endpoint. */
    void accepted(Link link, long now);

    /** A dial finished or failed: {@link Link#finishConnect} tells which. */
    void connectable(Link link, long now);

    /** Bytes (or the end of the stream) wait on a link interested in reading. */
    void readable(Link link, long now);

    /** A link interested in writing takes bytes. */
    void writable(Link link, long now);

    /** Every {@link #TICK_NANOS}: timeouts, choking rounds, dialling. */
    void tick(long now);

    /**
     * Whether a tick would find nothing to do (no connection, no torrent awake): the host may
     * then wait longer than a tick for I/O or a posted task, which wakes it anyway.
     */
    default boolean idle() {
      return false;
    }

    /** The loop is stopping: close every connection and torrent (the last call). */
    void stopped();
  }

  /** The current time in nanoseconds, on the loop's clock. */
  long now();

  /** The endpoint peers connect to (TCP and UDP share its port). */
  InetSocketAddress listenAddress();

  /** Starts the loop: from now on {@code handler} is called on it. */
  void start(Handler handler);

  /** Runs {@code task} on the loop, after what is already queued; from any thread. */
  void post(Runnable task);

  /** Whether the caller runs on the loop. */
  boolean onLoop();

  /**
   * Starts dialling {@code peer} over TCP, or uTP if {@code utp}; the handler hears {@code
   * connectable} when it connects or fails.
   *
   * @throws IOException if the dial cannot even start (that transport is off, say)
   */
  Link dial(PeerAddress peer, boolean utp) throws IOException;

  /**
   * Runs disk work (reads, writes, hashing) off the loop where there is such a place; results
   * come back to the loop with {@link #post}.
   *
   * @throws java.util.concurrent.RejectedExecutionException once the host is closing
   */
  void disk(Runnable work);

  /**
   * Where listener events are delivered, in order: null for a thread the engine owns (and stops),
   * else this executor (which must run tasks one at a time, in order).
   */
  default Executor listenerExecutor() {
    return null;
  }

  /** The UDP socket uTP runs on, for another protocol (a DHT) to share; null if there is none. */
  default UdpPort udpPort() {
    return null;
  }

  /**
   * Channels registered with the host's selector (cancelled keys count until the next select),
   * for {@link io.btlib.client.ClientStats}; -1 for a host without one. Called on the loop.
   */
  default int registeredChannels() {
    return -1;
  }

  /** The random source for cryptographic material (MSE keys and padding). */
  Random secureRandom();

  /**
   * Stops the loop (after which the handler hears {@link Handler#stopped}) and waits for it at
   * most {@code timeoutMillis}; false if it is still running. Called off the loop, or on it.
   */
  boolean stop(long timeoutMillis);

  /**
   * Releases the listening endpoint and the disk pool, letting queued disk work finish within
   * {@code timeoutMillis}. Idempotent; the loop has stopped, or did not stop in time.
   */
  void release(long timeoutMillis);
}
