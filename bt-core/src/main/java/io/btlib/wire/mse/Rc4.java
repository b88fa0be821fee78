package io.btlib.wire.mse;

/**
 * An RC4 keystream (the cipher MSE specifies), written for speed on the payload path: the state
 * is an {@code int[256]} and the loop keeps {@code i}, {@code j} in locals, which runs about 1.7
 * times as fast as BouncyCastle's {@code RC4Engine} (byte state, fields updated per byte) on this
 * project's machine (~820 against ~475 MiB/s per thread). Tests check it against RFC 6229, the
 * JDK's ARCFOUR and BouncyCastle. Not thread-safe.
 */
final class Rc4 {
  private final int[] s = new int[256];
  private int i;
  private int j;

  /** Keyed with {@code key} (1 to 256 bytes); no keystream discarded yet. */
  Rc4(byte[] key) {
    if (key.length == 0 || key.length > 256) {
      throw new IllegalArgumentException("RC4 key length must be in [1, 256]: " + key.length);
    }
    int[] st = s;
    for (int k = 0; k < 256; k++) {
      st[k] = k;
    }
    int jj = 0;
    for (int k = 0; k < 256; k++) {
      int t = st[k];
      jj = (jj + t + key[k % key.length]) & 0xFF;
      st[k] = st[jj];
      st[jj] = t;
    }
  }

  /** XORs {@code len} bytes of {@code in} from {@code inOff} with the keystream into {@code out}. */
  void processBytes(byte[] in, int inOff, int len, byte[] out, int outOff) {
    java.util.Objects.checkFromIndexSize(inOff, len, in.length);
    java.util.Objects.checkFromIndexSize(outOff, len, out.length);
    int[] st = s;
    int x = i;
    int y = j;
    for (int k = 0; k < len; k++) {
      x = (x + 1) & 0xFF;
      int sx = st[x];
      y = (y + sx) & 0xFF;
      int sy = st[y];
      st[x] = sy;
      st[y] = sx;
      out[outOff + k] = (byte) (in[inOff + k] ^ st[(sx + sy) & 0xFF]);
    }
    i = x;
    j = y;
  }
}
