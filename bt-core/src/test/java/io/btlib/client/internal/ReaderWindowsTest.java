package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.metainfo.Metainfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReaderWindowsTest {
  static final int PIECE = 32768;

  /** Two files: a (100,000 bytes: pieces 0..3) and b (60,000 bytes from 100,000: pieces 3..4). */
  static Metainfo twoFiles() {
    List<BValue> files = new ArrayList<>();
    files.add(BDict.builder().put("length", 100_000L).put("path", BList.of(BString.of("a")))
        .build());
    files.add(BDict.builder().put("length", 60_000L).put("path", BList.of(BString.of("b")))
        .build());
    BDict info = BDict.builder().put("name", "dir").put("files", BList.of(files))
        .put("piece length", PIECE).put("pieces", BString.of(new byte[5 * 20])).build();
    return Metainfo.of(BDict.builder().put("info", info).build());
  }

  static List<Integer> order(ReaderWindows w) {
    List<Integer> l = new ArrayList<>();
    for (int i = 0; i < w.count(); i++) {
      l.add(w.piece(i));
    }
    return l;
  }

  @Test
  void aWindowGivesItsPiecesDeadlinesNearestFirstWithinItsFile() {
    ReaderWindows w = new ReaderWindows();
    w.setMetainfo(twoFiles());
    w.set(1, 0, 40_000, 1_000_000, 5_000); // to the end of file a: pieces 1..3
    assertThat(order(w)).containsExactly(1, 2, 3);
    assertThat(w.deadline(1)).isEqualTo(5_000); // the piece at the position: due now
    assertThat(w.deadline(2)).isGreaterThan(w.deadline(1));
    assertThat(w.deadline(3)).isGreaterThan(w.deadline(2))
        .isLessThan(5_000 + ReaderWindows.WINDOW_NANOS);
    assertThat(w.deadline(0)).isEqualTo(Long.MAX_VALUE);
    assertThat(w.deadline(4)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aPieceInTwoWindowsKeepsTheNearerDeadlineAndClosingOneLeavesTheOther() {
    ReaderWindows w = new ReaderWindows();
    w.setMetainfo(twoFiles());
    w.set(1, 0, 0, 120_000, 0); // a from 0: pieces 0..3 over 10 s
    w.set(2, 1, 0, 60_000, 1_000); // b from 0 (byte 100,000, in piece 3): pieces 3..4
    assertThat(w.deadline(3)).isEqualTo(1_000);
    assertThat(order(w)).containsExactly(0, 3, 1, 4, 2); // b's short window is consumed sooner
    w.remove(2);
    assertThat(order(w)).containsExactly(0, 1, 2, 3);
    assertThat(w.deadline(4)).isEqualTo(Long.MAX_VALUE);
    assertThat(w.deadline(3)).isGreaterThan(w.deadline(2));
  }

  @Test
  void windowsPostedBeforeTheMetadataCountOnceItIsKnownAndPositionsPastTheEndHaveNone() {
    ReaderWindows w = new ReaderWindows();
    w.set(1, 1, 10, 1, 0);
    w.set(2, 0, 100_000, 1_000, 0); // at the end of file a
    w.set(3, 9, 0, 1_000, 0); // no such file
    assertThat(w.isEmpty()).isTrue();
    int before = w.version();
    w.setMetainfo(twoFiles());
    assertThat(w.version()).isNotEqualTo(before);
    assertThat(order(w)).containsExactly(3);
    assertThatThrownBy(() -> w.piece(1)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
