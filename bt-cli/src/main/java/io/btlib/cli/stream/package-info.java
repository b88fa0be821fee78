/**
 * The HTTP/1.1 server of {@code bt stream}: serves a torrent's files, read through {@link
 * java.nio.channels.SeekableByteChannel}s that block until the bytes are verified, to players such
 * as ffmpeg, mpv and VLC.
 *
 * <p>{@link io.btlib.cli.stream.StreamServer} accepts connections and owns their threads; each
 * connection is one {@code Exchange} loop (head, route, answer) until the client or the server
 * closes it. Parsing ({@code RequestHeadReader}, {@code ByteRanges}, {@code UrlPaths}) is kept
 * apart from the socket work so that hostile inputs are tested without sockets too.
 */
package io.btlib.cli.stream;
