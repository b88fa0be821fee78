/**
 * Hashing: the {@link bt.hash.HashFunction} service interface (SHA-1 for v1 pieces, SHA-256 for v2
 * merkle trees) with the JDK's intrinsics-backed implementations as defaults, and {@link
 * bt.hash.PieceVerifier}, which checks a piece's bytes against a torrent's hashes.
 *
 * <p>Everything in {@code bt.hash.internal} is implementation, not API.
 */
package bt.hash;
