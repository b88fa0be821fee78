/**
 * Helpers for {@code io.btlib.metainfo}, such as base32 for BEP 9 magnet links. Internal, not API.
 */
package io.btlib.metainfo.internal;
