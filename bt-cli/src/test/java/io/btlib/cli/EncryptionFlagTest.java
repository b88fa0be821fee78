package io.btlib.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code --encryption disabled|enabled|forced} on {@code bt download} and {@code bt seed}. */
class EncryptionFlagTest {
  @TempDir Path tmp;

  Path torrent() throws Exception {
    Files.write(tmp.resolve("f.bin"), new byte[1000]);
    Path t = tmp.resolve("t.torrent");
    assertThat(Run.bt("create", tmp.resolve("f.bin").toString(), "-o", t.toString()).code())
        .isZero();
    return t;
  }

  @Test
  void anUnknownModeIsAUsageError() throws Exception {
    Path t = torrent();
    Run r = Run.bt("download", t.toString(), "-o", tmp.resolve("out").toString(),
        "--encryption", "sometimes");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--encryption").contains("sometimes")
        .contains("disabled, enabled or forced");
    assertThat(Run.bt("seed", t.toString(), tmp.toString(), "--encryption").code()).isEqualTo(2);
  }

  @Test
  void bothCommandsDocumentTheFlag() {
    assertThat(Run.bt("download", "--help").out()).contains("--encryption MODE")
        .contains("forced");
    assertThat(Run.bt("seed", "--help").out()).contains("--encryption MODE");
  }

  @Test
  @Timeout(30)
  void aForcedSeederRuns() throws Exception {
    Path t = torrent();
    Run r = Run.bt("seed", t.toString(), tmp.toString(), "--no-dht", "--duration", "1",
        "--encryption", "forced");
    assertThat(r.code()).as(r.err()).isZero();
  }
}
