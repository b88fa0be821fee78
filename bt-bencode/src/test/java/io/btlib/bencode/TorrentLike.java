package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;

/** A small torrent-like document, with its info dictionary's exact position known. */
final class TorrentLike {
  private TorrentLike() {}

  /** 20 "hash" bytes including bencode look-alikes and bytes >= 0x80. */
  static final String PIECES =
      "\u0000\u00ffe:il0d9\u0080\u00c3\u00a9\u007f1234567";

  static final String INFO =
      "d6:lengthi12345e4:name8:file.bin12:piece lengthi16384e6:pieces20:" + PIECES + "e";

  static final String BEFORE_INFO =
      "d8:announce20:http://t.example/ann13:creation datei1700000000e4:info";

  static final String AFTER_INFO = "5:nodesll9:127.0.0.1i6881eeee";

  static final String DOCUMENT = BEFORE_INFO + INFO + AFTER_INFO;

  static byte[] document() {
    return bytes(DOCUMENT);
  }

  static int infoOffset() {
    return BEFORE_INFO.length();
  }

  static int infoLength() {
    return INFO.length();
  }
}
