package dev.rnn4j.serve.engine;

import dev.rnn4j.tensor.kernel.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowKernels} on the Vector API at rnn4j's configured width ({@link Species#FLOAT}). Tiles of four x rows by
 * two weight rows keep eight independent accumulators (enough to hide the fused multiply-add latency) and load each
 * vector once per tile; leftover rows and weight rows go through the one-by-one path, which performs the same
 * operations per element (see the row-invariance contract on {@link RowKernels}). Loaded only when
 * {@code jdk.incubator.vector} is present.
 */
final class VectorRowKernels extends RowKernels {
  private static final VectorSpecies<Float> F = Species.FLOAT;
  private final float[] lanes = new float[F.length()];

  @Override
  String name() {
    return "vector-" + F.vectorBitSize();
  }

  /** The lanes of {@code v} added in lane order. */
  private float sumLanes(FloatVector v) {
    v.intoArray(lanes, 0);
    float s = 0f;
    for (float f : lanes) {
      s += f;
    }
    return s;
  }

  private static float tail(float s, float[] x, int xb, float[] w, int wj, int from, int k) {
    for (int i = from; i < k; i++) {
      s = Math.fma(x[xb + i], w[wj + i], s);
    }
    return s;
  }

  @Override
  void matvec(float[] w, float[] bias, int m, int k, float[] x, int xOff, int xStride, int n, float[] out, int outOff,
      int outStride) {
    int bound = F.loopBound(k);
    int step = F.length();
    int j = 0;
    for (; j + 2 <= m; j += 2) {
      int w0 = j * k;
      int w1 = w0 + k;
      float bias0 = bias == null ? 0f : bias[j];
      float bias1 = bias == null ? 0f : bias[j + 1];
      int b = 0;
      for (; b + 4 <= n; b += 4) {
        int x0 = xOff + b * xStride;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += step) {
          FloatVector v0 = FloatVector.fromArray(F, w, w0 + i);
          FloatVector v1 = FloatVector.fromArray(F, w, w1 + i);
          FloatVector u = FloatVector.fromArray(F, x, x0 + i);
          a00 = u.fma(v0, a00);
          a01 = u.fma(v1, a01);
          u = FloatVector.fromArray(F, x, x1 + i);
          a10 = u.fma(v0, a10);
          a11 = u.fma(v1, a11);
          u = FloatVector.fromArray(F, x, x2 + i);
          a20 = u.fma(v0, a20);
          a21 = u.fma(v1, a21);
          u = FloatVector.fromArray(F, x, x3 + i);
          a30 = u.fma(v0, a30);
          a31 = u.fma(v1, a31);
        }
        int o = outOff + b * outStride + j;
        out[o] = tail(sumLanes(a00), x, x0, w, w0, bound, k) + bias0;
        out[o + 1] = tail(sumLanes(a01), x, x0, w, w1, bound, k) + bias1;
        out[o + outStride] = tail(sumLanes(a10), x, x1, w, w0, bound, k) + bias0;
        out[o + outStride + 1] = tail(sumLanes(a11), x, x1, w, w1, bound, k) + bias1;
        out[o + 2 * outStride] = tail(sumLanes(a20), x, x2, w, w0, bound, k) + bias0;
        out[o + 2 * outStride + 1] = tail(sumLanes(a21), x, x2, w, w1, bound, k) + bias1;
        out[o + 3 * outStride] = tail(sumLanes(a30), x, x3, w, w0, bound, k) + bias0;
        out[o + 3 * outStride + 1] = tail(sumLanes(a31), x, x3, w, w1, bound, k) + bias1;
      }
      for (; b < n; b++) {
        int x0 = xOff + b * xStride;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += step) {
          FloatVector u = FloatVector.fromArray(F, x, x0 + i);
          a0 = u.fma(FloatVector.fromArray(F, w, w0 + i), a0);
          a1 = u.fma(FloatVector.fromArray(F, w, w1 + i), a1);
        }
        int o = outOff + b * outStride + j;
        out[o] = tail(sumLanes(a0), x, x0, w, w0, bound, k) + bias0;
        out[o + 1] = tail(sumLanes(a1), x, x0, w, w1, bound, k) + bias1;
      }
    }
    for (; j < m; j++) { // an odd last weight row
      int w0 = j * k;
      float bias0 = bias == null ? 0f : bias[j];
      for (int b = 0; b < n; b++) {
        int x0 = xOff + b * xStride;
        FloatVector a0 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += step) {
          a0 = FloatVector.fromArray(F, x, x0 + i).fma(FloatVector.fromArray(F, w, w0 + i), a0);
        }
        out[outOff + b * outStride + j] = tail(sumLanes(a0), x, x0, w, w0, bound, k) + bias0;
      }
    }
  }
}
