package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.bencode.BencodeWriter;
import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentState;
import io.btlib.client.internal.ClientAccess;
import io.btlib.client.internal.Engine;
import io.btlib.metainfo.Metainfo;
import io.btlib.policy.ChokeDecision;
import io.btlib.policy.Choker;
import io.btlib.storage.MemoryStorage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A thousand idle torrents in one client cost nothing per tick (issue 18): on virtual time, a
 * counting choker (the engine asks each torrent's choker at every round of a torrent it visits)
 * shows which torrents the engine's ticks visit, and adding, starting and removing one torrent
 * touches no other.
 */
class ManyTorrentsTest {
  static final int N = 1000;
  static final AccessLink LAN = AccessLink.symmetric(20 << 20, Duration.ofMillis(5));

  /** Counts the rechokes of every choker it makes, and of the latest one alone. */
  static final class CountingChokers implements Choker.Factory {
    final AtomicLong all = new AtomicLong();
    AtomicLong latest;

    @Override
    public Choker create() {
      AtomicLong mine = new AtomicLong();
      latest = mine;
      return (peers, ctx) -> {
        all.incrementAndGet();
        mine.incrementAndGet();
        return new ChokeDecision(java.util.Set.of(), Optional.empty());
      };
    }
  }

  static Metainfo torrent(int i) {
    byte[] pieces = new byte[20];
    pieces[0] = (byte) i;
    pieces[1] = (byte) (i >>> 8);
    BDict info = BDict.builder().put("length", 16 * 1024).put("name", "t" + i + ".bin")
        .put("piece length", 16 * 1024).put("pieces", BString.of(pieces)).build();
    return Metainfo.parse(BencodeWriter.encode(BDict.builder().put("info", info).build()));
  }

  static Torrent addSeeding(Client client, Metainfo m) {
    BitSet all = new BitSet();
    all.set(0, m.pieceCount()); // resume data: no check
    Torrent t = client.add(m, MemoryStorage.of(m), all);
    t.start();
    return t;
  }

  @Test
  void idleTorrentsAreNotVisitedByTicks() {
    CountingChokers chokers = new CountingChokers();
    try (Simulation sim = new Simulation(18)) {
      Client client = sim.addHost(LAN).client(Client.builder().choker(chokers));
      Engine engine = ClientAccess.engine(client);
      List<Torrent> torrents = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        torrents.add(addSeeding(client, torrent(i)));
      }
      sim.runFor(Duration.ofSeconds(5));
      assertThat(torrents).allMatch(t -> t.status().state() == TorrentState.SEEDING);
      assertThat(engine.awakeTorrents()).isZero();
      long atStart = chokers.all.get();
      assertThat(atStart).as("one round each when it began to seed").isLessThanOrEqualTo(N);

      sim.runFor(Duration.ofMinutes(10)); // 6,000 ticks, 60 choke rounds
      assertThat(chokers.all.get()).as("rechokes while idle").isEqualTo(atStart);
      assertThat(engine.awakeTorrents()).isZero();
    }
  }

  @Test
  void addingStartingAndRemovingOneTorrentTouchesNoOther() {
    CountingChokers chokers = new CountingChokers();
    try (Simulation sim = new Simulation(19)) {
      Client client = sim.addHost(LAN).client(Client.builder().choker(chokers));
      for (int i = 0; i < N; i++) {
        addSeeding(client, torrent(i));
      }
      sim.runFor(Duration.ofSeconds(5));
      long others = chokers.all.get();

      Torrent one = addSeeding(client, torrent(N));
      AtomicLong itsOwn = chokers.latest;
      sim.runFor(Duration.ofMinutes(1));
      assertThat(one.status().state()).isEqualTo(TorrentState.SEEDING);
      one.pause();
      sim.runFor(Duration.ofSeconds(1));
      one.resume();
      sim.runFor(Duration.ofSeconds(1));
      one.remove();
      sim.runFor(Duration.ofSeconds(1));

      assertThat(chokers.all.get() - itsOwn.get()).as("the other torrents' rechokes")
          .isEqualTo(others);
      assertThat(client.torrents()).hasSize(N);
    }
  }
}
