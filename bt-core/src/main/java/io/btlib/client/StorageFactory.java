package io.btlib.client;

import io.btlib.metainfo.Metainfo;
import java.io.IOException;

/**
 * Opens the {@link Storage} for a torrent; the engine calls it once per torrent it adds. Must be
 * thread-safe.
 */
@FunctionalInterface
public interface StorageFactory {

  /** Opens (without creating files yet) the storage for {@code metainfo}. */
  Storage open(Metainfo metainfo) throws IOException;
}
