package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import io.btlib.policy.PeerSelector;
import io.btlib.policy.PeerSelectors;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Peer sources that return dead peers and our own address besides live ones (issue 14: a DHT
 * that still lists a killed seeder, an exited downloader and ourselves).
 */
class DeadPeersTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** A source that reports its list when opened; {@link #report} reports more later. */
  static final class ListSource implements PeerSource {
    final List<PeerAddress> peers = new CopyOnWriteArrayList<>();
    final boolean withOwnAddress;
    volatile Context context;

    ListSource(List<PeerAddress> peers, boolean withOwnAddress) {
      this.peers.addAll(peers);
      this.withOwnAddress = withOwnAddress;
    }

    @Override
    public Session open(Context context) {
      List<PeerAddress> all = new ArrayList<>(peers);
      if (withOwnAddress) {
        all.add(0, PeerAddress.of("127.0.0.1", context.listenPort()));
      }
      this.context = context;
      context.addPeers(all, PeerCandidate.Source.DHT);
      return () -> { };
    }

    void report(PeerAddress... more) {
      context.addPeers(List.of(more), PeerCandidate.Source.DHT);
    }
  }

  /** One call of the selector: what it was offered and what it chose. */
  record Round(long now, List<PeerCandidate> offered, List<PeerAddress> chosen) {}

  /**
   * Wraps a selector and records every round. {@code eager} replaces the default's retry policy
   * by "everything, every time", so an endpoint the engine itself does not stop dialling would be
   * dialled again at every tick.
   */
  static final class RecordingSelector implements PeerSelector.Factory {
    final List<Round> rounds = new CopyOnWriteArrayList<>();
    final boolean eager;

    RecordingSelector(boolean eager) {
      this.eager = eager;
    }

    @Override
    public PeerSelector create() {
      PeerSelector inner = PeerSelectors.defaults().create();
      return (candidates, slots, now) -> {
        List<PeerAddress> chosen = new ArrayList<>();
        if (eager) {
          for (int i = 0; i < candidates.size() && chosen.size() < slots; i++) {
            chosen.add(candidates.get(i).address());
          }
        } else {
          chosen.addAll(inner.select(candidates, slots, now));
        }
        record(new Round(now, List.copyOf(candidates), List.copyOf(chosen)));
        return chosen;
      };
    }

    private synchronized void record(Round r) {
      rounds.add(r);
      notifyAll();
    }

    /** Waits, woken by each round, until {@code condition} holds (at most 30 s). */
    synchronized void await(BooleanSupplier condition, String what) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!condition.getAsBoolean()) {
        long left = end - System.nanoTime();
        assertThat(left).as("waiting for " + what).isPositive();
        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }

    long timesChosen(PeerAddress a) {
      return rounds.stream().filter(r -> r.chosen().contains(a)).count();
    }

    boolean everOffered(PeerAddress a) {
      return rounds.stream().anyMatch(r -> r.offered().stream().anyMatch(c -> c.address()
          .equals(a)));
    }
  }

  /** A port nothing listens on: dialling it is refused. */
  private static PeerAddress refusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return PeerAddress.of("127.0.0.1", s.getLocalPort());
    }
  }

  /** A listener that accepts connections and never says a word. */
  private PeerAddress silentListener() throws IOException {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    List<Socket> held = new CopyOnWriteArrayList<>();
    Thread t = new Thread(() -> {
      try {
        for (;;) {
          held.add(s.accept());
        }
      } catch (IOException e) {
        // closed
      }
    }, "silent-listener");
    t.setDaemon(true);
    t.start();
    closeables.add(() -> {
      s.close();
      for (Socket so : held) {
        so.close();
      }
      t.join(5000);
    });
    return PeerAddress.of("127.0.0.1", s.getLocalPort());
  }

  private Client seeder(Metainfo m, byte[] data) throws Exception {
    Client seeder = Client.builder().build();
    closeables.add(seeder);
    Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
    s.start();
    s.completion().get(10, TimeUnit.SECONDS);
    return seeder;
  }

  /** Five refused ports and five silent listeners, interleaved. */
  private List<PeerAddress> deadPeers() throws IOException {
    List<PeerAddress> list = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      list.add(refusedPort());
      list.add(silentListener());
    }
    return list;
  }

  @Test
  void completesFromTheOneLivePeerAmongDeadOnesAndOurOwnAddress() throws Exception {
    byte[] data = TestTorrents.random(2_000_000, 11);
    Metainfo m = TestTorrents.v1(data, 64 * 1024);
    PeerAddress live = PeerAddress.of(seeder(m, data).listenAddress());
    List<PeerAddress> list = deadPeers();
    list.add(live);
    RecordingSelector selector = new RecordingSelector(false);
    Client leecher = Client.builder().peerSource(new ListSource(list, true))
        .peerSelector(selector).build();
    closeables.add(leecher);
    TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
    Torrent l = leecher.add(m, store);
    l.start();
    l.completion().get(60, TimeUnit.SECONDS);
    assertThat(store.data).isEqualTo(data);
    // the live peer went out in the first round that offered it: no dead peer kept it waiting
    Round first = selector.rounds.stream().filter(r -> r.offered().stream()
        .anyMatch(c -> c.address().equals(live))).findFirst().orElseThrow();
    assertThat(first.chosen()).contains(live);
    // our own listen address was recognised before any dial
    assertThat(selector.everOffered(PeerAddress.of(leecher.listenAddress()))).isFalse();
  }

  @Test
  void aDialThatReachesOurselvesMarksOnlyThatEndpoint() throws Exception {
    byte[] data = TestTorrents.random(1_000_000, 12);
    Metainfo m = TestTorrents.v1(data, 64 * 1024);
    PeerAddress live = PeerAddress.of(seeder(m, data).listenAddress());
    RecordingSelector selector = new RecordingSelector(true);
    ListSource source = new ListSource(List.of(), false);
    Client leecher = Client.builder().peerSource(source).peerSelector(selector).build();
    closeables.add(leecher);
    // our own listener behind another endpoint, as behind a NAT's public address: only the
    // handshake (our own peer id) can tell
    RecordingProxy relay = new RecordingProxy(leecher.listenAddress());
    closeables.add(relay);
    PeerAddress refused = refusedPort();
    source.peers.add(relay.address());
    source.peers.add(refused);
    TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
    Torrent l = leecher.add(m, store);
    l.start();
    assertThat(relay.first(30).awaitEnd(30)).as("the dial to ourselves ended").isTrue();
    // ten more rounds, each offering the refused peer again (the eager selector dials it every
    // time): none offers the endpoint that was ourselves
    int after = selector.rounds.size();
    selector.await(() -> selector.rounds.size() >= after + 10, "ten more rounds");
    assertThat(selector.timesChosen(relay.address())).isEqualTo(1);
    assertThat(selector.rounds.subList(after, selector.rounds.size()))
        .allSatisfy(r -> assertThat(r.offered()).extracting(PeerCandidate::address)
            .doesNotContain(relay.address()));
    // reported again, it is not taken back
    source.report(relay.address());
    int later = selector.rounds.size();
    selector.await(() -> selector.rounds.size() >= later + 3, "three more rounds");
    assertThat(selector.timesChosen(relay.address())).isEqualTo(1);
    // another peer on the same IP, 127.0.0.1, is dialled and used
    source.report(live);
    l.completion().get(60, TimeUnit.SECONDS);
    assertThat(store.data).isEqualTo(data);
    assertThat(l.status().bannedPeers()).isZero();
    assertThat(relay.relayed()).hasSize(1);
  }

  @Test
  void deadEndpointsAreRetriedWithBackoffNotAtOnce() throws Exception {
    byte[] data = TestTorrents.random(500_000, 13);
    Metainfo m = TestTorrents.v1(data, 64 * 1024);
    List<PeerAddress> dead = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      dead.add(refusedPort());
    }
    RecordingSelector selector = new RecordingSelector(false);
    Client leecher = Client.builder().peerSource(new ListSource(dead, false))
        .peerSelector(selector).build();
    closeables.add(leecher);
    Torrent l = leecher.add(m, new TestTorrents.ArrayStorage(m, null));
    l.start();
    // each dead endpoint failed once, on its own
    selector.await(() -> selector.rounds.stream().anyMatch(r -> r.offered().size() == dead.size()
        && r.offered().stream().allMatch(c -> c.failures() >= 1)), "every dial to fail");
    int after = selector.rounds.size();
    selector.await(() -> selector.rounds.size() >= after + 10, "ten more rounds");
    for (Round r : selector.rounds) {
      for (PeerCandidate c : r.offered()) {
        if (r.chosen().contains(c.address()) && c.failures() > 0) {
          assertThat(r.now() - c.lastAttemptNanos()).as("retry of %s", c.address())
              .isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(10));
        }
      }
    }
    for (PeerAddress a : dead) {
      assertThat(selector.timesChosen(a)).as("dials to %s", a).isPositive();
    }
  }
}
