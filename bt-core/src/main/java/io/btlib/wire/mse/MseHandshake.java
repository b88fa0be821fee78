package io.btlib.wire.mse;

import io.btlib.bencode.internal.Bytes;
import io.btlib.metainfo.InfoHash;
import java.math.BigInteger;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * The MSE/PE handshake of one connection, as a sans-I/O state machine: bytes from the peer go in
 * through {@link #handleBytes}, bytes for the peer come out of {@link #pollTransmit}, and once
 * {@link #isDone()} the {@link #result()} holds the ciphers for the payload. It owns no socket,
 * thread or clock; the caller bounds the handshake's time.
 *
 * <pre>{@code
 * MseHandshake mse = MseHandshake.initiator(infoHash, EnumSet.of(CryptoMethod.RC4),
 *     ByteBuffer.allocate(0), secureRandom);
 * loop {
 *   mse.pollTransmit(out);  ... write out ...
 *   ... read into in ...;  in.flip();  mse.handleBytes(in);  in.compact();
 *   if (mse.isDone()) break;             // what is left in "in" is payload
 * }
 * }</pre>
 *
 * <p>The exchange, A the initiator, B the receiver (all big-endian; ENCRYPT is RC4 keyed with
 * HASH('keyA', S, SKEY) from A and HASH('keyB', S, SKEY) from B, first 1024 bytes of keystream
 * discarded; ENCRYPT2 the negotiated method):
 *
 * <pre>
 * 1 A-&gt;B  Ya (96) | PadA (0-512 random)
 * 2 B-&gt;A  Yb (96) | PadB (0-512 random)
 * 3 A-&gt;B  HASH('req1', S) (20) | HASH('req2', SKEY) xor HASH('req3', S) (20)
 *         | ENCRYPT(VC (8 zero bytes) | crypto_provide (4) | len(PadC) (2) | PadC | len(IA) (2))
 *         | ENCRYPT(IA)
 * 4 B-&gt;A  ENCRYPT(VC | crypto_select (4) | len(PadD) (2) | PadD) | ENCRYPT2(payload)
 * 5 A-&gt;B  ENCRYPT2(payload)
 * </pre>
 *
 * <p>Ya, Yb are Diffie-Hellman public keys over the spec's 768-bit prime with generator 2 and
 * 160-bit private keys; S is the shared secret, SKEY the torrent's 20-byte info hash. B finds
 * where PadA ends by scanning for HASH('req1', S) (within 628 bytes of the start), A finds where
 * PadB ends by scanning for ENCRYPT(VC) (within 616 bytes). PadC and PadD are at most 512 bytes;
 * we send them zeroed, of random length. The receiver selects a plaintext payload when both sides
 * allow it (libtorrent's default, {@code prefer_rc4 = false}: the handshake still hides the
 * protocol), else RC4.
 *
 * <p><b>Input contract.</b> {@code handleBytes} consumes bytes of the handshake and never a byte
 * beyond its end: when it returns with {@link #isDone()} true, what remains in the buffer is
 * payload (for the receiver, preceded by {@link MseResult#initialPayload()}). Input may arrive in
 * any chunks, one byte at a time included. A receiver built to accept a plain BitTorrent handshake
 * consumes nothing until it has told the two apart (the first 20 bytes, "\19BitTorrent protocol").
 *
 * <p><b>Errors.</b> A violation throws {@link MseException} naming the rule; the handshake is then
 * dead and further calls throw {@link IllegalStateException}. Not thread-safe: one per connection,
 * fed by one thread.
 */
public final class MseHandshake {
  /** The receiver's synchronisation bound: Ya, the longest PadA and HASH('req1', S). */
  static final int REQ1_SYNC_LIMIT = MseCrypto.KEY_LENGTH + MseCrypto.MAX_PAD + 20;
  /** The initiator's synchronisation bound: Yb, the longest PadB and ENCRYPT(VC). */
  static final int VC_SYNC_LIMIT = MseCrypto.KEY_LENGTH + MseCrypto.MAX_PAD + MseCrypto.VC_LENGTH;
  /** The longest initial payload: its length field has two bytes. */
  public static final int MAX_INITIAL_PAYLOAD = 65535;

  private static final byte[] PROTOCOL_HEADER =
      "\u0013BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);

  private enum State {
    // initiator
    AWAIT_YB, SYNC_VC, SELECT, PAD_D,
    // receiver
    AWAIT_YA, SYNC_REQ1, SKEY, PROVIDE, PAD_C, LEN_IA, IA,
    DONE, FAILED
  }

  private final boolean initiator;
  private final Random random;
  private final int methods;
  private final InfoHash ownSkey;
  private final SkeyLookup lookup;
  private final boolean acceptPlaintextHandshake;
  private final BigInteger privateKey;
  private int padOverride = -1;

  private State state;
  private MseException failure;
  private long received;
  private final byte[] field = new byte[MseCrypto.KEY_LENGTH];
  private int fieldLength;
  private long fieldStart;
  private byte[] scan;
  private int scanLength;
  private int padLeft;
  private byte[] ia;
  private int iaLength;
  private byte[] secret;
  private byte[] marker;
  private InfoHash skey;
  private Rc4 encrypt;
  private Rc4 decrypt;
  private CryptoMethod selected;
  private byte[] initialPayload;
  private MseResult result;

  private byte[] tx = new byte[0];
  private int txStart;
  private int txEnd;

  private MseHandshake(boolean initiator, InfoHash skey, SkeyLookup lookup,
      Set<CryptoMethod> methods, boolean acceptPlaintextHandshake, byte[] initialPayload,
      Random random) {
    if (methods.isEmpty()) {
      throw new IllegalArgumentException("no crypto method allowed");
    }
    this.initiator = initiator;
    this.ownSkey = skey;
    this.lookup = lookup;
    this.methods = CryptoMethod.bits(methods);
    this.acceptPlaintextHandshake = acceptPlaintextHandshake;
    this.initialPayload = initialPayload;
    this.random = random;
    this.privateKey = MseCrypto.privateKey(random);
    this.state = initiator ? State.AWAIT_YB : State.AWAIT_YA;
    if (initiator) {
      queuePublicKey();
    }
  }

  /**
   * A handshake for a connection we opened: Ya and PadA are queued for transmission at once.
   *
   * @param skey the torrent's 20-byte id (the v1 hash, or the truncated v2 hash), as the
   *     BitTorrent handshake that follows will carry it
   * @param provide the payload methods to offer (not empty)
   * @param initialPayload bytes to send encrypted inside step 3 (the remaining ones; at most
   *     {@value #MAX_INITIAL_PAYLOAD}), usually empty; copied
   * @param random the source of the private key and the padding: a cryptographically strong one
   *     outside tests
   */
  public static MseHandshake initiator(InfoHash skey, Set<CryptoMethod> provide,
      ByteBuffer initialPayload, Random random) {
    Objects.requireNonNull(skey, "skey");
    if (!skey.isV1()) {
      throw new IllegalArgumentException("an MSE stream key is a 20-byte hash: " + skey);
    }
    if (initialPayload.remaining() > MAX_INITIAL_PAYLOAD) {
      throw new IllegalArgumentException("initial payload longer than " + MAX_INITIAL_PAYLOAD
          + " bytes: " + initialPayload.remaining());
    }
    byte[] ia = new byte[initialPayload.remaining()];
    initialPayload.duplicate().get(ia);
    return new MseHandshake(true, skey, null, EnumSet.copyOf(provide), false, ia,
        Objects.requireNonNull(random, "random"));
  }

  /**
   * A handshake for a connection a peer opened.
   *
   * @param lookup finds the torrent the initiator names
   * @param accept the payload methods we accept (not empty); plaintext is chosen when both sides
   *     allow it (as libtorrent does by default: the handshake is obfuscated either way), RC4 when
   *     one side requires it
   * @param acceptPlaintextHandshake whether a plain BitTorrent handshake is accepted instead (it
   *     then finishes at once with {@link MseResult#isPlaintextHandshake()}); if false, one fails
   *     with {@link MseException.Rule#PLAINTEXT_REFUSED}
   * @param random the source of the private key and the padding
   */
  public static MseHandshake receiver(SkeyLookup lookup, Set<CryptoMethod> accept,
      boolean acceptPlaintextHandshake, Random random) {
    return new MseHandshake(false, null, Objects.requireNonNull(lookup, "lookup"),
        EnumSet.copyOf(accept), acceptPlaintextHandshake, null,
        Objects.requireNonNull(random, "random"));
  }

  /** Tests: every pad this side sends is {@code n} bytes long (0 to 512) instead of random. */
  MseHandshake padLength(int n) {
    if (n < 0 || n > MseCrypto.MAX_PAD) {
      throw new IllegalArgumentException("pad length must be in [0, 512]: " + n);
    }
    this.padOverride = n;
    if (initiator && state == State.AWAIT_YB && txStart == 0) {
      txEnd = MseCrypto.KEY_LENGTH; // re-pad the queued Ya
      queue(randomBytes(n));
    }
    return this;
  }

  /** Whether we opened the connection (A) rather than accepted it (B). */
  public boolean isInitiator() {
    return initiator;
  }

  /**
   * Whether the handshake is complete: {@link #result()} is ready. Bytes may still wait in
   * {@link #pollTransmit}; they go out before any payload.
   */
  public boolean isDone() {
    return state == State.DONE;
  }

  /** What was negotiated. @throws IllegalStateException before {@link #isDone()} */
  public MseResult result() {
    if (state != State.DONE) {
      throw new IllegalStateException("handshake not done: " + state);
    }
    return result;
  }

  /** Whether bytes wait to be sent. */
  public boolean hasTransmit() {
    return txStart < txEnd;
  }

  /**
   * Copies as many waiting bytes as fit into {@code dst}; true if it copied any.
   */
  public boolean pollTransmit(ByteBuffer dst) {
    int n = Math.min(dst.remaining(), txEnd - txStart);
    if (n <= 0) {
      return false;
    }
    dst.put(tx, txStart, n);
    txStart += n;
    return true;
  }

  /**
   * Consumes handshake bytes from {@code src} (from its position, up to its limit, never past the
   * handshake's end) and queues what they call for.
   *
   * @throws MseException if the peer broke the handshake (the handshake is then dead)
   * @throws IllegalStateException if an earlier call failed
   */
  public void handleBytes(ByteBuffer src) throws MseException {
    checkAlive();
    try {
      while (state != State.DONE && src.hasRemaining()) {
        if (!step(src)) {
          return;
        }
      }
    } catch (MseException e) {
      fail(e);
      throw e;
    }
  }

  /**
   * The connection ended.
   *
   * @throws MseException {@link MseException.Rule#TRUNCATED} unless the handshake is done
   */
  public void handleEof() throws MseException {
    checkAlive();
    if (state != State.DONE) {
      MseException e = new MseException(MseException.Rule.TRUNCATED, received, -1, -1,
          "connection closed during the handshake, in state " + state);
      fail(e);
      throw e;
    }
  }

  private void checkAlive() {
    if (state == State.FAILED) {
      throw new IllegalStateException("handshake failed: " + failure.getMessage());
    }
  }

  private void fail(MseException e) {
    state = State.FAILED;
    failure = e;
    txStart = txEnd; // nothing more goes out
  }

  /** One step of the machine; false when it needs more input. */
  private boolean step(ByteBuffer src) throws MseException {
    switch (state) {
      case AWAIT_YA:
        if (received == 0 && fieldLength == 0) {
          int seen = plainHandshakePrefix(src);
          if (seen == PROTOCOL_HEADER.length) {
            if (!acceptPlaintextHandshake) {
              throw new MseException(MseException.Rule.PLAINTEXT_REFUSED, 0, -1, -1,
                  "a plain BitTorrent handshake, where only an encrypted one is accepted");
            }
            result = new MseResult(true, CryptoMethod.PLAINTEXT, null, new byte[0],
                PayloadCipher.plaintext(), PayloadCipher.plaintext());
            state = State.DONE;
            return true;
          }
          if (seen == src.remaining()) {
            return false; // so far it could be either
          }
        }
        if (!fill(src, MseCrypto.KEY_LENGTH)) {
          return false;
        }
        onPublicKey();
        queuePublicKey();
        scan = new byte[REQ1_SYNC_LIMIT - MseCrypto.KEY_LENGTH];
        state = State.SYNC_REQ1;
        return true;
      case SYNC_REQ1:
        return syncOn(src, marker, MseException.Rule.SYNC_NOT_FOUND, "HASH('req1', S)",
            REQ1_SYNC_LIMIT, State.SKEY);
      case SKEY:
        if (!fill(src, 20)) {
          return false;
        }
        findSkey();
        state = State.PROVIDE;
        return true;
      case PROVIDE:
        if (!fill(src, 14)) {
          return false;
        }
        decrypt.processBytes(field, 0, 14, field, 0);
        checkVc();
        int provide = readInt(field, 8);
        int common = provide & methods;
        // libtorrent's default (prefer_rc4 = false): a plain payload when both sides allow it
        // (the handshake stays obfuscated), RC4 only when one side requires it
        if ((common & CryptoMethod.PLAINTEXT.bit()) != 0) {
          selected = CryptoMethod.PLAINTEXT;
        } else if ((common & CryptoMethod.RC4.bit()) != 0) {
          selected = CryptoMethod.RC4;
        } else {
          throw new MseException(MseException.Rule.NO_COMMON_METHOD, fieldStart + 8,
              provide & 0xFFFFFFFFL, -1, "crypto_provide 0x" + Integer.toHexString(provide)
              + " offers nothing of 0x" + Integer.toHexString(methods));
        }
        padLeft = checkPad(readShort(field, 12), fieldStart + 12, "PadC");
        state = State.PAD_C;
        return true;
      case PAD_C:
        if (!skipPad(src)) {
          return false;
        }
        state = State.LEN_IA;
        return true;
      case LEN_IA:
        if (!fill(src, 2)) {
          return false;
        }
        decrypt.processBytes(field, 0, 2, field, 0);
        ia = new byte[readShort(field, 0)];
        iaLength = 0;
        state = State.IA;
        if (ia.length == 0) {
          finishReceiver();
        }
        return true;
      case IA:
        int n = Math.min(src.remaining(), ia.length - iaLength);
        src.get(ia, iaLength, n);
        decrypt.processBytes(ia, iaLength, n, ia, iaLength);
        iaLength += n;
        received += n;
        if (iaLength < ia.length) {
          return false;
        }
        finishReceiver();
        return true;
      case AWAIT_YB:
        if (!fill(src, MseCrypto.KEY_LENGTH)) {
          return false;
        }
        onPublicKey();
        queueStep3();
        scan = new byte[VC_SYNC_LIMIT - MseCrypto.KEY_LENGTH];
        state = State.SYNC_VC;
        return true;
      case SYNC_VC:
        return syncOn(src, marker, MseException.Rule.SYNC_NOT_FOUND, "ENCRYPT(VC)",
            VC_SYNC_LIMIT, State.SELECT);
      case SELECT:
        if (!fill(src, 6)) {
          return false;
        }
        decrypt.processBytes(field, 0, 6, field, 0);
        int select = readInt(field, 0);
        int known = select & (CryptoMethod.PLAINTEXT.bit() | CryptoMethod.RC4.bit());
        if (Integer.bitCount(known) != 1 || (known & methods) == 0) {
          throw new MseException(MseException.Rule.BAD_SELECT, fieldStart, select & 0xFFFFFFFFL,
              -1, "crypto_select 0x" + Integer.toHexString(select)
              + " is not one of the offered 0x" + Integer.toHexString(methods));
        }
        selected = known == CryptoMethod.RC4.bit() ? CryptoMethod.RC4 : CryptoMethod.PLAINTEXT;
        padLeft = checkPad(readShort(field, 4), fieldStart + 4, "PadD");
        state = State.PAD_D;
        if (padLeft == 0) {
          finishInitiator();
        }
        return true;
      case PAD_D:
        if (!skipPad(src)) {
          return false;
        }
        finishInitiator();
        return true;
      default:
        throw new IllegalStateException("unexpected state " + state);
    }
  }

  /** How many of src's first bytes match the plain handshake's header (all of them, or less). */
  private static int plainHandshakePrefix(ByteBuffer src) {
    int n = Math.min(src.remaining(), PROTOCOL_HEADER.length);
    for (int i = 0; i < n; i++) {
      if (src.get(src.position() + i) != PROTOCOL_HEADER[i]) {
        return i;
      }
    }
    return n;
  }

  /** Accumulates bytes into {@link #field} until it holds {@code n}; true when it does. */
  private boolean fill(ByteBuffer src, int n) {
    if (fieldLength == 0) {
      fieldStart = received;
    }
    int k = Math.min(n - fieldLength, src.remaining());
    src.get(field, fieldLength, k);
    fieldLength += k;
    received += k;
    if (fieldLength < n) {
      return false;
    }
    fieldLength = 0;
    return true;
  }

  /** Reads a byte at a time until the last bytes read equal {@code target}. */
  private boolean syncOn(ByteBuffer src, byte[] target, MseException.Rule rule, String what,
      int limit, State next) throws MseException {
    while (src.hasRemaining()) {
      if (scanLength == scan.length) {
        throw new MseException(rule, received, -1, limit, what + " not found within " + limit
            + " bytes of the start");
      }
      scan[scanLength++] = src.get();
      received++;
      if (scanLength >= target.length && Bytes.equals(scan, scanLength - target.length,
          scanLength, target, 0, target.length)) {
        scan = null;
        state = next;
        return true;
      }
    }
    return false;
  }

  private void onPublicKey() throws MseException {
    BigInteger y = new BigInteger(1, Arrays.copyOf(field, MseCrypto.KEY_LENGTH));
    if (!MseCrypto.isValidPublicKey(y)) {
      throw new MseException(MseException.Rule.BAD_PUBLIC_KEY, fieldStart, -1, -1,
          "public key " + (y.bitLength() <= 64 ? y.toString() : "of " + y.bitLength() + " bits")
          + " is outside [2, P-2]");
    }
    secret = MseCrypto.toBytes(y.modPow(privateKey, MseCrypto.P));
    if (!initiator) {
      marker = MseCrypto.hash(MseCrypto.REQ1, secret);
    }
  }

  private void findSkey() throws MseException {
    byte[] req3 = MseCrypto.hash(MseCrypto.REQ3, secret);
    byte[] req2 = new byte[20];
    for (int i = 0; i < 20; i++) {
      req2[i] = (byte) (field[i] ^ req3[i]);
    }
    InfoHash found = lookup.find(ByteBuffer.wrap(req2).asReadOnlyBuffer());
    if (found == null || !found.isV1()) {
      throw new MseException(MseException.Rule.UNKNOWN_SKEY, fieldStart, -1, -1,
          "HASH('req2', SKEY) names no torrent we have");
    }
    skey = found;
    decrypt = MseCrypto.rc4(MseCrypto.hash(MseCrypto.KEY_A, secret, skey.bytes()));
    encrypt = MseCrypto.rc4(MseCrypto.hash(MseCrypto.KEY_B, secret, skey.bytes()));
  }

  private void checkVc() throws MseException {
    for (int i = 0; i < MseCrypto.VC_LENGTH; i++) {
      if (field[i] != 0) {
        throw new MseException(MseException.Rule.BAD_VC, fieldStart, -1, -1,
            "the verification constant did not decrypt to zeros (wrong S or SKEY)");
      }
    }
  }

  private int checkPad(int length, long at, String what) throws MseException {
    if (length > MseCrypto.MAX_PAD) {
      throw new MseException(MseException.Rule.PAD_TOO_LONG, at, length, MseCrypto.MAX_PAD,
          what + " too long");
    }
    return length;
  }

  /** Decrypts and drops pad bytes; true once all are gone. */
  private boolean skipPad(ByteBuffer src) {
    while (padLeft > 0 && src.hasRemaining()) {
      int n = Math.min(Math.min(padLeft, src.remaining()), field.length);
      src.get(field, 0, n);
      decrypt.processBytes(field, 0, n, field, 0);
      padLeft -= n;
      received += n;
    }
    return padLeft == 0;
  }

  private void queuePublicKey() {
    queue(MseCrypto.toBytes(MseCrypto.publicKey(privateKey)));
    queue(randomBytes(padLength()));
  }

  private void queueStep3() {
    skey = ownSkey;
    encrypt = MseCrypto.rc4(MseCrypto.hash(MseCrypto.KEY_A, secret, skey.bytes()));
    decrypt = MseCrypto.rc4(MseCrypto.hash(MseCrypto.KEY_B, secret, skey.bytes()));
    marker = new byte[MseCrypto.VC_LENGTH];
    decrypt.processBytes(marker, 0, marker.length, marker, 0); // what ENCRYPT(VC) from B looks like
    queue(MseCrypto.hash(MseCrypto.REQ1, secret));
    byte[] req2 = MseCrypto.hash(MseCrypto.REQ2, skey.bytes());
    byte[] req3 = MseCrypto.hash(MseCrypto.REQ3, secret);
    for (int i = 0; i < 20; i++) {
      req2[i] ^= req3[i];
    }
    queue(req2);
    int pad = padLength();
    ByteBuffer b = ByteBuffer.allocate(8 + 4 + 2 + pad + 2 + initialPayload.length);
    ((Buffer) b).position(8); // VC: zeros
    b.putInt(methods);
    b.putShort((short) pad);
    ((Buffer) b).position(b.position() + pad); // PadC: zeros
    b.putShort((short) initialPayload.length);
    b.put(initialPayload);
    encrypt.processBytes(b.array(), 0, b.capacity(), b.array(), 0);
    queue(b.array());
  }

  private void finishReceiver() {
    int pad = padLength();
    ByteBuffer b = ByteBuffer.allocate(8 + 4 + 2 + pad);
    ((Buffer) b).position(8);
    b.putInt(selected.bit());
    b.putShort((short) pad);
    encrypt.processBytes(b.array(), 0, b.capacity(), b.array(), 0);
    queue(b.array());
    finish(ia);
  }

  private void finishInitiator() {
    finish(new byte[0]);
  }

  private void finish(byte[] payload) {
    boolean rc4 = selected == CryptoMethod.RC4;
    result = new MseResult(false, selected, skey, payload,
        rc4 ? new PayloadCipher(encrypt) : PayloadCipher.plaintext(),
        rc4 ? new PayloadCipher(decrypt) : PayloadCipher.plaintext());
    secret = null;
    state = State.DONE;
  }

  private int padLength() {
    return padOverride >= 0 ? padOverride : random.nextInt(MseCrypto.MAX_PAD + 1);
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private void queue(byte[] bytes) {
    if (txEnd + bytes.length > tx.length) {
      byte[] bigger = new byte[Math.max(tx.length * 2, txEnd - txStart + bytes.length)];
      System.arraycopy(tx, txStart, bigger, 0, txEnd - txStart);
      txEnd -= txStart;
      txStart = 0;
      tx = bigger;
    }
    System.arraycopy(bytes, 0, tx, txEnd, bytes.length);
    txEnd += bytes.length;
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }

  private static int readShort(byte[] b, int at) {
    return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
  }

  @Override
  public String toString() {
    return "MseHandshake[" + (initiator ? "initiator" : "receiver") + ", " + state + "]";
  }
}
