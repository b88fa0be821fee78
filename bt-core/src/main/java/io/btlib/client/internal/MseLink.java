package io.btlib.client.internal;

import io.btlib.metainfo.InfoHash;
import io.btlib.wire.mse.CryptoMethod;
import io.btlib.wire.mse.MseException;
import io.btlib.wire.mse.MseHandshake;
import io.btlib.wire.mse.MseResult;
import io.btlib.wire.mse.PayloadCipher;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * A connection's Message Stream Encryption: the handshake while it runs, the bytes it writes, and
 * afterwards the payload ciphers (none for a plain payload). The engine drives it: it feeds the
 * handshake the bytes read, writes what it queues, and decrypts reads and encrypts batches with
 * it. Engine thread only; not thread-safe. Internal, not API.
 */
final class MseLink {

  /** The handshake, from the connection's start until its last bytes are written; or null. */
  private MseHandshake handshake;
  /** Whether the handshake finished (the payload phase began). */
  private boolean done;
  /**
   * The peer ended the handshake: closed, reset, broke it or let it time out (what makes an
   * ENABLED outgoing connection retry in plain text; a close of ours does not).
   */
  private boolean refused;
  /** Handshake bytes being written (they go before anything else), while the handshake runs. */
  private ByteBuffer out;
  /** The torrent an incoming connection's handshake named, or null. */
  private InfoHash skey;
  /**
   * The payload ciphers once RC4 was negotiated; null for a plain payload. Reads are decrypted in
   * the read buffer as they arrive; a batch is encrypted once when it is filled.
   */
  private PayloadCipher encryptor;
  private PayloadCipher decryptor;

  /** The connection begins with {@code h}. */
  void start(MseHandshake h) {
    handshake = h;
  }

  /** Whether the handshake runs: bytes read are its own, not the payload's. */
  boolean inHandshake() {
    return handshake != null && !done;
  }

  /** Whether handshake bytes may wait to be written (the handshake is not dropped yet). */
  boolean hasHandshake() {
    return handshake != null;
  }

  /** Whether handshake bytes wait to be written. */
  boolean hasPendingOutput() {
    return handshake != null && (handshake.hasTransmit() || (out != null && out.hasRemaining()));
  }

  /**
   * The connection ended (closed by the peer, reset, timed out): during the handshake that counts
   * as the peer refusing it.
   */
  void ended() {
    refused = inHandshake();
  }

  /** Whether the peer ended the handshake (see {@link #ended}). */
  boolean isRefused() {
    return refused;
  }

  /**
   * Feeds the handshake from {@code in} (in read mode). Returns null while it needs more bytes;
   * once it is done, its result, and the payload ciphers are set (the bytes after the handshake
   * in {@code in} are decrypted already).
   *
   * @throws MseException if the peer broke the handshake (it counts as refused)
   */
  MseResult handle(ByteBuffer in, boolean incoming) throws MseException {
    try {
      handshake.handleBytes(in);
    } catch (MseException e) {
      refused = true;
      throw e;
    }
    if (!handshake.isDone()) {
      return null;
    }
    MseResult r = handshake.result();
    done = true;
    if (r.method() == CryptoMethod.RC4) {
      encryptor = r.encryptor();
      decryptor = r.decryptor();
      decryptor.apply(in, in.position(), in.remaining()); // read along with the handshake
    }
    if (!r.isPlaintextHandshake() && incoming) {
      skey = r.skey();
    }
    return r;
  }

  /** The torrent an incoming connection's handshake named, or null. */
  InfoHash skey() {
    return skey;
  }

  /**
   * Writes the handshake's bytes to {@code link}; true once none wait (the handshake and its
   * buffer are dropped when the handshake is done as well).
   */
  boolean writeHandshake(Link link) throws IOException {
    if (out == null) {
      out = (ByteBuffer) ((Buffer) ByteBuffer.allocate(1024)).flip();
    }
    for (;;) {
      if (!out.hasRemaining()) {
        ((Buffer) out).clear();
        handshake.pollTransmit(out);
        ((Buffer) out).flip();
        if (!out.hasRemaining()) {
          break;
        }
      }
      link.write(out);
      if (out.hasRemaining()) {
        return false;
      }
    }
    if (done) {
      handshake = null;
      out = null;
    }
    return true;
  }

  /** Whether the payload is encrypted (RC4). */
  boolean encrypts() {
    return encryptor != null;
  }

  /** Decrypts {@code n} bytes read into {@code in} at {@code start}, if the payload is encrypted. */
  void decrypt(ByteBuffer in, int start, int n) {
    if (decryptor != null) {
      decryptor.apply(in, start, n);
    }
  }

  /** Encrypts {@code b}'s {@code n} bytes from {@code start} in place. */
  void encrypt(ByteBuffer b, int start, int n) {
    encryptor.apply(b, start, n);
  }

  /** Encrypts {@code src}'s remaining bytes into {@code dst}. */
  void encrypt(ByteBuffer src, ByteBuffer dst) {
    encryptor.apply(src, dst);
  }
}
