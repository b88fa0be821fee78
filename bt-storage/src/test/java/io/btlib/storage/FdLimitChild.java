package io.btlib.storage;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.bencode.BencodeWriter;
import io.btlib.client.Client;
import io.btlib.client.StorageFactory;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The child JVM of {@link FdLimitTest}: one client seeding {@code N} single-file torrents from
 * one {@link FileStorage} factory, each checked from disk when it starts. Prints {@code seeding N
 * fds F} and exits 0 once all seed; a failure (such as "Too many open files") exits 1.
 *
 * <pre>java -cp ... io.btlib.storage.FdLimitChild DIR N</pre>
 */
public final class FdLimitChild {
  private FdLimitChild() {}

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    List<Metainfo> metas = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] bytes = new byte[16 * 1024];
      bytes[0] = (byte) i;
      bytes[1] = (byte) (i >>> 8);
      String name = "t" + i + ".bin";
      Files.write(dir.resolve(name), bytes);
      BDict info = BDict.builder().put("length", bytes.length).put("name", name)
          .put("piece length", bytes.length).put("pieces", BString.of(sha1.digest(bytes)))
          .build();
      metas.add(Metainfo.parse(BencodeWriter.encode(BDict.builder().put("info", info).build())));
    }
    StorageFactory files = FileStorage.builder(dir).build();
    try (Client client = Client.builder().build()) {
      List<CompletableFuture<Void>> done = new ArrayList<>();
      for (Metainfo m : metas) {
        Torrent t = client.add(m, files.open(m));
        t.start();
        done.add(t.completion());
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
      long fds;
      try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
        fds = s.count() - 1;
      }
      System.out.println("seeding " + done.size() + " fds " + fds);
    }
  }
}
