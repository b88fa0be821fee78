package io.btlib.client.internal;

import io.btlib.client.TorrentState;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.webseed.WebSeedConfig;
import io.btlib.webseed.internal.WebSeedException;
import io.btlib.webseed.internal.WebSeedFetcher;
import io.btlib.webseed.internal.WebSeedLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent's web seeds (BEP 19): which runs of blocks each fetches, its fetches in flight, their
 * time-outs, and its failures, back-off and drop. Blocks that arrive go to the {@link
 * PieceAssembler} like a peer's. Owned by the engine thread; fetches end on the fetcher's threads
 * and come back as posted tasks. Internal, not API.
 */
final class WebSeeds {
  private static final Logger log = LoggerFactory.getLogger(WebSeeds.class);
  private static final long SECOND = 1_000_000_000L;
  /** The most web seeds of one torrent that are used (a url-list may be long). */
  static final int MAX_WEB_SEEDS = 16;

  private final TorrentRuntime t;
  private final Engine engine;
  /**
   * Set by the client before the torrent can start (see {@link
   * io.btlib.client.Client.Builder#webSeeds}).
   */
  private final WebSeedConfig config;
  private List<WebSeed> seeds = List.of();
  private WebSeedFetcher fetcher;
  /** Bytes fetched from web seeds beyond what the rate limit had granted: paid back first. */
  private long debt;

  WebSeeds(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
    this.config = engine.config.webSeeds();
  }

  /** The torrent's web seeds for this run: its url-list and its magnet link's ws= URLs. */
  void open(Metainfo metainfo, MagnetLink magnet) {
    cancel("restarted");
    List<WebSeed> list = new ArrayList<>();
    if (config.enabled() && metainfo != null) {
      Set<String> urls = new LinkedHashSet<>(metainfo.webSeeds());
      if (magnet != null) {
        urls.addAll(magnet.webSeeds());
      }
      int i = 0;
      for (String u : urls) {
        if (list.size() >= MAX_WEB_SEEDS) {
          log.info("{}: web seeds past the first {} ignored", t.infoHashes, MAX_WEB_SEEDS);
          break;
        }
        try {
          list.add(new WebSeed(u, WebSeedLayout.of(metainfo, u), i));
        } catch (IllegalArgumentException e) {
          log.info("web seed ignored: {}", e.getMessage());
        }
        i++;
      }
    }
    seeds = list;
  }

  /** Stops every web seed fetch in flight; their blocks are given back as the fetches end. */
  void cancel(String why) {
    for (WebSeed ws : seeds) {
      cancelAll(ws, why);
    }
  }

  private static void cancelAll(WebSeed ws, String why) {
    for (WebSeed.Request r : new ArrayList<>(ws.inFlight)) {
      if (r.fetch != null) {
        r.fetch.cancel(why);
      }
    }
  }

  /** The torrent is removed: cancels the fetches and closes the fetcher. */
  void shutdown(String why) {
    cancel(why);
    if (fetcher != null) {
      fetcher.close();
      fetcher = null;
    }
  }

  /**
   * If {@code a} is a web seed's address, counts bad data against it (dropping it after too many)
   * and returns true; false for a peer's address.
   */
  /** The URL of the web seed whose blocks carry {@code a} as their source, or null for a peer. */
  String urlOf(PeerAddress a) {
    for (WebSeed ws : seeds) {
      if (ws.address.equals(a)) {
        return ws.url;
      }
    }
    return null;
  }

  boolean lied(PeerAddress a, String reason) {
    for (WebSeed ws : seeds) {
      if (ws.address.equals(a)) {
        lied(ws, reason);
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@link #tick} has nothing to do until the torrent's state changes: no web seed, or no
   * fetch in flight while not downloading.
   */
  boolean isIdle() {
    if (seeds.isEmpty()) {
      return true;
    }
    if (t.state() == TorrentState.DOWNLOADING) {
      return false;
    }
    for (WebSeed ws : seeds) {
      if (!ws.inFlight.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** Times out slow fetches and gives every usable web seed work, up to its request limit. */
  void tick(long now) {
    if (seeds.isEmpty()) {
      return;
    }
    for (WebSeed ws : seeds) {
      for (WebSeed.Request r : new ArrayList<>(ws.inFlight)) {
        if (now - r.deadlineNanos >= 0 && r.fetch != null) {
          r.fetch.cancel("timed out: no complete answer within "
              + config.requestTimeout().toMillis() + " ms");
        }
      }
    }
    if (t.state() != TorrentState.DOWNLOADING || t.pieces() == null) {
      return;
    }
    for (WebSeed ws : seeds) {
      if (ws.dropped || ws.retryAtNanos != Long.MIN_VALUE && now - ws.retryAtNanos < 0) {
        continue;
      }
      while (ws.inFlight.size() < config.maxRequestsPerSeed()) {
        if (debt > 0) {
          debt -= t.downLimit.take(debt, now);
          if (debt > 0) {
            return; // over the download limit: the next tick goes on
          }
        }
        WebSeed.Request r = pick(ws, now);
        if (r == null) {
          break;
        }
        start(ws, r);
        debt += r.payload - t.downLimit.take(r.payload, now);
      }
    }
  }

  /**
   * A run of blocks for a web seed: first whole pieces (a run of consecutive ones, up to the
   * request limit) that no peer or web seed has started, searching from this web seed's cursor,
   * so that it does not fetch what peers are fetching, and among those first the ones no
   * connected peer has; then a run of blocks nobody has asked for in a started piece (the rest of
   * a long piece, or what a peer that left had not sent). Blocks peers have asked for are never
   * duplicated. Null when there is nothing.
   */
  private WebSeed.Request pick(WebSeed ws, long now) {
    PieceState<PeerAddress> pieces = t.pieces();
    Metainfo metainfo = t.metainfo();
    int maxBlocks = config.maxRequestBytes() / Metainfo.BLOCK_SIZE;
    boolean budget = engine.bufferedBytes < Engine.MAX_BUFFERED_BYTES;
    if (budget) {
      int count = pieces.pieceCount();
      int from = ws.cursor < count ? ws.cursor : 0;
      // with peers around, what none of them has comes first (BEP 19: the web seed fills gaps)
      for (int tier = t.connections.isEmpty() ? 1 : 0; tier < 2; tier++) {
        for (int pass = 0; pass < 2; pass++) {
          int start = pass == 0 ? from : 0;
          for (int p = pieces.nextWanted(start); p >= 0 && (pass == 0 || p < from);
              p = pieces.nextWanted(p + 1)) {
            if (fresh(p, tier)) {
              if (pieces.blockCount(p) > maxBlocks) {
                ws.cursor = p + 1;
                return newRequest(p, 0, p, maxBlocks, now);
              }
              long first = (long) p * metainfo.pieceLength();
              int q = p;
              while (q + 1 < count && (long) (q + 1) * metainfo.pieceLength()
                  + pieces.pieceSize(q + 1) - first <= config.maxRequestBytes()
                  && pieces.isWanted(q + 1) && fresh(q + 1, tier)) {
                q++;
              }
              ws.cursor = q + 1;
              return newRequest(p, 0, q, pieces.blockCount(q), now);
            }
          }
        }
      }
    }
    for (int p = pieces.nextStarted(0); p >= 0; p = pieces.nextStarted(p + 1)) {
      if (!pieces.isWanted(p) || t.assembler.isHashing(p) || !t.verifier().canVerify(p)
          || !t.assembler.mayBuffer(p)) {
        continue;
      }
      int blocks = pieces.blockCount(p);
      for (int b = 0; b < blocks; b++) {
        if (!pieces.isBlockReceived(p, b) && pieces.blockRequests(p, b) == 0) {
          int e = b + 1;
          while (e < blocks && e - b < maxBlocks && !pieces.isBlockReceived(p, e)
              && pieces.blockRequests(p, e) == 0) {
            e++;
          }
          return newRequest(p, b, p, e, now);
        }
      }
    }
    return null;
  }

  /** Whether a web seed may take all of piece {@code p}: untouched, and (tier 0) no peer has it. */
  private boolean fresh(int p, int tier) {
    PieceState<PeerAddress> pieces = t.pieces();
    return !pieces.isStarted(p) && !t.assembler.isHashing(p) && t.verifier().canVerify(p)
        && (tier == 1 || pieces.availability(p) == 0);
  }

  private WebSeed.Request newRequest(int firstPiece, int firstBlock, int lastPiece, int endBlock,
      long now) {
    PieceState<PeerAddress> pieces = t.pieces();
    long pl = t.metainfo().pieceLength();
    long start = firstPiece * pl + (long) firstBlock * Metainfo.BLOCK_SIZE;
    long end = lastPiece * pl + Math.min(pieces.pieceSize(lastPiece),
        endBlock * Metainfo.BLOCK_SIZE);
    int payload = 0;
    for (int p = firstPiece; p <= lastPiece; p++) {
      int e = p == lastPiece ? endBlock : pieces.blockCount(p);
      for (int b = p == firstPiece ? firstBlock : 0; b < e; b++) {
        payload += pieces.blockLength(p, b);
      }
    }
    return new WebSeed.Request(firstPiece, firstBlock, lastPiece, endBlock, start,
        (int) (end - start), payload, now + config.requestTimeout().toNanos());
  }

  /** Calls {@code f(piece, block)} for every block of {@code r}. */
  private void forEachBlock(WebSeed.Request r, BiConsumer<Integer, Integer> f) {
    PieceState<PeerAddress> pieces = t.pieces();
    for (int p = r.firstPiece; p <= r.lastPiece; p++) {
      int e = p == r.lastPiece ? r.endBlock : pieces.blockCount(p);
      for (int b = p == r.firstPiece ? r.firstBlock : 0; b < e; b++) {
        f.accept(p, b);
      }
    }
  }

  private void start(WebSeed ws, WebSeed.Request r) {
    forEachBlock(r, t.pieces()::blockRequested);
    ws.inFlight.add(r);
    if (fetcher == null) {
      fetcher = new WebSeedFetcher(config,
          "bt-webseed-" + t.infoHashes.shortHashes().get(0).toString().substring(0, 8));
    }
    try {
      r.fetch = fetcher.fetch(ws.layout.range(r.start, r.length), r.length);
    } catch (RuntimeException e) {
      engine.post(() -> done(ws, r, null, e));
      return;
    }
    r.fetch.result().whenComplete((data, err) -> engine.post(() -> done(ws, r, data, err)));
  }

  /** A web seed fetch ended (on the engine thread): its blocks are kept, or it failed. */
  private void done(WebSeed ws, WebSeed.Request r, byte[] data, Throwable err) {
    if (!ws.inFlight.remove(r)) {
      return;
    }
    forEachBlock(r, t.pieces()::requestEnded);
    if (t.removed) {
      return;
    }
    long now = engine.ticker.getAsLong();
    if (err != null) {
      if (!ws.dropped && t.state() == TorrentState.DOWNLOADING) {
        failed(ws, err, now);
      }
    } else {
      t.totals.received(r.payload, now);
      ws.errors = 0;
      if (ws.dropped || t.state() != TorrentState.DOWNLOADING) {
        t.totals.wasted(r.payload);
      } else {
        long pl = t.metainfo().pieceLength();
        forEachBlock(r, (p, b) -> {
          int off = (int) (p * pl + (long) b * Metainfo.BLOCK_SIZE - r.start);
          t.assembler.accept(null, ws.address, p, b,
              ByteBuffer.wrap(data, off, t.pieces().blockLength(p, b)), now);
        });
      }
    }
    tick(now);
  }

  /**
   * A fetch failed: the web seed backs off, doubling from the configured delay (or the server's
   * Retry-After, if longer); failures while it is backing off already (its other fetches in
   * flight) do not count again. Too many in a row drop it.
   */
  private void failed(WebSeed ws, Throwable err, long now) {
    if (ws.retryAtNanos != Long.MIN_VALUE && now - ws.retryAtNanos < 0) {
      return;
    }
    String why = err.getMessage() != null ? err.getMessage() : err.toString();
    ws.errors++;
    if (ws.errors >= config.maxConsecutiveErrors()) {
      drop(ws, "failed " + ws.errors + " times in a row, last: " + why);
      return;
    }
    long max = config.maxRetryDelay().toNanos();
    long delay = config.retryDelay().toNanos();
    for (int i = 1; i < ws.errors && delay < max; i++) {
      delay *= 2;
    }
    if (err instanceof WebSeedException && ((WebSeedException) err).retryAfterSeconds() > 0) {
      delay = Math.max(delay, Math.min(max / SECOND, ((WebSeedException) err).retryAfterSeconds())
          * SECOND);
    }
    delay = Math.min(delay, max);
    ws.retryAtNanos = now + delay;
    log.debug("{} failed ({} in a row), retried in {} ms: {}", ws, ws.errors, delay / 1_000_000,
        why);
  }

  /** A web seed sent bad data (a piece it alone sent failed, or smart ban proved a block bad). */
  private void lied(WebSeed ws, String reason) {
    ws.hashFailures++;
    log.info("{} sent bad data ({} of {}): {}", ws, ws.hashFailures, config.maxHashFailures(),
        reason);
    if (ws.hashFailures >= config.maxHashFailures() && !ws.dropped) {
      drop(ws, "sent bad data " + ws.hashFailures + " times, last: " + reason);
    }
  }

  private void drop(WebSeed ws, String reason) {
    ws.dropped = true;
    cancelAll(ws, "dropped");
    log.info("{} dropped: {}", ws, reason);
    String url = ws.url;
    t.post(l -> l.onWebSeedDropped(t.handle, url, reason));
  }
}
