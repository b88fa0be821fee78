package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * One peer connection's byte stream as the engine sees it, whatever carries it: a non-blocking
 * TCP socket ({@link NioHost}) or a simulated one (the test kit). Reads and writes never block and
 * may move fewer bytes than offered, as a non-blocking socket does; readiness comes back through
 * the {@link EngineHost.Handler} for the operations in {@link #interest}. Used on the engine's
 * loop only. Internal, not API: public for the test kit.
 */
public interface Link extends ByteChannel, GatheringByteChannel {

  /** Interest in reading: the handler hears {@code readable} while bytes or an end wait. */
  int READ = 1;
  /** Interest in writing: the handler hears {@code writable} while the link takes bytes. */
  int WRITE = 4;

  /** The peer's endpoint. */
  PeerAddress remote();

  /**
   * Finishes a dial: true once connected, false while it is still under way.
   *
   * @throws IOException if the dial failed (refused, unreachable)
   */
  boolean finishConnect() throws IOException;

  /** Sets the readiness the handler hears of: {@link #READ}, {@link #WRITE}, both or neither. */
  void interest(int ops);

  /** The engine's object for this link (its connection), given back with every readiness. */
  void attach(Object attachment);

  /** What {@link #attach} gave, or null. */
  Object attachment();

  /** Whether this is a uTP connection (else TCP, or a simulated stream). */
  default boolean utp() {
    return false;
  }

  /**
   * The channel a storage's {@code transferTo} should write to for a zero-copy upload: the socket
   * itself for a TCP link (so the kernel can send from the page cache), else this link.
   */
  default WritableByteChannel transferTarget() {
    return this;
  }
}
