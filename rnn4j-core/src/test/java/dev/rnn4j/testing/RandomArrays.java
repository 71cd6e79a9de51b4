package dev.rnn4j.testing;

import dev.rnn4j.tensor.Generator;

/** Seeded random inputs for kernel tests. */
public final class RandomArrays {
  private RandomArrays() {}

  /** {@code n} floats uniform in [-1, 1), drawn in order from {@code g}. */
  public static float[] uniform(Generator g, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (g.nextDouble() * 2 - 1);
    }
    return a;
  }
}
