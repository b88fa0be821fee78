/**
 * The web seed machinery: URL and byte-range mapping (pure), Content-Range parsing (pure), and the
 * HTTP fetcher. Internal, not API.
 */
package io.btlib.webseed.internal;
