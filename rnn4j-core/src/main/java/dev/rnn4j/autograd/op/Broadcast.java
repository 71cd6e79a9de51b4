package dev.rnn4j.autograd.op;

import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * PyTorch's broadcasting rules: shapes are aligned at their last dims; each pair of sizes must be equal or one of
 * them 1. {@link #indexMap} turns a broadcast into a gather index per output element; {@link #sumTo} is the
 * backward of a broadcast (it sums the gradient over the broadcast dims).
 */
final class Broadcast {
  private Broadcast() {}

  /** The broadcast result shape, or PyTorch's error naming the first dim that cannot match. */
  static Shape shape(Shape a, Shape b) {
    int r = Math.max(a.rank(), b.rank());
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int da = i - (r - a.rank());
      int db = i - (r - b.rank());
      int sa = da >= 0 ? a.size(da) : 1;
      int sb = db >= 0 ? b.size(db) : 1;
      if (sa != sb && sa != 1 && sb != 1) {
        throw new IllegalArgumentException(
            "The size of tensor a (" + sa + ") must match the size of tensor b (" + sb
                + ") at non-singleton dimension " + i + " (shapes " + a + " and " + b + ")");
      }
      out[i] = sa == 1 ? sb : sa;
    }
    return new Shape(out);
  }

  /**
   * For each element of {@code out} (row-major), the offset of the element of a tensor of shape {@code in} that
   * broadcasts onto it. {@code in} must broadcast to {@code out}.
   */
  static int[] indexMap(Shape in, Shape out) {
    int r = out.rank();
    int[] stride = new int[r]; // in's stride for each out dim; 0 where in is broadcast
    int[] inStrides = in.strides();
    for (int i = 0; i < r; i++) {
      int di = i - (r - in.rank());
      stride[i] = (di >= 0 && in.size(di) != 1) ? inStrides[di] : 0;
    }
    int n = out.numel();
    int[] map = new int[n];
    if (n == 0) {
      return map;
    }
    int[] counter = new int[r];
    int off = 0;
    for (int k = 0; k < n; k++) {
      map[k] = off;
      for (int d = r - 1; d >= 0; d--) { // odometer increment
        counter[d]++;
        off += stride[d];
        if (counter[d] < out.size(d)) {
          break;
        }
        off -= stride[d] * counter[d];
        counter[d] = 0;
      }
    }
    return map;
  }

  /** Sums {@code g} (shape {@code out}) down to {@code target}, the shape that was broadcast up to {@code out}. */
  static Tensor sumTo(Tensor g, Shape target) {
    if (g.shape().equals(target)) {
      return g;
    }
    float[] src = g.data();
    float[] dst = new float[target.numel()];
    int[] map = indexMap(target, g.shape());
    for (int k = 0; k < src.length; k++) {
      dst[map[k]] += src[k];
    }
    return Tensor.wrap(dst, target);
  }
}
