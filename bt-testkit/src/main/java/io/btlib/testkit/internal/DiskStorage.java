package io.btlib.testkit.internal;

import io.btlib.client.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.BitSet;

/**
 * A storage that outlives its clients, as files on a disk do: each client that opens it gets a
 * {@link #view} whose close ends that client's use and keeps the bytes, so a peer that leaves and
 * comes back finds what it had verified.
 */
public final class DiskStorage {
  private final Storage bytes;

  public DiskStorage(Storage bytes) {
    this.bytes = bytes;
  }

  /** The underlying storage (reads of what is stored). */
  public Storage bytes() {
    return bytes;
  }

  /** A storage for one client over these bytes; its close leaves them. */
  public Storage view() {
    return new Storage() {
      private boolean closed;

      @Override
      public void read(int piece, int offset, ByteBuffer dst) throws IOException {
        check();
        bytes.read(piece, offset, dst);
      }

      @Override
      public void write(int piece, int offset, ByteBuffer src) throws IOException {
        check();
        bytes.write(piece, offset, src);
      }

      @Override
      public void setWantedFiles(BitSet wanted) throws IOException {
        check();
        bytes.setWantedFiles(wanted);
      }

      @Override
      public void flush() throws IOException {
        check();
      }

      @Override
      public void close() {
        closed = true;
      }

      private void check() throws IOException {
        if (closed) {
          throw new ClosedChannelException();
        }
      }
    };
  }
}
