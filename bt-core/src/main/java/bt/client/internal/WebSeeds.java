package bt.client.internal;

import bt.client.Torrent;
import bt.webseed.WebSeedConfig;
import java.util.Objects;

/**
 * Hands the client's {@link WebSeedConfig} to a torrent the engine made (the engine's own config
 * has no place for it). Internal, not API.
 */
public final class WebSeeds {
  private WebSeeds() {}

  /**
   * Sets how {@code torrent} uses web seeds; call before it starts. Returns the torrent.
   *
   * @throws IllegalArgumentException if the torrent is not the engine's
   */
  public static Torrent configure(Torrent torrent, WebSeedConfig config) {
    Objects.requireNonNull(config, "config");
    if (!(torrent instanceof TorrentHandle)) {
      throw new IllegalArgumentException("not an engine torrent: " + torrent);
    }
    ((TorrentHandle) torrent).runtime().webSeedConfig = config;
    return torrent;
  }
}
