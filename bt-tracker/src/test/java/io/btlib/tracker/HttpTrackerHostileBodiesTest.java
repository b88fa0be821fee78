package io.btlib.tracker;

import static io.btlib.tracker.Bodies.body;
import static io.btlib.tracker.Bodies.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.btlib.bencode.BencodeException;
import io.btlib.metainfo.InfoHash;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class HttpTrackerHostileBodiesTest {

  /** Parses {@code body} as an announce and returns the exception, failing if it is anything else. */
  private static TrackerException announceFails(byte[] body) {
    Throwable t = catchThrowable(() -> HttpTrackerResponses.parseAnnounce(body));
    assertThat(t).as("parsing %s", preview(body)).isInstanceOf(TrackerException.class);
    return (TrackerException) t;
  }

  private static String preview(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 120), java.nio.charset.StandardCharsets.ISO_8859_1);
    return body.length > 120 ? s + "...(" + body.length + " bytes)" : s;
  }

  private static void assertMalformed(byte[] body, String keyPath, String reasonPart) {
    TrackerException e = announceFails(body);
    assertThat(e).as(preview(body)).isExactlyInstanceOf(TrackerException.class);
    assertThat(e.keyPath()).as(preview(body)).isEqualTo(keyPath);
    assertThat(e.reason()).as(preview(body)).contains(reasonPart);
  }

  @Test
  void rejectsBodiesThatAreNotBencodeNamingTheOffset() {
    TrackerException e = announceFails(body("<html><body>502 Bad Gateway</body></html>"));
    assertThat(e.keyPath()).isEmpty();
    assertThat(e.getCause()).isInstanceOf(BencodeException.class);
    assertThat(((BencodeException) e.getCause()).offset()).isZero();
    assertThat(e).hasMessageContaining("at offset 0").hasMessageContaining("body starts \"<html><body>502");

    TrackerException truncated = announceFails(body("d8:intervali1800e5:peers6:abc"));
    assertThat(((BencodeException) truncated.getCause()).offset()).isEqualTo(24); // where "6:abc" starts

    assertThat(announceFails(new byte[0])).hasMessageContaining("the body is empty");
    for (String s : new String[] {"d", "i12", "garbage", "d8:intervali1800e", "dxe", "d1:ai1e1:b"}) {
      assertThat(announceFails(body(s)).getCause()).as(s).isInstanceOf(BencodeException.class);
    }
  }

  @Test
  void rejectsTopLevelValuesThatAreNotDictionaries() {
    assertMalformed(body("le"), "", "must be a dictionary at the top level, not a list");
    assertMalformed(body("i1800e"), "", "not an integer");
    assertMalformed(body("4:spam"), "", "not a string");
  }

  @Test
  void rejectsCompactPeersOfPartialLengthNamingTheLength() {
    assertMalformed(body("d8:intervali1800e5:peers7:", bytes(1, 2, 3, 4, 0, 80, 9), "e"),
        "peers", "7 bytes, not a multiple of 6");
    assertMalformed(body("d8:intervali1800e6:peers617:", new byte[17], "e"),
        "peers6", "17 bytes, not a multiple of 18");
    assertMalformed(body("d8:intervali1800e6:peers66:", new byte[6], "e"),
        "peers6", "6 bytes, not a multiple of 18");
  }

  @Test
  void rejectsEveryKeyOfTheWrongTypeNamingItsPath() {
    String ok = "8:intervali1800e";
    assertMalformed(body("d8:interval4:1800e"), "interval", "must be an integer (seconds), not a string");
    assertMalformed(body("d8:intervalli1800eee"), "interval", "not a list");
    assertMalformed(body("d8:intervaldee"), "interval", "not a dictionary");
    assertMalformed(body("d" + ok + "12:min interval3:900e"), "min interval", "not a string");
    assertMalformed(body("d" + ok + "10:tracker idi7ee"), "tracker id", "must be a string, not an integer");
    assertMalformed(body("d8:complete1:1" + ok + "e"), "complete", "must be an integer, not a string");
    assertMalformed(body("d10:incompletele" + ok + "e"), "incomplete", "not a list");
    assertMalformed(body("d" + ok + "15:warning messagei1ee"), "warning message", "not an integer");
    assertMalformed(body("d" + ok + "5:peersi1ee"), "peers", "not an integer");
    assertMalformed(body("d" + ok + "5:peersdee"), "peers", "not a dictionary");
    assertMalformed(body("d" + ok + "6:peers6lee"), "peers6", "must be a string (compact, BEP 7), not a list");
    assertMalformed(body("d" + ok + "6:peers6i0ee"), "peers6", "not an integer");
    assertMalformed(body("d14:failure reasoni1e" + ok + "e"), "failure reason", "must be a string, not an integer");
  }

  @Test
  void rejectsMalformedDictionaryPeersNamingTheIndex() {
    String head = "d8:intervali1800e5:peersl";
    String good = "d2:ip7:1.2.3.44:porti1ee";
    assertMalformed(body(head + good + "i5eee"), "peers[1]", "must be a dictionary, not an integer");
    assertMalformed(body(head + good + "4:spamee"), "peers[1]", "not a string");
    assertMalformed(body(head + good + "d4:porti1eeee"), "peers[1].ip", "missing");
    assertMalformed(body(head + good + "d2:ip7:1.2.3.4eee"), "peers[1].port", "missing");
    assertMalformed(body(head + "d2:ipi1e4:porti1eeee"), "peers[0].ip", "must be a string, not an integer");
    assertMalformed(body(head + "d2:ip7:1.2.3.44:port4:6881eee"), "peers[0].port", "must be an integer, not a string");
    assertMalformed(body(head + "d2:ipl7:1.2.3.4e4:porti1eeee"), "peers[0].ip", "not a list");
  }

  @Test
  void rejectsABodyOverTwoMebibytesBeforeDecodingIt() {
    byte[] huge = new byte[HttpTrackerResponses.MAX_BODY_BYTES + 1]; // zeros: not bencode either
    TrackerException e = announceFails(huge);
    assertThat(e.getCause()).isNull(); // rejected on size, the decoder never ran
    assertThat(e).hasMessage("body is 2097153 bytes, more than the limit of 2097152");
    Throwable scrape = catchThrowable(() -> HttpTrackerResponses.parseScrape(huge));
    assertThat(scrape).isExactlyInstanceOf(TrackerException.class).hasMessageContaining("limit of 2097152");
  }

  @Test
  void acceptsABodyOfExactlyTwoMebibytes() {
    String head = "d8:intervali1800e3:pad";
    int padLength = HttpTrackerResponses.MAX_BODY_BYTES - head.length() - "2097126:".length() - 1;
    byte[] body = body(head, padLength + ":", new byte[padLength], "e");
    assertThat(body).hasSize(HttpTrackerResponses.MAX_BODY_BYTES);
    assertThat(HttpTrackerResponses.parseAnnounce(body).interval().getSeconds()).isEqualTo(1800);
  }

  @Test
  void rejectsNestingDeeperThanSixteen() {
    // depth 16 (the root dictionary and 15 lists) is accepted; 17 is not
    byte[] ok = body("d8:intervali1800e1:x", "l".repeat(15), "e".repeat(15), "e");
    assertThat(HttpTrackerResponses.parseAnnounce(ok).interval().getSeconds()).isEqualTo(1800);
    byte[] deep = body("d8:intervali1800e1:x", "l".repeat(16), "e".repeat(16), "e");
    assertThat(announceFails(deep).getCause()).isInstanceOf(BencodeException.class);
  }

  @Test
  void survivesANestingBombWithoutStackOverflow() {
    byte[] bomb = body("l".repeat(1_000_000));
    assertThat(announceFails(bomb).getCause()).isInstanceOf(BencodeException.class);
    byte[] dictBomb = body("d1:a".repeat(400_000));
    assertThat(announceFails(dictBomb).getCause()).isInstanceOf(BencodeException.class);
  }

  @Test
  void rejectsTooManyValues() {
    byte[] many = body("d8:intervali1800e1:xl", "i0e".repeat(HttpTrackerResponses.MAX_VALUES), "ee");
    assertThat(announceFails(many).getCause()).isInstanceOf(BencodeException.class);
  }

  @Test
  void rejectsLengthAndIntegerBombs() {
    assertThat(announceFails(body("d8:intervali1800e1:x99999999999:e")).getCause())
        .isInstanceOf(BencodeException.class);
    assertThat(announceFails(body("d8:intervali99999999999999999999ee")).getCause())
        .isInstanceOf(BencodeException.class);
  }

  @Test
  void rejectsHostileScrapeBodiesWithTrackerExceptionsOnly() {
    byte[] hash = InfoHash.fromHex("dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c").bytes();
    for (byte[] body : new byte[][] {
        body("le"), body("d5:files4:spame"), body("d5:filesd20:", hash, "lee"),
        body("d5:filesd20:", hash, "d8:completelee"), body("d5:filesd20:", hash, "d10:downloaded0:ee"),
        body("d5:filesd20:", hash, "d4:namedeee"), body("d5:filesd20:", hash),
        body("l".repeat(100_000))}) {
      Throwable t = catchThrowable(() -> HttpTrackerResponses.parseScrape(body));
      assertThat(t).as(preview(body)).isExactlyInstanceOf(TrackerException.class);
    }
  }

  // ---- fuzzing ----

  private static final byte[][] SEEDS = {
      body("d8:completei1e10:downloadedi0e10:incompletei0e8:intervali1800e12:min intervali900e",
          "5:peers12:", bytes(1, 2, 3, 4, 0x1a, 0xe1, 10, 0, 0, 1, 0, 80), "e"),
      body("d8:intervali900e5:peersld2:ip7:1.2.3.47:peer id20:-XX0001-abcdefghijkl4:porti6881ee",
          "d2:ip11:2001:db8::14:porti51413eee10:tracker id3:abc15:warning message4:slowe"),
      body("d8:intervali1800e5:peers6:", bytes(1, 2, 3, 4, 0, 80), "6:peers618:",
          bytes(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x1a, 0xe1), "e"),
      body("d14:failure reason9:not found8:retry ini60ee"),
      body("d14:failure reason6:banned8:retry in5:nevere"),
      body("d5:filesd20:", InfoHash.fromHex("dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c").bytes(),
          "d8:completei5e10:downloadedi50e10:incompletei10e4:name3:BBBeee"),
  };

  private static final byte[] STRUCTURE = "deil:0123456789-".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static byte[] mutate(byte[] seed, Random rnd) {
    byte[] b = seed.clone();
    int mutations = 1 + rnd.nextInt(4);
    for (int m = 0; m < mutations; m++) {
      int n = b.length;
      switch (rnd.nextInt(7)) {
        case 0: // random byte
          if (n > 0) {
            b[rnd.nextInt(n)] = (byte) rnd.nextInt(256);
          }
          break;
        case 1: // a byte that means something to bencode
          if (n > 0) {
            b[rnd.nextInt(n)] = STRUCTURE[rnd.nextInt(STRUCTURE.length)];
          }
          break;
        case 2: { // delete a range
          if (n > 0) {
            int from = rnd.nextInt(n);
            int to = Math.min(n, from + 1 + rnd.nextInt(8));
            byte[] c = new byte[n - (to - from)];
            System.arraycopy(b, 0, c, 0, from);
            System.arraycopy(b, to, c, from, n - to);
            b = c;
          }
          break;
        }
        case 3: { // insert a structural byte
          int at = rnd.nextInt(n + 1);
          byte[] c = new byte[n + 1];
          System.arraycopy(b, 0, c, 0, at);
          c[at] = STRUCTURE[rnd.nextInt(STRUCTURE.length)];
          System.arraycopy(b, at, c, at + 1, n - at);
          b = c;
          break;
        }
        case 4: { // duplicate a slice in place
          if (n > 0) {
            int from = rnd.nextInt(n);
            int len = Math.min(n - from, 1 + rnd.nextInt(24));
            byte[] c = new byte[n + len];
            System.arraycopy(b, 0, c, 0, from + len);
            System.arraycopy(b, from, c, from + len, n - from);
            b = c;
          }
          break;
        }
        case 5: // truncate
          b = Arrays.copyOf(b, rnd.nextInt(n + 1));
          break;
        default: { // splice in a piece of another seed
          byte[] other = SEEDS[rnd.nextInt(SEEDS.length)];
          int from = rnd.nextInt(other.length);
          int len = Math.min(other.length - from, 1 + rnd.nextInt(32));
          int at = rnd.nextInt(n + 1);
          byte[] c = new byte[n + len];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(other, from, c, at, len);
          System.arraycopy(b, at, c, at + len, n - at);
          b = c;
          break;
        }
      }
    }
    return b;
  }

  private static void onlyTrackerExceptionsEscape(String what, byte[] body, long iteration,
      Consumer<byte[]> parse, int[] tally) {
    try {
      parse.accept(body);
      tally[0]++;
    } catch (TrackerFailureException e) {
      tally[1]++;
    } catch (TrackerException e) {
      tally[2]++;
    } catch (Throwable t) {
      throw new AssertionError(what + " of mutated body #" + iteration + " threw " + t
          + "; body hex " + HexFormat.of().formatHex(body), t);
    }
  }

  @Test
  void mutatedBodiesOnlyEverThrowTrackerExceptions() {
    Random rnd = new Random(0x5eed_b7_7e);
    int[] announce = new int[3];
    int[] scrape = new int[3];
    int iterations = 25_000;
    for (int i = 0; i < iterations; i++) {
      byte[] body = mutate(SEEDS[rnd.nextInt(SEEDS.length)], rnd);
      onlyTrackerExceptionsEscape("parseAnnounce", body, i, HttpTrackerResponses::parseAnnounce, announce);
      onlyTrackerExceptionsEscape("parseScrape", body, i, HttpTrackerResponses::parseScrape, scrape);
    }
    // the mutations reach past the decoder: some bodies still parse, some fail on the rules
    assertThat(announce[0]).as("announces parsed").isGreaterThan(500);
    assertThat(announce[1]).as("failures reported").isGreaterThan(500);
    assertThat(announce[2]).as("announces rejected").isGreaterThan(500);
    assertThat(scrape[0]).as("scrapes parsed").isGreaterThan(100);
  }
}
