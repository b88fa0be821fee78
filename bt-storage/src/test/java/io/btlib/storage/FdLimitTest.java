package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 torrents seed from files in one client under {@code ulimit -n 256} (issue 18): their files
 * share one pool of 64, so the descriptors stay bounded whatever the torrent count (one per torrent
 * stopped the 243rd torrent with "Too many open files"). Runs a child JVM through bash; Linux only.
 */
class FdLimitTest {
  @TempDir Path dir;

  @Test
  void aThousandTorrentsSeedUnderAFdLimitOf256() throws Exception {
    assumeThat(Path.of("/proc/self/fd")).isDirectory();
    assumeThat(Path.of("/bin/bash")).exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = dir.resolve("child.log");
    Path data = Files.createDirectories(dir.resolve("data"));
    Process p = new ProcessBuilder("/bin/bash", "-c",
        "ulimit -n 256 && exec \"$0\" -Xmx256m -cp \"$1\" io.btlib.storage.FdLimitChild \"$2\" 1000",
        java, System.getProperty("java.class.path"), data.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly().waitFor();
    }
    String output = Files.readString(log);
    assertThat(done).as("the child finished:\n%s", output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    Matcher m = Pattern.compile("seeding 1000 fds (\\d+)").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    // the pool's 64, the client's sockets and selector, the JVM's own (jars, stdio)
    assertThat(Integer.parseInt(m.group(1))).as(output).isLessThan(128);
  }
}
