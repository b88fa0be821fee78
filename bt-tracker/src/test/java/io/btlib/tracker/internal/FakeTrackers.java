package io.btlib.tracker.internal;

import io.btlib.client.PeerSource;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.policy.PeerCandidate;
import io.btlib.tracker.AnnounceEvent;
import io.btlib.tracker.AnnounceRequest;
import io.btlib.tracker.AnnounceResponse;
import io.btlib.tracker.ScrapeStats;
import io.btlib.tracker.TrackerClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A tracker client that records announces for the test to answer, and a torrent context. */
final class FakeTrackers implements TrackerClient {
  /** One announce the test can answer. */
  record Call(String url, AnnounceRequest request, CompletableFuture<AnnounceResponse> reply) {
    AnnounceEvent event() {
      return request.event();
    }

    void ok(Duration interval, PeerAddress... peers) {
      reply.complete(AnnounceResponse.of(interval, List.of(peers)));
    }

    void ok() {
      ok(Duration.ofMinutes(30));
    }

    void fail() {
      reply.completeExceptionally(new java.io.IOException("unreachable"));
    }
  }

  final List<Call> calls = new ArrayList<>();
  private int taken;

  @Override
  public boolean supports(URI tracker) {
    return !"wss".equals(tracker.getScheme());
  }

  @Override
  public CompletableFuture<AnnounceResponse> announce(URI tracker, AnnounceRequest request) {
    Call c = new Call(tracker.toString(), request, new CompletableFuture<>());
    calls.add(c);
    return c.reply;
  }

  @Override
  public CompletableFuture<Map<InfoHash, ScrapeStats>> scrape(URI tracker, List<InfoHash> h) {
    // TrackerPeerSource only announces; a scrape from it would be a bug the test must see
    throw new AssertionError("TrackerPeerSource scraped " + tracker + " for " + h);
  }

  @Override
  public void close() {}

  /** The calls made since the last time this was asked. */
  List<Call> newCalls() {
    List<Call> out = List.copyOf(calls.subList(taken, calls.size()));
    taken = calls.size();
    return out;
  }

  /** The only call made since the last time. */
  Call next() {
    List<Call> c = newCalls();
    if (c.size() != 1) {
      throw new AssertionError("expected one announce, got " + c);
    }
    return c.get(0);
  }

  /** A live torrent as the engine would show it. */
  static final class Context implements PeerSource.Context {
    InfoHashes hashes = InfoHashes.ofV1(InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567"));
    volatile List<List<String>> tiers = List.of();
    volatile boolean isPrivate;
    volatile long left = 1000;
    final List<PeerAddress> peers = new ArrayList<>();

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
      return PeerId.fromHex("2d4254303130302d000102030405060708090a0b");
    }

    @Override
    public int listenPort() {
      return 6881;
    }

    @Override
    public long uploaded() {
      return 10;
    }

    @Override
    public long downloaded() {
      return 20;
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
      if (source != PeerCandidate.Source.TRACKER) {
        throw new AssertionError(source);
      }
      peers.addAll(found);
    }
  }
}
