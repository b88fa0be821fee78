package io.btlib.storage.internal;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Resolves a torrent file's path under the download directory and checks, before it is opened,
 * that it stays there. Internal, not API.
 *
 * <p>Metainfo has already rejected {@code ..}, absolute and otherwise unsafe components; what is
 * left is the file system itself: a symbolic link planted in the download directory. Every
 * existing component is examined without following links: a directory that is a link must lead
 * (by its real path) inside the root's real path, and the file itself must not be a link at all
 * (it is then opened with {@code NOFOLLOW_LINKS}). A directory where the file should be is
 * refused too.
 *
 * <p>The check and the open are separate system calls (Java has no {@code openat}), so this
 * guards against links present before the storage touches a file, not against a local attacker
 * racing it.
 */
public final class SafePaths {
  private SafePaths() {}

  /** {@code root} resolved by each component in turn. */
  public static Path resolve(Path root, List<String> components) {
    Path p = root;
    for (String c : components) {
      p = p.resolve(c);
    }
    return p;
  }

  /**
   * Checks the existing components of {@code root/components...}.
   *
   * @param rootReal the real path of {@code root}
   * @throws FileSystemException naming the file if a link leads outside the root, the file is a
   *     link, or it is a directory; {@link NoSuchFileException} for a dangling link
   */
  public static void check(Path root, Path rootReal, List<String> components) throws IOException {
    Path file = resolve(root, components);
    if (!file.normalize().startsWith(root.normalize()) || file.equals(root)) {
      throw new FileSystemException(file.toString(), null, "not inside " + root);
    }
    Path p = root;
    int last = components.size() - 1;
    for (int k = 0; k <= last; k++) {
      p = p.resolve(components.get(k));
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        return; // this and everything below will be created inside a checked directory
      }
      if (a.isSymbolicLink()) {
        if (k == last) {
          throw new FileSystemException(file.toString(), null,
              "is a symbolic link; storage does not follow links to files");
        }
        Path real;
        try {
          real = p.toRealPath();
        } catch (NoSuchFileException e) {
          throw new NoSuchFileException(file.toString(), null,
              "symbolic link " + p + " leads nowhere");
        }
        if (!real.startsWith(rootReal)) {
          throw new FileSystemException(file.toString(), null, "symbolic link " + p
              + " leads to " + real + ", outside the download directory " + rootReal);
        }
      } else if (k == last && a.isDirectory()) {
        throw new FileSystemException(file.toString(), null, "is a directory, not a file");
      }
    }
  }
}
