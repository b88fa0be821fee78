package io.btlib.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link FileStorage.ChannelOpener} for tests: records every channel it opens and every file
 * forced, refuses files marked denied, and can play a full disk (writes that would grow a file
 * fail with "No space left on device"; writes inside it still succeed, as on a real disk whose
 * blocks are already allocated).
 */
final class TestOpener implements FileStorage.ChannelOpener {
  final AtomicBoolean diskFull = new AtomicBoolean();
  final Set<Path> denied = ConcurrentHashMap.newKeySet();
  final Set<Path> forced = ConcurrentHashMap.newKeySet();
  final List<Recorded> opened = new CopyOnWriteArrayList<>();

  @Override
  public FileChannel open(Path file, Set<OpenOption> options) throws IOException {
    if (denied.contains(file)) {
      throw new AccessDeniedException(file.toString());
    }
    Recorded r = new Recorded(file, FileChannel.open(file, options), Set.copyOf(options));
    opened.add(r);
    return r;
  }

  long openNow() {
    return opened.stream().filter(FileChannel::isOpen).count();
  }

  /** A channel that delegates to a real one, except for the faults above. */
  final class Recorded extends FileChannel {
    final Path path;
    final FileChannel d;
    final Set<OpenOption> options;

    Recorded(Path path, FileChannel d, Set<OpenOption> options) {
      this.path = path;
      this.d = d;
      this.options = options;
    }

    /** How many of {@code n} bytes at {@code pos} fit; throws if none do on a full disk. */
    private int room(long pos, int n) throws IOException {
      if (!diskFull.get() || n == 0) {
        return n;
      }
      long size = d.size();
      if (pos >= size) {
        throw new IOException("No space left on device");
      }
      return (int) Math.min(n, size - pos);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      int n = room(position, src.remaining());
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + n);
      int w = d.write(part, position);
      src.position(src.position() + w);
      return w;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int w = write(src, d.position());
      d.position(d.position() + w);
      return w;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long sum = 0;
      for (int i = offset; i < offset + length; i++) {
        sum += write(srcs[i]);
      }
      return sum;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return d.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public long position() throws IOException {
      return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      d.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return d.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      d.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      forced.add(path);
      d.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      return d.transferFrom(src, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return d.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }
}
