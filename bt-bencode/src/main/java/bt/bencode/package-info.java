/**
 * Bencoding (BEP 3): immutable values, a strict or lenient decoder with limits and byte spans, and a
 * canonical writer.
 *
 * <p>Decoding: {@link bt.bencode.Bdecoder#strict()} rejects every non-canonical form and is what
 * metainfo parsing uses; {@link bt.bencode.Bdecoder#lenient()} accepts what real clients tolerate
 * and reports each deviation in a {@link bt.bencode.BDocument}. Decoded byte strings are views into
 * the source array (nothing is copied until asked), and every decoded value remembers its byte span,
 * so a hash can be taken over the exact original bytes of a value.
 *
 * <p>Encoding: {@link bt.bencode.BencodeWriter} writes canonical bencode (dictionary keys sorted as
 * raw bytes) to an {@code OutputStream}, a {@code ByteBuffer} or a new array.
 *
 * <p>Everything in {@code bt.bencode.internal} is implementation, not API.
 */
package bt.bencode;
