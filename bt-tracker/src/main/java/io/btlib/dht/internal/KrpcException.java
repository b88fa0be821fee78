package io.btlib.dht.internal;

/**
 * A KRPC message that could not be decoded: says what was wrong and where (e.g. {@code a.info_hash:
 * 19 bytes, expected 20}).
 *
 * <p>When the message was recognisably a query with a transaction id, {@link #transactionId()} is
 * set and {@link #errorCode()} is the KRPC error to answer with (203 protocol error, 204 method
 * unknown); otherwise the packet is simply dropped.
 */
final class KrpcException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient byte[] transactionId;
  private final int errorCode;

  KrpcException(String message) {
    this(message, null, 0, null);
  }

  KrpcException(String message, Throwable cause) {
    this(message, null, 0, cause);
  }

  KrpcException(String message, byte[] transactionId, int errorCode) {
    this(message, transactionId, errorCode, null);
  }

  private KrpcException(String message, byte[] transactionId, int errorCode, Throwable cause) {
    super(message, cause);
    this.transactionId = transactionId;
    this.errorCode = errorCode;
  }

  /** The query's transaction id when the sender should get an error reply, else null. */
  public byte[] transactionId() {
    return transactionId == null ? null : transactionId.clone();
  }

  /** The KRPC error code to answer with (203 or 204), or 0 when the packet is just dropped. */
  public int errorCode() {
    return errorCode;
  }

  /** Whether this failure deserves an error reply. */
  public boolean answerable() {
    return transactionId != null && errorCode != 0;
  }
}
