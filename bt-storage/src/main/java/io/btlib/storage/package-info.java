/**
 * Verified storage: where each piece's bytes live on disk, reading and writing them, checking them
 * against their hashes, resume data and torrent creation.
 *
 * <p>Everything in {@code io.btlib.storage.internal} is implementation, not API.
 */
package io.btlib.storage;
