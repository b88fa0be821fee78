package io.btlib.tracker.server.internal;

import static io.btlib.tracker.server.internal.Requests.announce;
import static io.btlib.tracker.server.internal.Requests.pct;
import static io.btlib.tracker.server.internal.Requests.peerId;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.Bdecoder;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.tracker.AnnounceResponse;
import io.btlib.tracker.HttpTrackerResponses;
import io.btlib.tracker.ScrapeStats;
import io.btlib.tracker.TrackerFailureException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpTrackerHandlerTest {
  static final byte[] HASH = new byte[20];
  static final byte[] OTHER = new byte[20];
  static final byte[] LOCAL = {127, 0, 0, 1};
  static final byte[] REMOTE = {10, 1, 2, 3};

  static {
    Arrays.fill(HASH, (byte) 0xAB);
    HASH[0] = '%'; // a byte that must be percent-encoded
    Arrays.fill(OTHER, (byte) 0x20);
  }

  private final ByteSink body = new ByteSink(64);

  private static HttpTrackerHandler handler(Set<HashKey> allowed) {
    SwarmRegistry r = new SwarmRegistry(
        new SwarmRegistry.Limits(100, 100, 1000, 50, 200, 3_600_000_000_000L), allowed);
    return new HttpTrackerHandler(r, new Rng(1), 1800, 300);
  }

  private int get(HttpTrackerHandler h, String target, byte[] ip) {
    byte[] b = ("GET " + target).getBytes(ISO_8859_1);
    return h.handle(b, 4, b.length, ip, 0, body);
  }

  private String failure(HttpTrackerHandler h, String target) {
    assertThat(get(h, target, REMOTE)).isEqualTo(200);
    try {
      HttpTrackerResponses.parseAnnounce(body.toByteArray());
    } catch (TrackerFailureException e) {
      return e.failureReason();
    }
    throw new AssertionError("no failure for " + target + ": " + body);
  }

  @Test
  void answersACompactAnnounceWithTheOtherPeers() {
    HttpTrackerHandler h = handler(null);
    get(h, announce(HASH, 6881, ""), new byte[] {10, 0, 0, 1});
    assertThat(get(h, announce(HASH, 6882, "&compact=1"), REMOTE)).isEqualTo(200);
    assertThat(Bdecoder.strict().decode(body.toByteArray())).isInstanceOf(BDict.class);
    AnnounceResponse r = HttpTrackerResponses.parseAnnounce(body.toByteArray());
    assertThat(r.peers()).containsExactly(PeerAddress.of("10.0.0.1", 6881));
    assertThat(r.interval().getSeconds()).isEqualTo(1800);
    assertThat(r.minInterval().orElseThrow().getSeconds()).isEqualTo(300);
    assertThat(r.incomplete()).hasValue(2);
    assertThat(r.complete()).hasValue(0);
  }

  @Test
  void answersInDictionaryFormWithPeerIdsUnlessNoPeerId() {
    HttpTrackerHandler h = handler(null);
    // a swarm keeps peer ids from its first dictionary request on (see Swarm.keepPeerIds)
    get(h, announce(HASH, 6882, "&compact=0"), REMOTE);
    get(h, announce(HASH, 6881, ""), new byte[] {10, 0, 0, 1});
    get(h, announce(HASH, 6882, "&compact=0"), REMOTE);
    BDict d = (BDict) Bdecoder.strict().decode(body.toByteArray());
    BDict peer = (BDict) ((BList) d.get("peers")).get(0);
    assertThat(((BString) peer.get("ip")).asString(ISO_8859_1)).isEqualTo("10.0.0.1");
    assertThat(((BInteger) peer.get("port")).value()).isEqualTo(6881);
    assertThat(((BString) peer.get("peer id")).asString(ISO_8859_1)).isEqualTo(peerId(6881));

    get(h, announce(HASH, 6882, "&compact=0&no_peer_id=1"), REMOTE);
    d = (BDict) Bdecoder.strict().decode(body.toByteArray());
    peer = (BDict) ((BList) d.get("peers")).get(0);
    assertThat(peer.containsKey("peer id")).isFalse();
  }

  @Test
  void putsIpv6PeersInPeers6() {
    HttpTrackerHandler h = handler(null);
    byte[] v6 = new byte[16];
    v6[0] = 0x20;
    v6[1] = 0x01;
    v6[15] = 5;
    get(h, announce(HASH, 7000, ""), v6);
    get(h, announce(HASH, 6882, ""), REMOTE);
    BDict d = (BDict) Bdecoder.strict().decode(body.toByteArray());
    assertThat(((BString) d.get("peers")).length()).isZero();
    assertThat(((BString) d.get("peers6")).length()).isEqualTo(18);
    assertThat(HttpTrackerResponses.parseAnnounce(body.toByteArray()).peers())
        .containsExactly(PeerAddress.of("2001::5", 7000));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/announce?peer_id=-BT0001-000000000001&port=1 | missing info_hash",
      "/announce?info_hash=abc&peer_id=-BT0001-000000000001&port=1"
          + " | info_hash must be 20 bytes, got 3",
      "/announce?info_hash=%ZZ | bad percent-encoding in info_hash",
      "/announce?info_hash=%4 | bad percent-encoding in info_hash",
      "/announce?info_hash=aaaaaaaaaaaaaaaaaaaa&port=1 | missing peer_id",
      "/announce?info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=short&port=1"
          + " | peer_id must be 20 bytes, got 5",
      "/announce?info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=-BT0001-000000000001 | missing port",
  })
  void failsOnMissingOrMalformedIdentity(String target, String reason) {
    assertThat(failure(handler(null), target)).isEqualTo(reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "&port=0 | bad port: must be 1..65535",
      "&port=65536 | bad port: must be 1..65535",
      "&port=abc | bad port: must be 1..65535",
      "&port= | bad port: must be 1..65535",
      "&port=-1 | bad port: must be 1..65535",
      "&left=-1 | bad left: must be a non-negative integer",
      "&left=9223372036854775808 | bad left: must be a non-negative integer",
      "&left=99999999999999999999 | bad left: must be a non-negative integer",
      "&left=1x | bad left: must be a non-negative integer",
      "&uploaded=+1 | bad uploaded: must be a non-negative integer",
      "&downloaded=1.5 | bad downloaded: must be a non-negative integer",
      "&numwant=-5 | bad numwant: must be a non-negative integer",
      "&event=bogus | bad event: must be started, completed, stopped, paused or empty",
  })
  void failsOnBadNumbersAndEvents(String extra, String reason) {
    assertThat(failure(handler(null), announce(HASH, 6881, "") + extra)).isEqualTo(reason);
  }

  @Test
  void acceptsTheLargestValidNumbersAndAPercentEncodedNumber() {
    HttpTrackerHandler h = handler(null);
    get(h, announce(HASH, 6881, "&left=9223372036854775807&numwant=%35&event=started"), REMOTE);
    assertThat(HttpTrackerResponses.parseAnnounce(body.toByteArray()).incomplete()).hasValue(1);
  }

  @Test
  void refusesHashesOffTheAllowList() {
    HttpTrackerHandler h = handler(Set.of(HashKey.of(HASH, 0)));
    assertThat(failure(h, announce(OTHER, 6881, ""))).contains("not allowed");
    get(h, announce(HASH, 6881, ""), REMOTE);
    assertThat(HttpTrackerResponses.parseAnnounce(body.toByteArray()).incomplete()).hasValue(1);
  }

  @Test
  void scrapesSeveralHashesInByteOrderAndLeavesOutDisallowedOnes() {
    HttpTrackerHandler h = handler(null);
    get(h, announce(HASH, 6881, "&left=0"), REMOTE);
    get(h, announce(HASH, 6882, "&event=completed&left=0"), REMOTE);
    get(h, announce(HASH, 6883, ""), REMOTE);
    assertThat(get(h, "/scrape?info_hash=" + pct(HASH) + "&info_hash=" + pct(OTHER), REMOTE))
        .isEqualTo(200);
    Bdecoder.strict().decode(body.toByteArray()); // canonical: keys sorted
    Map<InfoHash, ScrapeStats> s = HttpTrackerResponses.parseScrape(body.toByteArray());
    assertThat(s).containsEntry(InfoHash.of(HASH), ScrapeStats.of(2, 1, 1))
        .containsEntry(InfoHash.of(OTHER), ScrapeStats.of(0, 0, 0));

    HttpTrackerHandler only = handler(Set.of(HashKey.of(HASH, 0)));
    only.handle(("GET /scrape?info_hash=" + pct(OTHER)).getBytes(ISO_8859_1), 4,
        4 + ("/scrape?info_hash=" + pct(OTHER)).length(), REMOTE, 0, body);
    assertThat(HttpTrackerResponses.parseScrape(body.toByteArray())).isEmpty();
  }

  @Test
  void refusesAWholeTrackerScrapeAndTooManyHashes() {
    HttpTrackerHandler h = handler(null);
    get(h, "/scrape", REMOTE);
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(body.toByteArray()))
        .isInstanceOf(TrackerFailureException.class).hasMessageContaining("whole tracker");
    StringBuilder sb = new StringBuilder("/scrape?x=1");
    for (int i = 0; i <= HttpTrackerHandler.MAX_SCRAPE_HASHES; i++) {
      byte[] hash = new byte[20];
      hash[0] = (byte) i;
      sb.append("&info_hash=").append(pct(hash));
    }
    get(h, sb.toString(), REMOTE);
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(body.toByteArray()))
        .isInstanceOf(TrackerFailureException.class).hasMessageContaining("too many");
  }

  @Test
  void honoursTheIpParameterOnlyFromLoopback() {
    HttpTrackerHandler h = handler(null);
    get(h, announce(HASH, 6881, "&ip=10.9.9.9"), LOCAL);
    get(h, announce(HASH, 6882, "&ip=10.8.8.8"), REMOTE);
    get(h, announce(HASH, 6883, ""), REMOTE);
    assertThat(HttpTrackerResponses.parseAnnounce(body.toByteArray()).peers())
        .containsExactlyInAnyOrder(PeerAddress.of("10.9.9.9", 6881),
            PeerAddress.of("10.1.2.3", 6882));
  }

  @Test
  void decodesRawBytesAndKeepsPlusAsAPlus() {
    HttpTrackerHandler h = handler(null);
    byte[] plus = new byte[20];
    Arrays.fill(plus, (byte) '+');
    get(h, "/announce?info_hash=" + "+".repeat(20) + "&peer_id=" + peerId(1) + "&port=1", REMOTE);
    get(h, "/scrape?info_hash=" + pct(plus), REMOTE);
    assertThat(HttpTrackerResponses.parseScrape(body.toByteArray()))
        .containsEntry(InfoHash.of(plus), ScrapeStats.of(0, 1, 0));
  }

  @Test
  void answersOtherPathsWith404() {
    assertThat(get(handler(null), "/", REMOTE)).isEqualTo(404);
    assertThat(get(handler(null), "/announcex?info_hash=1", REMOTE)).isEqualTo(404);
  }

  @Test
  void stoppedRemovesThePeer() {
    HttpTrackerHandler h = handler(null);
    get(h, announce(HASH, 6881, ""), REMOTE);
    get(h, announce(HASH, 6881, "&event=stopped"), REMOTE);
    assertThat(HttpTrackerResponses.parseAnnounce(body.toByteArray()).incomplete()).hasValue(0);
  }
}
