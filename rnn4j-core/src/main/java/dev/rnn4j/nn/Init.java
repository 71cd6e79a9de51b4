package dev.rnn4j.nn;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorVersion;
import java.util.List;

/** PyTorch's default initialisers, drawing from an explicit {@link Generator}. */
public final class Init {
  private Init() {}

  /** Fills {@code t} from U(-bound, bound). */
  public static void uniform(Tensor t, double bound, Generator gen) {
    float[] d = t.data();
    try (TensorVersion.WriteSection w = TensorVersion.beginWrite(List.of(t))) {
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) ((gen.nextDouble() * 2 - 1) * bound);
      }
    }
  }

  /** Fills {@code t} from N(0, 1). */
  public static void normal(Tensor t, Generator gen) {
    float[] d = t.data();
    try (TensorVersion.WriteSection w = TensorVersion.beginWrite(List.of(t))) {
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) gen.nextGaussian();
      }
    }
  }
}
