package io.btlib.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Random;

/**
 * Measures what the machine charges for writing into page cache it has not used lately, which
 * is what every download does: it writes MIB MiB (default 1024) to a new file with {@code
 * pwrite} from one 256 KiB direct buffer, deletes the file, and repeats, first back to back and
 * then with a pause before each round, printing the wall and CPU seconds of each round.
 *
 * <pre>
 * java -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.PageCacheProbe DIR [MIB] [PAUSE_S]
 * </pre>
 *
 * <p>On a machine that keeps its freed memory, both kinds of round cost the same. On a virtual
 * machine whose balloon driver reports freed pages to the host, a round after a pause (default
 * 6 s) costs several times more CPU, all of it in the kernel's copy into the new pages: the host
 * must fault each page back in. That cost lands on whichever client writes the download, which
 * is why {@code interop/throughput.sh} figures spread so much on such a machine.
 */
public final class PageCacheProbe {
  private PageCacheProbe() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length < 1 || args.length > 3) {
      throw new IllegalArgumentException("usage: PageCacheProbe DIR [MIB] [PAUSE_S]");
    }
    Path file = Path.of(args[0]).resolve("page-cache-probe.bin");
    long size = (args.length > 1 ? Long.parseLong(args[1]) : 1024) << 20;
    long pauseMillis = (args.length > 2 ? Long.parseLong(args[2]) : 6) * 1000;
    int chunk = 256 << 10;
    ByteBuffer buf = ByteBuffer.allocateDirect(chunk);
    Random random = new Random(1);
    while (buf.hasRemaining()) {
      buf.putLong(random.nextLong());
    }
    var os = (com.sun.management.OperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean();
    for (int round = 0; round < 6; round++) {
      boolean paused = round >= 3;
      if (paused) {
        Thread.sleep(pauseMillis);
      }
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        for (long pos = 0; pos < size; pos += chunk) {
          buf.clear();
          while (buf.hasRemaining()) {
            ch.write(buf, pos + buf.position());
          }
        }
      } finally {
        Files.deleteIfExists(file);
      }
      System.out.printf(Locale.ROOT, "round %d (%s): %d MiB written in %.2f s, %.2f CPU s%n",
          round + 1, paused ? "after a " + pauseMillis / 1000 + " s pause" : "back to back",
          size >> 20, (System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9);
    }
  }
}
