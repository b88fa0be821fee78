package io.btlib.storage;

import io.btlib.metainfo.FileEntry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link FileChannelProvider} for tests, shaped like an Android app's: it maps a file's path
 * components under a directory and opens it read-only for {@code READ} and write-only for {@code
 * WRITE} (as {@code FileInputStream} and {@code FileOutputStream} channels are), through a {@link
 * TestOpener} that records channels and forces and can play a full disk. Every call is recorded;
 * {@link #override} replaces the answer for one file and mode (to throw, return null, a closed or
 * a wrong channel).
 */
final class TestProvider implements FileChannelProvider {
  final Path root;
  final TestOpener opener;
  final List<Call> calls = new CopyOnWriteArrayList<>();
  final Map<String, Answer> overrides = new ConcurrentHashMap<>();

  /** One call: file index, mode, and the channel returned (null if none). */
  record Call(int index, Mode mode, FileChannel channel) {}

  /** A replacement answer for one file and mode. */
  @FunctionalInterface
  interface Answer {
    FileChannel open(Path file) throws IOException;
  }

  TestProvider(Path root) {
    this(root, new TestOpener());
  }

  TestProvider(Path root, TestOpener opener) {
    this.root = root;
    this.opener = opener;
  }

  /** From now on, opening file {@code index} for {@code mode} gives {@code answer}'s result. */
  void override(int index, Mode mode, Answer answer) {
    overrides.put(index + " " + mode, answer);
  }

  void clearOverrides() {
    overrides.clear();
  }

  Path pathOf(FileEntry f) {
    Path p = root;
    for (String c : f.path()) {
      p = p.resolve(c);
    }
    return p;
  }

  @Override
  public FileChannel open(FileEntry file, int index, Mode mode) throws IOException {
    Path p = pathOf(file);
    Answer a = overrides.get(index + " " + mode);
    FileChannel ch;
    if (a != null) {
      ch = a.open(p);
    } else if (mode == Mode.READ) {
      ch = opener.open(p, Set.of(StandardOpenOption.READ));
    } else {
      Files.createDirectories(p.getParent());
      ch = opener.open(p, Set.<OpenOption>of(StandardOpenOption.WRITE,
          StandardOpenOption.CREATE));
    }
    calls.add(new Call(index, mode, ch));
    return ch;
  }

  /** The calls for file {@code index} (in any mode). */
  List<Call> callsFor(int index) {
    return calls.stream().filter(c -> c.index() == index).toList();
  }

  /** How many channels this provider returned are open now. */
  long openNow() {
    return calls.stream().map(Call::channel).filter(c -> c != null && c.isOpen()).count();
  }

  /** The last channel returned for file {@code index} and {@code mode}. */
  FileChannel last(int index, Mode mode) {
    FileChannel found = null;
    for (Call c : calls) {
      if (c.index() == index && c.mode() == mode) {
        found = c.channel();
      }
    }
    return found;
  }

  @Override
  public String toString() {
    return "TestProvider[" + root + "]";
  }
}
