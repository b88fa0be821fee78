package io.btlib.client;

import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A live handle to one torrent in a {@link Client}: start, pause and stop it, read its status,
 * add peers, listen to it, wait for it.
 *
 * <pre>{@code
 * Torrent t = client.add(metainfo, FileStorage.open(metainfo, dir));
 * t.start();
 * t.completion().get();   // every wanted piece verified on disk
 * }</pre>
 *
 * <p>Methods are thread-safe and return at once; the work happens on the client's engine thread.
 * After the torrent is removed or the client closed, commands throw {@link IllegalStateException}.
 *
 * <p>A torrent is {@link AutoCloseable}: {@link #close()} removes it from its client, like {@link
 * #remove()}, but may be called any number of times and after the client is closed, so a torrent
 * used for one job fits a try-with-resources block:
 *
 * <pre>{@code
 * try (Torrent t = client.add(metainfo, FileStorage.open(metainfo, dir))) {
 *   t.start();
 *   t.completion().get();
 * }   // removed: connections and storage closed, the client goes on
 * }</pre>
 */
public interface Torrent extends AutoCloseable {

  /** The torrent's info hashes. */
  InfoHashes infoHashes();

  /** The metainfo, once known (at once, unless the torrent was added by magnet link). */
  Optional<Metainfo> metainfo();

  /** Starts: checks what storage holds (or trusts the given verified set), then downloads/seeds. */
  void start();

  /** Closes the torrent's connections and stops transfers; state is kept. */
  void pause();

  /** Undoes {@link #pause()}. */
  void resume();

  /**
   * Closes the torrent's connections and peer sources and returns it to {@link
   * TorrentState#STOPPED}; what was verified is kept, and a later {@link #start()} trusts it
   * instead of checking the storage again.
   */
  void stop();

  /**
   * Removes the torrent from the client, closing its connections and its storage.
   *
   * @throws IllegalStateException if it was removed already or the client is closed
   */
  void remove();

  /**
   * Removes the torrent from the client, closing its connections and its storage, unless it is
   * removed already or its client is closed; idempotent, never throws.
   */
  @Override
  void close();

  /** A snapshot of the torrent's progress. */
  TorrentStatus status();

  /**
   * Completes when every wanted piece is verified (at once if that is already so at start);
   * completes exceptionally if the torrent fails or is removed first.
   */
  CompletableFuture<Void> completion();

  /** Adds a peer to dial; it is retried with backoff for as long as the torrent runs. */
  void addPeer(PeerAddress peer);

  /** Sets a file's priority: 0 skips it, 1 normal (default) up to 7. */
  void setFilePriority(int fileIndex, int priority);

  /**
   * Limits this torrent's payload rates in bytes per second, 0 for unlimited (the default); the
   * client's own limits apply as well.
   */
  void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond);

  /** Registers a listener; see {@link TorrentListener} for the delivery contract. */
  void addListener(TorrentListener listener);

  /**
   * Opens a reader of file {@code fileIndex} (its index in {@code Metainfo.files()}) that returns
   * its bytes as they are verified, for streaming; see {@link TorrentReader}. The reader's window
   * starts at position 0. On a torrent added by magnet link it may be opened before the metadata
   * arrives: its reads (and {@code size()}) then wait for the metadata, and a file index the
   * metadata does not have makes them throw an {@link java.io.IOException}.
   *
   * @throws IllegalArgumentException if {@code fileIndex} is negative, or the metadata is known
   *     and has no such file
   * @throws IllegalStateException if the torrent is removed or the client closed
   */
  TorrentReader newReader(int fileIndex);
}
