package io.btlib.wire.mse;

import io.btlib.metainfo.InfoHash;
import java.nio.ByteBuffer;

/**
 * What a finished {@link MseHandshake} agreed: the payload method, the torrent, the initiator's
 * initial payload and the ciphers for the payload in each direction. For a receiver that found a
 * plain BitTorrent handshake instead ({@link #isPlaintextHandshake()}), nothing was negotiated and
 * both ciphers are the identity.
 */
public final class MseResult {
  private final boolean plaintextHandshake;
  private final CryptoMethod method;
  private final InfoHash skey;
  private final byte[] initialPayload;
  private final PayloadCipher encryptor;
  private final PayloadCipher decryptor;

  MseResult(boolean plaintextHandshake, CryptoMethod method, InfoHash skey, byte[] initialPayload,
      PayloadCipher encryptor, PayloadCipher decryptor) {
    this.plaintextHandshake = plaintextHandshake;
    this.method = method;
    this.skey = skey;
    this.initialPayload = initialPayload;
    this.encryptor = encryptor;
    this.decryptor = decryptor;
  }

  /**
   * Whether the receiver saw a plain BitTorrent handshake rather than an MSE one (allowed only if
   * it was built to accept one): no byte was consumed, and the connection goes on unencrypted.
   */
  public boolean isPlaintextHandshake() {
    return plaintextHandshake;
  }

  /** The payload method negotiated ({@link CryptoMethod#PLAINTEXT} for a plain handshake). */
  public CryptoMethod method() {
    return method;
  }

  /** The 20-byte info hash the handshake was keyed with, or null for a plain handshake. */
  public InfoHash skey() {
    return skey;
  }

  /**
   * The initiator's initial payload (IA), decrypted: on the receiver, the first payload bytes,
   * which come before anything left in the input buffer; empty on the initiator. A read-only view.
   */
  public ByteBuffer initialPayload() {
    return ByteBuffer.wrap(initialPayload).asReadOnlyBuffer();
  }

  /** The cipher for the payload we send. */
  public PayloadCipher encryptor() {
    return encryptor;
  }

  /** The cipher for the payload we receive, starting with the first byte after the handshake. */
  public PayloadCipher decryptor() {
    return decryptor;
  }

  @Override
  public String toString() {
    return plaintextHandshake ? "MseResult[plain BitTorrent handshake]"
        : "MseResult[" + method + ", " + skey + ", IA " + initialPayload.length + " bytes]";
  }
}
