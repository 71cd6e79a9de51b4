package dev.rnn4j.serve.engine;

/** The plain-loop twin of {@link VectorRowKernels}: the same fused multiply-adds per element, so the same bits. */
final class ScalarRowKernels extends RowKernels {
  @Override
  String name() {
    return "scalar";
  }

  @Override
  void matvec(float[] wt, float[] bias, int m, int k, float[] x, int xOff, int xStride, int n, float[] out, int outOff,
      int outStride) {
    for (int b = 0; b < n; b++) {
      int xb = xOff + b * xStride;
      int ob = outOff + b * outStride;
      for (int j = 0; j < m; j++) {
        out[ob + j] = 0f;
      }
      for (int i = 0; i < k; i++) {
        float xi = x[xb + i];
        int wi = i * m;
        for (int j = 0; j < m; j++) {
          out[ob + j] = Math.fma(xi, wt[wi + j], out[ob + j]);
        }
      }
      if (bias != null) {
        for (int j = 0; j < m; j++) {
          out[ob + j] += bias[j];
        }
      }
    }
  }
}
