package io.btlib.storage.internal;

import io.btlib.bencode.internal.Bytes;
import io.btlib.metainfo.internal.PathRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Finds the files of a new torrent: the source file itself, or every regular file below the source
 * directory, in BEP 52 order. Internal, not API; the policy is documented on {@code
 * TorrentCreator}.
 */
public final class CreatorScan {

  /**
   * What was found.
   *
   * @param name the torrent's name: the source's file name
   * @param multiFile whether the source is a directory
   * @param files the files in torrent order
   * @param totalBytes the sum of their lengths
   */
  public record Result(String name, boolean multiFile, List<CreatorFile> files, long totalBytes) {
    /** Copies the list. */
    public Result {
      files = List.copyOf(files);
    }
  }

  /** Path components compared as unsigned UTF-8 bytes, component by component; shorter first. */
  public static final Comparator<List<String>> PATH_ORDER = CreatorScan::compare;

  private CreatorScan() {}

  /**
   * Scans {@code source}.
   *
   * @throws java.nio.file.NoSuchFileException if it does not exist
   * @throws FileSystemException if it is neither a file nor a directory, holds no files or no data,
   *     or a name cannot be used in a torrent
   * @throws CancellationException if {@code cancelled} turns true
   */
  public static Result scan(Path source, BooleanSupplier cancelled) throws IOException {
    Path abs = source.toAbsolutePath().normalize();
    Path fileName = abs.getFileName();
    if (fileName == null) {
      throw new FileSystemException(source.toString(), null,
          "has no name to give the torrent (a file system root)");
    }
    String name = fileName.toString();
    checkName(source, name);
    BasicFileAttributes attrs = Files.readAttributes(source, BasicFileAttributes.class);
    List<CreatorFile> files = new ArrayList<>();
    boolean multi;
    if (attrs.isRegularFile()) {
      multi = false;
      files.add(new CreatorFile(List.of(name), source, attrs.size(), isExecutable(source, attrs, false)));
    } else if (attrs.isDirectory()) {
      multi = true;
      // a link named as the source is followed (the walk below would not enter it)
      walk(Files.isSymbolicLink(source) ? source.toRealPath() : source, files, cancelled);
      if (files.isEmpty()) {
        throw new FileSystemException(source.toString(), null, "no files to make a torrent of"
            + " (empty directories, symbolic links and special files are skipped)");
      }
      files.sort(Comparator.comparing(CreatorFile::path, PATH_ORDER));
    } else {
      throw new FileSystemException(source.toString(), null, "not a regular file or directory");
    }
    long total = 0;
    for (CreatorFile f : files) {
      if (total > (Long.MAX_VALUE >> 2) - f.length()) {
        throw new FileSystemException(source.toString(), null, "more than 2^61 bytes");
      }
      total += f.length();
    }
    if (total == 0) {
      throw new FileSystemException(source.toString(), null, "holds no data: a torrent needs at"
          + " least one byte (clients reject a torrent without pieces)");
    }
    return new Result(name, multi, files, total);
  }

  private static void walk(Path root, List<CreatorFile> out, BooleanSupplier cancelled)
      throws IOException {
    // no FOLLOW_LINKS: a symbolic link is visited as itself, and skipped
    Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            if (cancelled.getAsBoolean()) {
              throw new CancellationException("torrent creation cancelled");
            }
            if (!dir.equals(root)) {
              checkName(dir, dir.getFileName().toString());
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (!attrs.isRegularFile()) {
              return FileVisitResult.CONTINUE; // symbolic links, sockets, devices, FIFOs
            }
            Path rel = root.relativize(file);
            List<String> path = new ArrayList<>(rel.getNameCount());
            for (Path c : rel) {
              path.add(c.toString());
            }
            checkName(file, path.get(path.size() - 1));
            out.add(new CreatorFile(path, file, attrs.size(), isExecutable(file, attrs, true)));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            throw e;
          }
        });
  }

  private static void checkName(Path where, String component) throws FileSystemException {
    String problem = PathRules.problem(component);
    if (problem != null) {
      throw new FileSystemException(where.toString(), null,
          "cannot be named in a torrent: " + problem);
    }
  }

  /** Whether the owner-execute bit is set (what libtorrent maps to BEP 47 {@code x}). */
  private static boolean isExecutable(Path file, BasicFileAttributes attrs, boolean noFollow) {
    if (attrs instanceof PosixFileAttributes) {
      return ((PosixFileAttributes) attrs).permissions().contains(PosixFilePermission.OWNER_EXECUTE);
    }
    try {
      LinkOption[] opts = noFollow ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
      return Files.getPosixFilePermissions(file, opts).contains(PosixFilePermission.OWNER_EXECUTE);
    } catch (UnsupportedOperationException | IOException e) {
      return false; // no POSIX permissions here (Windows): no attribute
    }
  }

  private static int compare(List<String> a, List<String> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = Bytes.compareUnsigned(a.get(i).getBytes(StandardCharsets.UTF_8),
          b.get(i).getBytes(StandardCharsets.UTF_8));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}
