package io.btlib.metainfo;

/** Which BitTorrent protocol versions a torrent's info dictionary describes (BEP 3, BEP 52). */
public enum TorrentVersion {
  /** BitTorrent v1 only: SHA-1 piece hashes over the concatenated files. */
  V1,
  /** BitTorrent v2 only: a file tree with per-file SHA-256 merkle roots. */
  V2,
  /** Both at once, describing the same files (BEP 52 "hybrid"): two info hashes, one swarm each. */
  HYBRID;

  /** Whether v1 piece hashes are present. */
  public boolean hasV1() {
    return this != V2;
  }

  /** Whether a v2 file tree is present. */
  public boolean hasV2() {
    return this != V1;
  }
}
