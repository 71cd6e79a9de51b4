package dev.rnn4j.testing;

/**
 * The deterministic value stream of {@code scripts/fixtures/fx_big.py}'s {@code det(seed, n, scale)}: splitmix64
 * outputs for counters 1..n, their top 24 bits as {@code (u - 2^23) * 2^-23 * scale}. With a power-of-two scale every
 * value is a float32 exactly, so PyTorch and rnn4j start from the same bits without storing them.
 */
public final class Det {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Det() {}

  public static float[] values(long seed, int n, double scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      long z = seed * GOLDEN + (i + 1L) * GOLDEN;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z = z ^ (z >>> 31);
      long u = (z >>> 40) - (1L << 23);
      out[i] = (float) (u * 0x1p-23 * scale);
    }
    return out;
  }
}
