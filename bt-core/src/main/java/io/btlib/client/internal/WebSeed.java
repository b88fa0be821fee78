package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import io.btlib.webseed.internal.WebSeedFetcher;
import io.btlib.webseed.internal.WebSeedLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * One web seed of a torrent as the engine tracks it: its layout, the requests in flight, its
 * failures and back-off. Owned by the engine thread. Internal, not API.
 *
 * <p>In events that name peers (a hash failure's contributors) a web seed appears as its {@link
 * #address}: {@code [100::N]:80}, an address of the RFC 6666 discard-only prefix that no peer can
 * have, where N is the web seed's 1-based position in the torrent's list.
 */
final class WebSeed {
  final String url;
  final WebSeedLayout layout;
  final PeerAddress address;
  final List<Request> inFlight = new ArrayList<>();
  /** Failed requests in a row. */
  int errors;
  /** Pieces it alone sent that failed their hash check, or blocks smart ban proved bad. */
  int hashFailures;
  long retryAtNanos = Long.MIN_VALUE;
  boolean dropped;
  /** Where its search for pieces nobody has started begins. */
  int cursor;

  /**
   * One fetch: blocks {@code firstBlock..} of {@code firstPiece} up to block {@code endBlock}
   * (exclusive) of {@code lastPiece}, every block of the pieces between; {@code length} bytes of
   * the torrent's piece-aligned stream from {@code start} (v2 padding between pieces included,
   * never fetched), of which {@code payload} are blocks.
   */
  static final class Request {
    final int firstPiece;
    final int firstBlock;
    final int lastPiece;
    final int endBlock;
    final long start;
    final int length;
    final int payload;
    final long deadlineNanos;
    WebSeedFetcher.Fetch fetch;

    Request(int firstPiece, int firstBlock, int lastPiece, int endBlock, long start, int length,
        int payload, long deadlineNanos) {
      this.firstPiece = firstPiece;
      this.firstBlock = firstBlock;
      this.lastPiece = lastPiece;
      this.endBlock = endBlock;
      this.start = start;
      this.length = length;
      this.payload = payload;
      this.deadlineNanos = deadlineNanos;
    }
  }

  WebSeed(String url, WebSeedLayout layout, int index) {
    this.url = url;
    this.layout = layout;
    this.address = pseudoAddress(index);
  }

  /** {@code [100::N]:80} for the web seed at {@code index} (0-based). */
  static PeerAddress pseudoAddress(int index) {
    byte[] a = new byte[16];
    a[0] = 0x01;
    int n = index + 1;
    a[12] = (byte) (n >>> 24);
    a[13] = (byte) (n >>> 16);
    a[14] = (byte) (n >>> 8);
    a[15] = (byte) n;
    try {
      return PeerAddress.of(InetAddress.getByAddress(a), 80);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 16 bytes are always an address
    }
  }

  @Override
  public String toString() {
    return "web seed " + url;
  }
}
