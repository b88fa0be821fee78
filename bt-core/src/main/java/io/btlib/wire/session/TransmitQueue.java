package io.btlib.wire.session;

import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.WireEncoder;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * A session's outgoing bytes in order: the handshake, messages, and zero-copy blocks whose bodies
 * the engine writes itself. Messages are encoded only when polled, straight into the caller's
 * buffer.
 *
 * <p>A message that does not fit is left for the next call, unless nothing was written yet in this
 * call: then it is staged and written in parts, so a buffer smaller than a large bitfield never
 * stalls. After the 13-byte header of a {@link PendingBlock}, polling stops and the block is
 * pending ({@link #pendingBlock()}): the caller writes its body, and the next {@link #poll} takes
 * it as written.
 */
final class TransmitQueue {
  private final ArrayDeque<Object> items = new ArrayDeque<>();
  /** The rest of a message too large for the buffer it was first offered. */
  private ByteBuffer partial;
  /** The block whose header {@link #partial} holds, if it does. */
  private PendingBlock partialBlock;
  /** The block whose header the last poll wrote; its body is the caller's to write next. */
  private PendingBlock pending;
  private long bytesWritten;
  private long blockBytes;

  void add(Object item) {
    if (!(item instanceof PeerMessage || item instanceof Handshake
        || item instanceof PendingBlock)) {
      throw new IllegalArgumentException("not a transmittable item: " + item);
    }
    items.add(item);
  }

  /** Whether nothing is waiting to be written. */
  boolean isIdle() {
    return items.isEmpty() && partial == null && pending == null;
  }

  /** The number of items waiting. */
  int size() {
    return items.size() + (partial != null ? 1 : 0);
  }

  long bytesWritten() {
    return bytesWritten;
  }

  /** Payload bytes of blocks handed to the wire: copied ones written, zero-copy ones announced. */
  long blockBytes() {
    return blockBytes;
  }

  /** Drops everything, the pending block included. */
  void clear() {
    items.clear();
    partial = null;
    partialBlock = null;
    pending = null;
  }

  /**
   * Removes a block that is queued and not started, zero-copy or copied; returns whether there was
   * one.
   */
  boolean removeBlock(BlockKey k) {
    for (Iterator<Object> it = items.iterator(); it.hasNext(); ) {
      Object o = it.next();
      if (o instanceof PendingBlock) {
        PendingBlock b = (PendingBlock) o;
        if (b.piece() == k.piece() && b.offset() == k.offset() && b.length() == k.length()) {
          it.remove();
          return true;
        }
      } else if (o instanceof PeerMessage.Piece) {
        PeerMessage.Piece p = (PeerMessage.Piece) o;
        if (p.piece() == k.piece() && p.offset() == k.offset() && p.length() == k.length()) {
          it.remove();
          return true;
        }
      }
    }
    return false;
  }

  /** The block whose header the last poll wrote, or null. */
  PendingBlock pendingBlock() {
    return pending;
  }

  /** Writes what fits into {@code dst}; returns whether it wrote anything. */
  boolean poll(ByteBuffer dst) {
    pending = null; // the caller has written its body
    int start = dst.position();
    if (partial != null) {
      putSome(partial, dst);
      if (partial.hasRemaining()) {
        return finish(dst, start);
      }
      partial = null;
      if (partialBlock != null) {
        pending = partialBlock;
        blockBytes += pending.length();
        partialBlock = null;
        return finish(dst, start);
      }
    }
    while (!items.isEmpty()) {
      Object item = items.peek();
      int n = length(item);
      if (n <= dst.remaining()) {
        items.poll();
        encode(item, dst);
        if (item instanceof PendingBlock) {
          pending = (PendingBlock) item;
          blockBytes += pending.length();
          break;
        }
      } else if (dst.position() == start && dst.hasRemaining()) {
        items.poll();
        ByteBuffer stage = ByteBuffer.allocate(n);
        encode(item, stage);
        ((Buffer) stage).flip();
        putSome(stage, dst);
        partial = stage;
        partialBlock = item instanceof PendingBlock ? (PendingBlock) item : null;
        break;
      } else {
        break;
      }
    }
    return finish(dst, start);
  }

  private boolean finish(ByteBuffer dst, int start) {
    int n = dst.position() - start;
    bytesWritten += n;
    return n > 0;
  }

  private static void putSome(ByteBuffer src, ByteBuffer dst) {
    int n = Math.min(src.remaining(), dst.remaining());
    ByteBuffer part = src.duplicate();
    ((Buffer) part).limit(part.position() + n);
    dst.put(part);
    ((Buffer) src).position(src.position() + n);
  }

  private static int length(Object item) {
    if (item instanceof Handshake) {
      return Handshake.LENGTH;
    }
    if (item instanceof PendingBlock) {
      return 13;
    }
    return WireEncoder.encodedLength((PeerMessage) item);
  }

  private void encode(Object item, ByteBuffer dst) {
    boolean ok;
    if (item instanceof Handshake) {
      ok = ((Handshake) item).encode(dst);
    } else if (item instanceof PendingBlock) {
      PendingBlock b = (PendingBlock) item;
      ok = WireEncoder.encodePieceHeader(b.piece(), b.offset(), b.length(), dst);
    } else {
      ok = WireEncoder.encode((PeerMessage) item, dst);
      if (item instanceof PeerMessage.Piece) {
        blockBytes += ((PeerMessage.Piece) item).length();
      }
    }
    if (!ok) {
      throw new AssertionError("checked to fit: " + item);
    }
  }
}
