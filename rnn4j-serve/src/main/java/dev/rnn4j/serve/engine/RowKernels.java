package dev.rnn4j.serve.engine;

import dev.rnn4j.runtime.RuntimeSettings;

/**
 * The one product the decoding engine needs: many rows of {@code x} against one weight matrix, each weight row read
 * from memory once per call however many rows there are (that is what makes a shared decoding step cheap).
 *
 * <p><b>Row invariance</b> (the contract the engine's "same text whatever shares the batch" rests on): every output
 * element {@code out[b][j]} is computed by the same sequence of float operations whatever {@code n} is and whichever
 * other rows are in the call, so a row's result is bitwise the same alone or among 63 others. Each element is one
 * dot product over {@code k}: a vector accumulator over whole vectors, its lanes added in lane order (not
 * {@code reduceLanes}, whose order the Vector API leaves unspecified and which may differ between the interpreter and
 * compiled code), then the scalar tail, then the bias. The tiling only decides which elements are computed together.
 * The scalar twin does the same element by element with the lane structure emulated, so both give identical bits.
 */
abstract class RowKernels {
  /**
   * {@code out[outOff + b * outStride + j] = bias[j] + sum_k x[xOff + b * xStride + k] * w[j * k + k]} for
   * {@code b < n, j < m} (bias may be null).
   */
  abstract void matvec(float[] w, float[] bias, int m, int k, float[] x, int xOff, int xStride, int n, float[] out,
      int outOff, int outStride);

  /** A short name for logs and {@code GET /v1/model}. */
  abstract String name();

  /** The kernels for this process: Vector API at rnn4j's configured width when loaded, else the scalar twin. */
  static RowKernels forProcess() {
    RuntimeSettings s = RuntimeSettings.current();
    if (s.effectiveVectorBits() != 0 && RuntimeSettings.vectorApiLoaded()) {
      try {
        return (RowKernels) Class.forName("dev.rnn4j.serve.engine.VectorRowKernels").getDeclaredConstructor()
            .newInstance();
      } catch (ReflectiveOperationException | LinkageError e) {
        return new ScalarRowKernels(8);
      }
    }
    return new ScalarRowKernels(8);
  }
}
