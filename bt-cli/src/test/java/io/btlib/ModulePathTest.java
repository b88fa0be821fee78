package io.btlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library jars are real modules, used as a modular application would: a named module that
 * {@code requires io.btlib.storage} and {@code io.btlib.tracker} is compiled against the module
 * path alone and run with {@code java -p ... -m}: it starts a tracker, a seeder and a leecher that
 * finds the seeder through the tracker (the HTTP tracker client, so {@code java.net.http} too), and
 * checks the downloaded bytes. A module that imports an {@code internal} package does not compile.
 */
class ModulePathTest {
  @TempDir Path tmp;

  static final String APP_MODULE = """
      module demo.app {
        requires io.btlib.storage;
        requires io.btlib.tracker;
      }
      """;

  static final String APP_MAIN = """
      package demo;

      import io.btlib.client.Client;
      import io.btlib.client.Torrent;
      import io.btlib.metainfo.Metainfo;
      import io.btlib.storage.FileStorage;
      import io.btlib.storage.TorrentCreator;
      import io.btlib.tracker.TrackerPeerSource;
      import io.btlib.tracker.server.TrackerServer;
      import java.nio.file.Files;
      import java.nio.file.Path;
      import java.util.Arrays;
      import java.util.Random;
      import java.util.concurrent.TimeUnit;

      public class Main {
        public static void main(String[] args) throws Exception {
          Path dir = Path.of(args[0]);
          Path src = dir.resolve("seed").resolve("data.bin");
          Files.createDirectories(src.getParent());
          byte[] data = new byte[5 * 65536 + 1234];
          new Random(7).nextBytes(data);
          Files.write(src, data);
          try (TrackerServer tracker = TrackerServer.builder().build().start();
              TrackerPeerSource seedPeers = TrackerPeerSource.builder().build();
              TrackerPeerSource leechPeers = TrackerPeerSource.builder().build();
              Client seeder = Client.builder().peerSource(seedPeers).build();
              Client leecher = Client.builder().peerSource(leechPeers).build()) {
            Metainfo m = TorrentCreator.builder(src).pieceLength(65536)
                .tracker(tracker.httpAnnounceUrl()).build().create();
            Torrent s = seeder.add(m, FileStorage.open(m, src.getParent()));
            s.start();
            s.completion().get(30, TimeUnit.SECONDS);
            Torrent l = leecher.add(m, FileStorage.open(m, dir.resolve("leech")));
            l.start();
            l.completion().get(60, TimeUnit.SECONDS);
            byte[] got = Files.readAllBytes(dir.resolve("leech").resolve("data.bin"));
            if (!Arrays.equals(data, got)) {
              throw new AssertionError("downloaded bytes differ");
            }
            for (Class<?> c : new Class<?>[] {Client.class, FileStorage.class, TrackerServer.class,
                io.btlib.bencode.BValue.class}) {
              System.out.println("named module " + c.getModule().getName() + " "
                  + c.getModule().isNamed());
            }
            System.out.println("downloaded " + got.length + " bytes through the tracker");
          }
        }
      }
      """;

  static final String BAD_MODULE = """
      module demo.bad {
        requires io.btlib.core;
      }
      """;

  static final String BAD_MAIN = """
      package bad;

      public class Main {
        public static void main(String[] args) {
          System.out.println(io.btlib.client.internal.Engine.class);
        }
      }
      """;

  /** The library modules and slf4j-api: everything a modular app needs from bt. */
  static String modulePath() throws Exception {
    List<Path> entries = new ArrayList<>();
    for (Class<?> anchor : PublicApiTest.ANCHORS) {
      entries.add(ApiSignatureTest.location(anchor));
    }
    entries.add(Path.of(org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI()));
    return entries.stream().map(Path::toString)
        .collect(Collectors.joining(java.io.File.pathSeparator));
  }

  static Path write(Path root, String module, String pkg, String info, String main)
      throws IOException {
    Path src = root.resolve(module);
    Files.createDirectories(src.resolve(pkg));
    Files.writeString(src.resolve("module-info.java"), info);
    Files.writeString(src.resolve(pkg).resolve("Main.java"), main);
    return src;
  }

  /** Compiles one module; returns javac's exit code and its messages. */
  static String compile(Path src, Path out, String modulePath, int[] code) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    // an empty class path: in-process javac would otherwise default to this JVM's, where bt's
    // jars sit in the unnamed module
    Path noClasses = Files.createDirectories(out.resolveSibling("no-classes"));
    List<String> args = new ArrayList<>(List.of("--module-path", modulePath, "--class-path",
        noClasses.toString(), "-d", out.toString()));
    try (Stream<Path> s = Files.walk(src)) {
      s.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
    }
    ByteArrayOutputStream msgs = new ByteArrayOutputStream();
    code[0] = javac.run(null, msgs, msgs, args.toArray(String[]::new));
    return msgs.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aModularAppDownloadsThroughTheTracker() throws Exception {
    String mp = modulePath();
    Path src = write(tmp.resolve("src"), "demo.app", "demo", APP_MODULE, APP_MAIN);
    Path out = tmp.resolve("out").resolve("demo.app");
    int[] code = new int[1];
    String msgs = compile(src, out, mp, code);
    assertThat(code[0]).as(msgs).isZero();

    Path work = tmp.resolve("work");
    Files.createDirectories(work);
    Path log = tmp.resolve("app.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "--module-path", mp + java.io.File.pathSeparator + out,
        "--module", "demo.app/demo.Main", work.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = p.waitFor(120, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly().waitFor();
    }
    String output = Files.readString(log);
    assertThat(done).as("the app finished:\n%s", output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("named module io.btlib.core true",
        "named module io.btlib.storage true", "named module io.btlib.tracker true",
        "named module io.btlib.bencode true", "downloaded 328914 bytes through the tracker");
  }

  @Test
  void aModuleCannotCompileAgainstAnInternalPackage() throws Exception {
    Path src = write(tmp.resolve("src"), "demo.bad", "bad", BAD_MODULE, BAD_MAIN);
    int[] code = new int[1];
    String msgs = compile(src, tmp.resolve("out"), modulePath(), code);
    assertThat(code[0]).isNotZero();
    assertThat(msgs).contains("package io.btlib.client.internal is declared in module io.btlib.core,"
        + " which does not export it");
  }
}
