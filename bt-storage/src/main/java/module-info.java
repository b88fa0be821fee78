/**
 * Verified storage: files on disk or in memory laid out as a torrent describes, piece hashing,
 * recheck, resume data and torrent creation.
 *
 * <p>BouncyCastle is optional ({@code requires static}): it is needed only by {@link
 * io.btlib.storage.BouncyCastleHashes}, and only when that is used.
 */
module io.btlib.storage {
  requires transitive io.btlib.core;
  requires org.slf4j;
  requires static org.bouncycastle.provider;
  // sun.misc.Unsafe.invokeCleaner unmaps memory-mapped windows at once (a recheck maps its file a
  // window at a time); where it is missing (Android) the garbage collector unmaps them, later.
  requires jdk.unsupported;

  exports io.btlib.storage;
}
