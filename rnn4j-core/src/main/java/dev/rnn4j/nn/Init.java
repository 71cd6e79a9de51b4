package dev.rnn4j.nn;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/** PyTorch's default initialisers, drawing from an explicit {@link Generator}. */
public final class Init {
  private Init() {}

  /** Fills {@code t} from U(-bound, bound). */
  public static void uniform(Tensor t, double bound, Generator gen) {
    float[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) ((gen.nextDouble() * 2 - 1) * bound);
    }
    t.markModified();
  }

  /** Fills {@code t} from N(0, 1). */
  public static void normal(Tensor t, Generator gen) {
    float[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) gen.nextGaussian();
    }
    t.markModified();
  }
}
