/**
 * Torrent metadata: metainfo files (v1, v2, hybrid), info hashes and magnet links.
 *
 * <p>Info hashes follow BEP 3 (v1, SHA-1) and BEP 52 (v2, SHA-256); magnet links follow BEP 9,
 * BEP 52's {@code urn:btmh:} and BEP 53's {@code so}.
 */
package io.btlib.metainfo;
