package io.btlib.tracker;

import io.btlib.client.PeerSource;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.policy.PeerCandidate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A torrent as the engine shows it to a peer source; thread-safe. */
final class TestContext implements PeerSource.Context {
  final InfoHashes hashes;
  final PeerId peerId;
  final int port;
  volatile List<List<String>> tiers;
  volatile boolean isPrivate;
  volatile long left = 1000;
  final List<PeerAddress> peers = new CopyOnWriteArrayList<>();

  TestContext(InfoHash hash, PeerId peerId, int port, List<List<String>> tiers) {
    this.hashes = InfoHashes.ofV1(hash);
    this.peerId = peerId;
    this.port = port;
    this.tiers = tiers;
  }

  @Override
  public InfoHashes infoHashes() {
    return hashes;
  }

  @Override
  public Optional<Metainfo> metainfo() {
    return Optional.empty();
  }

  @Override
  public List<List<String>> trackerTiers() {
    return tiers;
  }

  @Override
  public PeerId peerId() {
    return peerId;
  }

  @Override
  public int listenPort() {
    return port;
  }

  @Override
  public long uploaded() {
    return 0;
  }

  @Override
  public long downloaded() {
    return 0;
  }

  @Override
  public long left() {
    return left;
  }

  @Override
  public boolean isPrivate() {
    return isPrivate;
  }

  @Override
  public void addPeers(Collection<PeerAddress> found, PeerCandidate.Source source) {
    if (source == PeerCandidate.Source.TRACKER) {
      peers.addAll(found);
    }
  }
}
