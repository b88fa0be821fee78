package io.btlib.tracker;

import java.util.Objects;
import java.util.Optional;

/**
 * A tracker's counts for one torrent, as a scrape response gives them (BEP 48).
 *
 * @param complete peers with the whole torrent (seeders)
 * @param incomplete peers still downloading (leechers)
 * @param downloaded how many times the tracker has seen the torrent completed
 * @param name the torrent's name, if the tracker sent one (the optional {@code name} key)
 */
public record ScrapeStats(int complete, int incomplete, int downloaded, Optional<String> name) {

  /**
   * Checks the counts.
   *
   * @throws IllegalArgumentException naming the count, if one is negative
   */
  public ScrapeStats {
    checkCount("complete", complete);
    checkCount("incomplete", incomplete);
    checkCount("downloaded", downloaded);
    Objects.requireNonNull(name, "name");
  }

  /** Counts without a name. */
  public static ScrapeStats of(int complete, int incomplete, int downloaded) {
    return new ScrapeStats(complete, incomplete, downloaded, Optional.empty());
  }

  private static void checkCount(String what, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " must be >= 0, got " + value);
    }
  }
}
