package io.btlib.dht;

import io.btlib.client.PeerSource;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.policy.PeerCandidate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link PeerSource.Context} that records what the source reports. */
final class FakeContext implements PeerSource.Context {
  final InfoHashes hashes;
  final int listenPort;
  final boolean isPrivate;
  final List<PeerAddress> peers = new CopyOnWriteArrayList<>();
  final List<PeerCandidate.Source> sources = new CopyOnWriteArrayList<>();

  FakeContext(InfoHashes hashes, int listenPort, boolean isPrivate) {
    this.hashes = hashes;
    this.listenPort = listenPort;
    this.isPrivate = isPrivate;
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
    return List.of();
  }

  @Override
  public PeerId peerId() {
    return PeerId.of(new byte[PeerId.LENGTH]);
  }

  @Override
  public int listenPort() {
    return listenPort;
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
    return -1;
  }

  @Override
  public boolean isPrivate() {
    return isPrivate;
  }

  @Override
  public void addPeers(Collection<PeerAddress> found, PeerCandidate.Source source) {
    peers.addAll(found);
    sources.add(source);
  }
}
