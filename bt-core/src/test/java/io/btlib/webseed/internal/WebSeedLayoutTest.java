package io.btlib.webseed.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.metainfo.Metainfo;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebSeedLayoutTest {

  /** A v1 torrent (hashes are zeros: the layout never looks at them). */
  static Metainfo torrent(String name, int pieceLength, Object... pathsAndLengths) {
    long total = 0;
    List<BValue> files = new ArrayList<>();
    for (int i = 0; i < pathsAndLengths.length; i += 2) {
      String[] path = ((String) pathsAndLengths[i]).split("/");
      long len = (Long) pathsAndLengths[i + 1];
      List<BValue> comps = new ArrayList<>();
      for (String c : path) {
        comps.add(BString.of(c));
      }
      BDict.Builder f = BDict.builder().put("length", len).put("path", BList.of(comps));
      if (path[0].equals(".pad")) {
        f.put("attr", "p");
      }
      files.add(f.build());
      total += len;
    }
    int pieces = (int) ((total + pieceLength - 1) / pieceLength);
    BDict.Builder info = BDict.builder().put("name", name).put("piece length", pieceLength)
        .put("pieces", BString.of(new byte[20 * pieces]));
    if (files.size() == 1 && !((String) pathsAndLengths[0]).contains("/")
        && pathsAndLengths[0].equals(name)) {
      info.put("length", total);
    } else {
      info.put("files", BList.of(files));
    }
    return Metainfo.of(BDict.builder().put("info", info.build()).build());
  }

  @Test
  void singleFileUrlIsTheFileItself() {
    Metainfo m = torrent("file.bin", 16384, "file.bin", 40000L);
    WebSeedLayout l = WebSeedLayout.of(m, "http://127.0.0.1:1/x/data.bin");
    assertThat(l.url(0)).isEqualTo(URI.create("http://127.0.0.1:1/x/data.bin"));
  }

  @Test
  void singleFileUrlEndingInSlashGetsTheName() {
    Metainfo m = torrent("my file#1.bin", 16384, "my file#1.bin", 40000L);
    WebSeedLayout l = WebSeedLayout.of(m, "http://127.0.0.1:1/x/");
    assertThat(l.url(0).toString()).isEqualTo("http://127.0.0.1:1/x/my%20file%231.bin");
  }

  @Test
  void multiFileUrlIsBasePlusNamePlusEncodedPath() {
    Metainfo m = torrent("top dir", 16384, "a b/100%.bin", 10L, "ü/#?.bin", 10L);
    WebSeedLayout l = WebSeedLayout.of(m, "https://127.0.0.1:1/seed");
    assertThat(l.url(0).toString())
        .isEqualTo("https://127.0.0.1:1/seed/top%20dir/a%20b/100%25.bin");
    assertThat(l.url(1).toString())
        .isEqualTo("https://127.0.0.1:1/seed/top%20dir/%C3%BC/%23%3F.bin");
    assertThat(l.url(1).getPath()).isEqualTo("/seed/top dir/ü/#?.bin");
  }

  @Test
  void aRangeSpanningFilesBecomesOneSegmentPerFile() {
    Metainfo m = torrent("t", 16384, "a", 10_000L, "b", 3L, "c", 30_000L);
    WebSeedLayout l = WebSeedLayout.of(m, "http://127.0.0.1:1/");
    List<WebSeedLayout.Segment> s = l.segments(0, 0, 16384);
    assertThat(s).extracting(WebSeedLayout.Segment::fileIndex).containsExactly(0, 1, 2);
    assertThat(s.get(0)).extracting(WebSeedLayout.Segment::fileOffset,
        WebSeedLayout.Segment::length, WebSeedLayout.Segment::dstOffset)
        .containsExactly(0L, 10_000, 0);
    assertThat(s.get(1)).extracting(WebSeedLayout.Segment::fileOffset,
        WebSeedLayout.Segment::length, WebSeedLayout.Segment::dstOffset)
        .containsExactly(0L, 3, 10_000);
    assertThat(s.get(2)).extracting(WebSeedLayout.Segment::fileOffset,
        WebSeedLayout.Segment::length, WebSeedLayout.Segment::dstOffset)
        .containsExactly(0L, 16384 - 10_003, 10_003);
    List<WebSeedLayout.Segment> last = l.segments(2, 0, m.pieceSize(2));
    assertThat(last).hasSize(1);
    assertThat(last.get(0).fileOffset()).isEqualTo(2 * 16384 - 10_003);
    assertThat(last.get(0).length()).isEqualTo(40_003 - 2 * 16384);
  }

  @Test
  void padFilesAndEmptyFilesAreNeverFetched() {
    Metainfo m = torrent("t", 16384, "a", 10_000L, ".pad/6384", 6384L, "e", 0L, "b", 100L);
    WebSeedLayout l = WebSeedLayout.of(m, "http://127.0.0.1:1/");
    assertThat(l.url(1)).isNull();
    assertThat(l.url(2)).isNull();
    assertThat(l.segments(0, 0, 16384)).extracting(WebSeedLayout.Segment::fileIndex)
        .containsExactly(0);
    assertThat(l.segments(0, 12_000, 4384)).isEmpty();
    assertThat(l.segments(1, 0, 100)).extracting(WebSeedLayout.Segment::fileIndex)
        .containsExactly(3);
  }

  @Test
  void aRangeInsideOneFileStartsAtTheRightOffset() {
    Metainfo m = torrent("t", 16384, "a", 100_000L);
    WebSeedLayout l = WebSeedLayout.of(m, "http://127.0.0.1:1/");
    List<WebSeedLayout.Segment> s = l.segments(3, 16384 - 100, 100);
    assertThat(s).hasSize(1);
    assertThat(s.get(0).fileOffset()).isEqualTo(4L * 16384 - 100);
  }

  @Test
  void aRangeOverSeveralPiecesIsOneSegmentPerFile() {
    Metainfo m = torrent("t", 16384, "a", 40_000L, ".pad/9152", 9152L, "b", 30_000L);
    WebSeedLayout l = WebSeedLayout.of(m, "http://127.0.0.1:1/");
    List<WebSeedLayout.Segment> s = l.range(0, 79_152);
    assertThat(s).extracting(WebSeedLayout.Segment::fileIndex).containsExactly(0, 2);
    assertThat(s.get(0).length()).isEqualTo(40_000);
    assertThat(s.get(1)).extracting(WebSeedLayout.Segment::fileOffset,
        WebSeedLayout.Segment::length, WebSeedLayout.Segment::dstOffset)
        .containsExactly(0L, 30_000, 49_152);
    assertThatThrownBy(() -> l.range(-1, 10)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsRangesOutsideThePiece() {
    Metainfo m = torrent("t", 16384, "a", 20_000L);
    WebSeedLayout l = WebSeedLayout.of(m, "http://127.0.0.1:1/");
    assertThatThrownBy(() -> l.segments(1, 0, 16384)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside piece 1");
    assertThatThrownBy(() -> l.segments(0, -1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> l.segments(0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsUrlsThatAreNotHttp() {
    Metainfo m = torrent("t", 16384, "a", 20_000L);
    for (String bad : new String[] {"ftp://127.0.0.1/x", "/relative", "http:///nohost",
        "http://[::1/", "file:///etc/passwd", "mailto:a@b"}) {
      assertThatThrownBy(() -> WebSeedLayout.of(m, bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void encodesEverythingButUnreservedCharacters() {
    assertThat(WebSeedLayout.encode("aZ09-._~ /%#?+&é")).isEqualTo(
        "aZ09-._~%20%2F%25%23%3F%2B%26%C3%A9");
  }
}
