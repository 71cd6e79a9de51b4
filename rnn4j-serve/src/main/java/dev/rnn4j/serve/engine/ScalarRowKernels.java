package dev.rnn4j.serve.engine;

/**
 * The plain-loop twin of {@link VectorRowKernels}: the same lane-structured dot product (lane {@code l} accumulates
 * {@code k = l, l + L, ...} with fused multiply-adds, lanes summed in order, then the tail) for a lane count
 * {@code L}, so with the same {@code L} both give identical bits.
 */
final class ScalarRowKernels extends RowKernels {
  private final int lanes;
  private final float[] acc;

  ScalarRowKernels(int lanes) {
    this.lanes = lanes;
    this.acc = new float[lanes];
  }

  @Override
  String name() {
    return "scalar (" + lanes + " lanes emulated)";
  }

  @Override
  void matvec(float[] w, float[] bias, int m, int k, float[] x, int xOff, int xStride, int n, float[] out, int outOff,
      int outStride) {
    int bound = k - k % lanes;
    for (int b = 0; b < n; b++) {
      int xb = xOff + b * xStride;
      for (int j = 0; j < m; j++) {
        int wj = j * k;
        java.util.Arrays.fill(acc, 0f);
        for (int i = 0; i < bound; i += lanes) {
          for (int l = 0; l < lanes; l++) {
            acc[l] = Math.fma(x[xb + i + l], w[wj + i + l], acc[l]);
          }
        }
        float s = 0f;
        for (int l = 0; l < lanes; l++) {
          s += acc[l];
        }
        for (int i = bound; i < k; i++) {
          s = Math.fma(x[xb + i], w[wj + i], s);
        }
        out[outOff + b * outStride + j] = s + (bias == null ? 0f : bias[j]);
      }
    }
  }
}
