/**
 * Hashing: the {@link io.btlib.hash.HashFunction} service interface (SHA-1 for v1 pieces, SHA-256 for v2
 * merkle trees) with the JDK's intrinsics-backed implementations as defaults, and {@link
 * io.btlib.hash.PieceVerifier}, which checks a piece's bytes against a torrent's hashes.
 *
 * <p>Everything in {@code io.btlib.hash.internal} is implementation, not API.
 */
package io.btlib.hash;
