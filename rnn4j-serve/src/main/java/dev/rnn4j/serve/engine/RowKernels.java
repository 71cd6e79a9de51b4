package dev.rnn4j.serve.engine;

import dev.rnn4j.runtime.RuntimeSettings;

/**
 * The one product the decoding engine needs: many rows of {@code x} against one weight matrix, each weight element
 * read from memory once per call however many rows there are (that is what makes a shared decoding step cheap).
 *
 * <p>The weight is stored transposed, {@code wt (k, m)} (row {@code i} holds input {@code i}'s weight for every
 * output), so the product is a sum of scaled weight rows: {@code out[b][j] = bias[j] + sum_i x[b][i] wt[i][j]}, each
 * output element accumulated with fused multiply-adds in order of {@code i} from zero, then the bias added.
 *
 * <p><b>Row invariance</b> (the contract the engine's "same text whatever shares the batch" rests on): that sequence of
 * operations is the same for every element whatever {@code n} is and whichever other rows share the call, and no
 * horizontal reduction is involved, so a row's result is bitwise the same alone or among 63 others. The tiling (which
 * elements are computed together, in vector lanes or scalar code) never changes an element's operations; the scalar
 * twin computes the same bits.
 */
abstract class RowKernels {
  /**
   * {@code out[outOff + b * outStride + j] = sum_i x[xOff + b * xStride + i] * wt[i * m + j] (+ bias[j])} for
   * {@code b < n, j < m}, the sum in order of {@code i} (bias may be null).
   */
  abstract void matvec(float[] wt, float[] bias, int m, int k, float[] x, int xOff, int xStride, int n, float[] out,
      int outOff, int outStride);

  /** A short name for logs and {@code GET /v1/model}. */
  abstract String name();

  /** {@code w (m, k)} row-major as {@code wt (k, m)}. */
  static float[] transpose(float[] w, int m, int k) {
    float[] t = new float[m * k];
    for (int j = 0; j < m; j++) {
      for (int i = 0; i < k; i++) {
        t[i * m + j] = w[j * k + i];
      }
    }
    return t;
  }

  /** The kernels for this process: Vector API at rnn4j's configured width when loaded, else the scalar twin. */
  static RowKernels forProcess() {
    RuntimeSettings s = RuntimeSettings.current();
    if (s.effectiveVectorBits() != 0 && RuntimeSettings.vectorApiLoaded()) {
      try {
        return (RowKernels) Class.forName("dev.rnn4j.serve.engine.VectorRowKernels").getDeclaredConstructor()
            .newInstance();
      } catch (ReflectiveOperationException | LinkageError e) {
        return new ScalarRowKernels();
      }
    }
    return new ScalarRowKernels();
  }
}
