/**
 * Bencoding (BEP 3): immutable values, a strict or lenient decoder with limits and byte spans, and a
 * canonical writer.
 *
 * <p>Decoding: {@link io.btlib.bencode.Bdecoder#strict()} rejects every non-canonical form and is what
 * metainfo parsing uses; {@link io.btlib.bencode.Bdecoder#lenient()} accepts what real clients tolerate
 * and reports each deviation in a {@link io.btlib.bencode.BDocument}. Decoded byte strings are views into
 * the source array (nothing is copied until asked), and every decoded value remembers its byte span,
 * so a hash can be taken over the exact original bytes of a value.
 *
 * <p>Encoding: {@link io.btlib.bencode.BencodeWriter} writes canonical bencode (dictionary keys sorted as
 * raw bytes) to an {@code OutputStream}, a {@code ByteBuffer} or a new array.
 *
 * <p>Everything in {@code io.btlib.bencode.internal} is implementation, not API.
 */
package io.btlib.bencode;
