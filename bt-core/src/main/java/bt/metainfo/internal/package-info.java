/**
 * Helpers for {@code bt.metainfo}, such as base32 for BEP 9 magnet links. Internal, not API.
 */
package bt.metainfo.internal;
