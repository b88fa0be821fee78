package io.btlib.wire.mse;

import java.util.EnumSet;
import java.util.Set;

/**
 * A payload encryption method of MSE, as a bit of the 32-bit {@code crypto_provide} and {@code
 * crypto_select} fields.
 */
public enum CryptoMethod {
  /** After the handshake the payload flows in plain text (only the handshake is obfuscated). */
  PLAINTEXT(0x01),
  /** After the handshake the RC4 streams of the handshake go on over the whole payload. */
  RC4(0x02);

  private final int bit;

  CryptoMethod(int bit) {
    this.bit = bit;
  }

  /** The method's bit in {@code crypto_provide} / {@code crypto_select}. */
  public int bit() {
    return bit;
  }

  /** The bits of {@code methods}, or-ed together. */
  public static int bits(Set<CryptoMethod> methods) {
    int b = 0;
    for (CryptoMethod m : methods) {
      b |= m.bit;
    }
    return b;
  }

  /** The known methods whose bits are set in {@code bits}; unknown bits are ignored (the spec). */
  public static Set<CryptoMethod> of(int bits) {
    EnumSet<CryptoMethod> s = EnumSet.noneOf(CryptoMethod.class);
    for (CryptoMethod m : values()) {
      if ((bits & m.bit) != 0) {
        s.add(m);
      }
    }
    return s;
  }
}
