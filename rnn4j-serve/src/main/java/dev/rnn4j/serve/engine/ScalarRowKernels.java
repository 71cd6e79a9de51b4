package dev.rnn4j.serve.engine;

/**
 * The plain-loop twin of {@link VectorRowKernels}: the same fused multiply-adds per element, so the same bits, over
 * any block layout.
 */
final class ScalarRowKernels extends RowKernels {
  /** Columns per block: a block's rows are short enough to stay in cache while the rows of x pass over them. */
  static final int BLOCK = 32;

  @Override
  String name() {
    return "scalar";
  }

  @Override
  Packed pack(float[] wt, int m, int k) {
    int[] start = blocksOf(m, BLOCK);
    int[] stride = new int[start.length - 1];
    for (int b = 0; b < stride.length; b++) {
      stride[b] = start[b + 1] - start[b];
    }
    return new Packed(wt, m, k, start, stride);
  }

  @Override
  void matvec(Packed p, float[] bias, float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride,
      int blockFrom, int blockTo) {
    int k = p.k;
    float[] wt = p.data;
    for (int blk = blockFrom; blk < blockTo; blk++) {
      int c = p.start[blk];
      int w = p.start[blk + 1] - c;
      int ws = p.stride[blk];
      int base = p.offset[blk];
      for (int b = 0; b < n; b++) {
        int xb = xOff + b * xStride;
        int ob = outOff + b * outStride + c;
        for (int j = 0; j < w; j++) {
          out[ob + j] = 0f;
        }
        for (int i = 0; i < k; i++) {
          float xi = x[xb + i];
          int wi = base + i * ws;
          for (int j = 0; j < w; j++) {
            out[ob + j] = Math.fma(xi, wt[wi + j], out[ob + j]);
          }
        }
        if (bias != null) {
          for (int j = 0; j < w; j++) {
            out[ob + j] += bias[c + j];
          }
        }
      }
    }
  }
}
