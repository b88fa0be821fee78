package io.btlib.client.internal;

import io.btlib.client.Torrent;
import io.btlib.client.TorrentListener;
import io.btlib.client.TorrentReader;
import io.btlib.client.TorrentStatus;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The thread-safe {@link Torrent} handle: every command is posted to the engine thread. */
final class TorrentHandle implements Torrent {
  private final TorrentRuntime t;

  TorrentHandle(TorrentRuntime t) {
    this.t = t;
  }

  @Override
  public InfoHashes infoHashes() {
    return t.infoHashes;
  }

  @Override
  public Optional<Metainfo> metainfo() {
    return Optional.ofNullable(t.metainfoVolatile);
  }

  @Override
  public void start() {
    check();
    t.engine.post(t::start);
  }

  @Override
  public void pause() {
    check();
    t.engine.post(t::pause);
  }

  @Override
  public void resume() {
    check();
    t.engine.post(t::resume);
  }

  @Override
  public void stop() {
    check();
    t.engine.post(t::stop);
  }

  @Override
  public void remove() {
    check();
    if (markRemoved()) {
      t.engine.post(() -> t.shutdown("removed"));
    }
  }

  @Override
  public void close() {
    if (!t.engine.isClosing() && markRemoved()) {
      t.engine.post(() -> t.shutdown("removed"));
    }
  }

  /** Whether this call is the one that removed the torrent (remove and close may race). */
  private synchronized boolean markRemoved() {
    if (t.removed) {
      return false;
    }
    t.removed = true;
    return true;
  }

  @Override
  public TorrentStatus status() {
    return t.status;
  }

  @Override
  public CompletableFuture<Void> completion() {
    return t.completion;
  }

  @Override
  public void addPeer(PeerAddress peer) {
    check();
    t.engine.post(() -> t.addManualPeer(peer));
  }

  @Override
  public void setFilePriority(int fileIndex, int priority) {
    check();
    if (priority < 0 || priority > 7) {
      throw new IllegalArgumentException("priority must be in [0, 7]: " + priority);
    }
    t.engine.post(() -> t.setFilePriority(fileIndex, priority));
  }

  @Override
  public void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond) {
    check();
    if (downloadBytesPerSecond < 0 || uploadBytesPerSecond < 0) {
      throw new IllegalArgumentException("rate limits must be >= 0: " + downloadBytesPerSecond
          + ", " + uploadBytesPerSecond);
    }
    t.engine.post(() -> t.setRateLimits(downloadBytesPerSecond, uploadBytesPerSecond));
  }

  @Override
  public void addListener(TorrentListener listener) {
    t.listeners.add(listener);
  }

  @Override
  public TorrentReader newReader(int fileIndex) {
    check();
    Metainfo m = t.metainfoVolatile;
    if (fileIndex < 0 || (m != null && fileIndex >= m.files().size())) {
      throw new IllegalArgumentException("no file " + fileIndex + (m == null ? ""
          : ": the torrent has " + m.files().size()));
    }
    return new StreamReader(t, fileIndex);
  }

  private void check() {
    t.engine.checkOpen();
    if (t.removed) {
      throw new IllegalStateException("torrent removed");
    }
  }

  @Override
  public String toString() {
    return "Torrent[" + t.infoHashes + "]";
  }
}
