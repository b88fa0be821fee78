package io.btlib.client.internal;

import io.btlib.wire.session.PendingBlock;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's outgoing batch: what its session has queued (message bytes and the bodies of
 * blocks, in wire order) gathered into one write of up to {@link Engine#MAX_GATHER_BLOCKS}
 * bodies, the bodies straight from the read cache (or, zero copy, from storage after their
 * header), encrypted once when the connection is RC4, and written within the torrent's upload
 * limit. Owned by the engine thread, one per connection. Internal, not API.
 */
final class Outbox {
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);

  /** A block's bytes could not be read from storage after its header went out. */
  static final class ReadFailed extends IOException {
    private static final long serialVersionUID = 1L;

    ReadFailed(String message) {
      super(message);
    }
  }

  /**
   * Where the session encodes its messages for the batch being written; the batch's segments
   * below are views into it, interleaved with the bodies of blocks.
   */
  private ByteBuffer out;
  /** {@link #out}'s first size: most connections send little besides blocks' bodies. */
  static final int MIN_OUT = 4 * 1024;
  /** {@link #out} doubles, up to this, each time a batch's messages fill more than half of it. */
  static final int MAX_OUT = 64 * 1024;
  /**
   * The batch being written with one gathering write per call: message bytes from {@link #out}
   * and block bodies, in wire order; {@code segs[segIndex..segCount)} is still to go.
   */
  private final ByteBuffer[] segs = new ByteBuffer[2 * Engine.MAX_GATHER_BLOCKS + 1];
  /** The block of each body segment (released once written), null for message bytes. */
  private final Connection.ReadyBlock[] segBlocks = new Connection.ReadyBlock[segs.length];
  private int segIndex;
  private int segCount;
  /**
   * A zero-copy block whose header the batch ended with: its body goes out from storage once the
   * batch is written, {@link #fileSent} bytes of it so far; null when there is none.
   */
  private Connection.ReadyBlock fileBlock;
  private int fileSent;
  /**
   * Encrypted copies of the batch's block bodies (a body is a view of the shared read cache and
   * must not be changed), and one view into it per body segment; allocated on the first upload.
   */
  private ByteBuffer encryptedBodies;
  private ByteBuffer[] encryptedViews;

  /** Whether bytes of a batch wait to be written. */
  boolean hasPending() {
    return segIndex < segCount || fileBlock != null;
  }

  /** Whether a gathered batch waits (else maybe a zero-copy body, or nothing). */
  boolean hasBatch() {
    return segIndex < segCount;
  }

  /** Whether a zero-copy block's body waits. */
  boolean hasFileBlock() {
    return fileBlock != null;
  }

  /** Polls the session into a new batch; false if it had nothing to send (or c closed). */
  boolean fill(Connection c, int maxBlockLength) {
    ByteBuffer out = this.out;
    if (out == null) {
      out = this.out = ByteBuffer.allocate(MIN_OUT); // allocated per connection: keep it small
    } else if (out.position() > out.capacity() / 2 && out.capacity() < MAX_OUT) {
      out = this.out = ByteBuffer.allocate(out.capacity() * 2); // the last batch was crowded
    }
    ((Buffer) out).clear();
    segIndex = 0;
    segCount = 0;
    int segStart = 0;
    int blocks = 0;
    int maxBlocks = !c.mse.encrypts() ? Engine.MAX_GATHER_BLOCKS : Math.max(1, Math.min(
        Engine.MAX_GATHER_BLOCKS, Engine.ENCRYPTED_BODIES_BYTES / maxBlockLength));
    while (blocks < maxBlocks) {
      boolean wrote = c.session.pollTransmit(out);
      PendingBlock pb = c.session.pendingBlock();
      if (pb == null) {
        if (!wrote) {
          break;
        }
        continue;
      }
      Connection.ReadyBlock r = c.torrent.takeReadyBlock(c, pb);
      if (r == null) {
        throw new IllegalStateException("block " + pb + " not read");
      }
      ByteBuffer seg = out.duplicate();
      ((Buffer) seg).limit(out.position()).position(segStart);
      addSegment(seg, null);
      segStart = out.position();
      if (r.body == null) {
        // zero copy: the batch ends with this block's header; its body follows from storage
        fileBlock = r;
        fileSent = 0;
        break;
      }
      addSegment(r.body, r);
      blocks++;
    }
    if (out.position() > segStart) {
      ByteBuffer seg = out.duplicate();
      ((Buffer) seg).limit(out.position()).position(segStart);
      addSegment(seg, null);
    }
    if (c.mse.encrypts()) {
      encrypt(c);
    }
    return segCount > 0 || fileBlock != null;
  }

  /**
   * Writes the body of the zero-copy block whose header has gone out, straight from storage,
   * within the upload limit; true once all of it is written.
   */
  boolean writeFileBlock(Connection c, long now) throws IOException {
    Connection.ReadyBlock r = fileBlock;
    long budget = c.torrent.upLimit.available(now);
    if (budget <= 0) {
      c.writeThrottled = true; // the tick goes on
      return false;
    }
    int want = (int) Math.min(r.length - fileSent, budget);
    long n;
    try {
      n = c.torrent.transferBody(r.piece, r.offset + fileSent, want, c.link.transferTarget());
    } catch (IOException | RuntimeException e) {
      // the header is out: the peer cannot be told, so the connection goes
      log.warn("reading piece {} for {} failed: {}", r.piece, c, e.toString());
      throw new ReadFailed("reading piece " + r.piece + " for upload failed");
    }
    if (n > 0) {
      fileSent += (int) n;
      c.torrent.upLimit.take(n, now);
      c.torrent.onUploaded(c, (int) n, now);
    }
    if (fileSent < r.length) {
      if (n == want) {
        c.writeThrottled = true; // all the limit allowed went out; the tick goes on
      }
      return false;
    }
    fileBlock = null;
    fileSent = 0;
    return true;
  }

  /**
   * Encrypts a new batch once, in wire order: message bytes in place (they are the connection's
   * own), block bodies into the connection's own buffer, whose views replace them (a body is a
   * view of the read cache that other connections share).
   */
  private void encrypt(Connection c) {
    int used = 0;
    int views = 0;
    for (int k = 0; k < segCount; k++) {
      ByteBuffer s = segs[k];
      int n = s.remaining();
      if (segBlocks[k] == null) {
        c.mse.encrypt(s, s.position(), n);
        continue;
      }
      if (encryptedBodies == null || encryptedBodies.capacity() - used < n) {
        if (used > 0) {
          throw new IllegalStateException("encrypted bodies overflow: " + used + " + " + n);
        }
        encryptedBodies = ByteBuffer.allocate(Math.max(Engine.ENCRYPTED_BODIES_BYTES, n));
        encryptedViews = new ByteBuffer[Engine.MAX_GATHER_BLOCKS];
        for (int v = 0; v < Engine.MAX_GATHER_BLOCKS; v++) {
          encryptedViews[v] = encryptedBodies.duplicate();
        }
      }
      ByteBuffer v = encryptedViews[views++];
      ((Buffer) v).clear().position(used).limit(used + n);
      int p = s.position();
      c.mse.encrypt(s, v);
      ((Buffer) s).position(p);
      ((Buffer) v).position(used);
      segs[k] = v;
      used += n;
    }
  }

  private void addSegment(ByteBuffer b, Connection.ReadyBlock block) {
    if (!b.hasRemaining() && block == null) {
      return;
    }
    segs[segCount] = b;
    segBlocks[segCount] = block;
    segCount++;
  }

  /**
   * One gathering write of the batch, within the upload limit (which counts block bodies only);
   * true if the batch is done, false if the socket is full or the limit throttles.
   */
  boolean writeBatch(Connection c, long now) throws IOException {
    long budget = c.torrent.upLimit.available(now);
    int end = segIndex;
    ByteBuffer cut = null; // a body cut short by the limit: its limit is restored after the write
    int cutLimit = 0;
    int cutOffered = 0;
    long bodyOffered = 0;
    for (; end < segCount; end++) {
      if (segBlocks[end] == null) {
        continue;
      }
      int rem = segs[end].remaining();
      if (budget - bodyOffered <= 0) {
        break;
      }
      if (rem > budget - bodyOffered) {
        cut = segs[end];
        cutLimit = cut.limit();
        cutOffered = cut.position() + (int) (budget - bodyOffered);
        ((Buffer) cut).limit(cutOffered);
        bodyOffered = budget;
        end++;
        break;
      }
      bodyOffered += rem;
    }
    if (end == segIndex) {
      c.writeThrottled = true; // a body is next and the limit has no tokens: the tick goes on
      return false;
    }
    long offered = 0;
    for (int k = segIndex; k < end; k++) {
      offered += segs[k].remaining();
    }
    long n;
    try {
      n = c.link.write(segs, segIndex, end - segIndex);
    } finally {
      if (cut != null) {
        ((Buffer) cut).limit(cutLimit);
      }
    }
    long bodyLeft = 0;
    for (int k = segIndex; k < end; k++) {
      if (segBlocks[k] != null) {
        bodyLeft += segs[k] == cut ? Math.max(0, cutOffered - cut.position())
            : segs[k].remaining();
      }
    }
    long bodyWritten = bodyOffered - bodyLeft;
    if (bodyWritten > 0) {
      c.torrent.upLimit.take(bodyWritten, now);
      c.torrent.onUploaded(c, (int) bodyWritten, now);
    }
    while (segIndex < segCount && !segs[segIndex].hasRemaining()) {
      Connection.ReadyBlock r = segBlocks[segIndex];
      if (r != null) {
        c.torrent.releaseBlock(r);
      }
      segs[segIndex] = null;
      segBlocks[segIndex] = null;
      segIndex++;
    }
    if (segIndex == segCount) {
      segIndex = 0;
      segCount = 0;
      return true;
    }
    if (n == offered && (cut != null || end < segCount)) {
      c.writeThrottled = true; // all the limit allowed went out: the tick goes on
    }
    return false;
  }

  /** Drops the batch being written, releasing its blocks (the connection is closing). */
  void drop(Connection c) {
    for (int k = segIndex; k < segCount; k++) {
      if (segBlocks[k] != null) {
        c.torrent.releaseBlock(segBlocks[k]);
      }
      segs[k] = null;
      segBlocks[k] = null;
    }
    segIndex = 0;
    segCount = 0;
    fileBlock = null;
    fileSent = 0;
  }
}
