package io.btlib.tracker;

import static io.btlib.tracker.Bodies.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.InfoHash;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpTrackerScrapeTest {
  private static final InfoHash A = InfoHash.fromHex("dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c");
  private static final InfoHash B = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");

  @Test
  void parsesABep48ScrapeResponse() {
    byte[] body = body("d5:filesd20:", A.bytes(),
        "d8:completei5e10:downloadedi50e10:incompletei10e4:name3:BBBe",
        "20:", B.bytes(), "d8:completei0e10:downloadedi0e10:incompletei1eeee");
    Map<InfoHash, ScrapeStats> stats = HttpTrackerResponses.parseScrape(body);
    assertThat(stats).containsExactly(
        Map.entry(A, new ScrapeStats(5, 10, 50, Optional.of("BBB"))),
        Map.entry(B, ScrapeStats.of(0, 1, 0)));
  }

  @Test
  void parsesAnEmptyFilesDictionary() {
    assertThat(HttpTrackerResponses.parseScrape(body("d5:filesdee"))).isEmpty();
  }

  @Test
  void readsMissingAndOutOfRangeCountsAsZero() {
    byte[] body = body("d5:filesd20:", A.bytes(), "d8:completei-3e10:incompletei4294967296eeee");
    assertThat(HttpTrackerResponses.parseScrape(body)).containsEntry(A, ScrapeStats.of(0, 0, 0));
  }

  @Test
  void skipsKeysThatAreNotInfoHashes() {
    byte[] body = body("d5:filesd3:abcd8:completei1ee20:", A.bytes(), "d8:completei2eeee");
    assertThat(HttpTrackerResponses.parseScrape(body)).containsOnlyKeys(A);
  }

  @Test
  void acceptsThirtyTwoByteKeys() {
    InfoHash v2 = InfoHash.fromHex("caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e");
    byte[] body = body("d5:filesd32:", v2.bytes(), "d8:completei1eeee");
    assertThat(HttpTrackerResponses.parseScrape(body)).containsEntry(v2, ScrapeStats.of(1, 0, 0));
  }

  @Test
  void keepsTheFirstOfARepeatedHash() {
    byte[] body = body("d5:filesd20:", A.bytes(), "d8:completei1ee20:", A.bytes(), "d8:completei2eeee");
    assertThat(HttpTrackerResponses.parseScrape(body)).containsExactly(Map.entry(A, ScrapeStats.of(1, 0, 0)));
  }

  @Test
  void namesTheKeyPathOfAWronglyTypedCount() {
    byte[] body = body("d5:filesd20:", A.bytes(), "d8:complete1:5eee");
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(body))
        .isExactlyInstanceOf(TrackerException.class)
        .hasMessage("files." + A.hex() + ".complete: must be an integer, not a string");
  }

  @Test
  void rejectsAMissingOrWronglyTypedFilesKey() {
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(body("de")))
        .isExactlyInstanceOf(TrackerException.class)
        .hasMessage("files: missing");
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(body("d5:filesleee")))
        .isExactlyInstanceOf(TrackerException.class)
        .hasMessage("files: must be a dictionary, not a list");
    byte[] body = body("d5:filesd20:", A.bytes(), "i1eee");
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(body))
        .hasMessage("files." + A.hex() + ": must be a dictionary, not an integer");
    byte[] badName = body("d5:filesd20:", A.bytes(), "d4:namei1eeee");
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(badName))
        .hasMessage("files." + A.hex() + ".name: must be a string, not an integer");
  }

  @Test
  void throwsTheTrackersFailureReason() {
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(body("d14:failure reason15:scrape disablede")))
        .isInstanceOfSatisfying(TrackerFailureException.class,
            f -> assertThat(f.failureReason()).isEqualTo("scrape disabled"));
  }

  @Test
  void encodesCanonicallyAndParsesBack() {
    Map<InfoHash, ScrapeStats> stats = new LinkedHashMap<>();
    stats.put(A, new ScrapeStats(5, 10, 50, Optional.of("Big Buck Bunny")));
    stats.put(B, ScrapeStats.of(0, 1, 2));
    byte[] encoded = HttpTrackerResponses.encodeScrape(stats);
    // B sorts before A (0x01 < 0xdd); inner keys sorted: complete, downloaded, incomplete, name
    assertThat(encoded).isEqualTo(body("d5:filesd20:", B.bytes(),
        "d8:completei0e10:downloadedi2e10:incompletei1ee20:", A.bytes(),
        "d8:completei5e10:downloadedi50e10:incompletei10e4:name14:Big Buck Bunnyeee"));
    assertThat(HttpTrackerResponses.parseScrape(encoded)).isEqualTo(stats);
  }

  @Test
  void encodesAnEmptyScrape() {
    assertThat(HttpTrackerResponses.encodeScrape(Map.of())).isEqualTo(body("d5:filesdee"));
  }
}
