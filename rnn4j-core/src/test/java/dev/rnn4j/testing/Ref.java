package dev.rnn4j.testing;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/** Double-precision helpers for {@link GradCheck} references: broadcasting and random test inputs. */
public final class Ref {
  private Ref() {}

  /** Row-major strides of {@code shape}. */
  public static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  public static int numel(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** {@code x} of {@code shape} broadcast (copied out) to {@code out}. */
  public static double[] expand(double[] x, int[] shape, int[] out) {
    int n = numel(out);
    double[] r = new double[n];
    int[] os = strides(out);
    int[] is = strides(shape);
    int lead = out.length - shape.length;
    for (int k = 0; k < n; k++) {
      int off = 0;
      for (int d = 0; d < out.length; d++) {
        int c = (k / os[d]) % out[d];
        int di = d - lead;
        if (di >= 0 && shape[di] != 1) {
          off += c * is[di];
        }
      }
      r[k] = x[off];
    }
    return r;
  }

  /** A float tensor of uniform values in [lo, hi) that requires grad. */
  public static Tensor param(Generator g, double lo, double hi, int... shape) {
    return Tensor.uniform(g, (float) lo, (float) hi, shape).requiresGrad(true);
  }
}
