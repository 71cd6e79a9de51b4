package dev.rnn4j.serve.engine;

import dev.rnn4j.tensor.kernel.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowKernels} on the Vector API at rnn4j's configured width ({@link Species#FLOAT}): register tiles of eight or
 * four x rows by two weight vectors (sixteen or eight accumulators, each weight vector loaded once per tile and
 * input), then one-row and one-vector leftovers, then scalar code for the last {@code m mod L} columns. Every element
 * gets the same fused multiply-adds in the same order in all of these paths (see {@link RowKernels}). Loaded only
 * when {@code jdk.incubator.vector} is present.
 */
final class VectorRowKernels extends RowKernels {
  private static final VectorSpecies<Float> F = Species.FLOAT;

  @Override
  String name() {
    return "vector-" + F.vectorBitSize();
  }

  @Override
  void matvec(float[] wt, float[] bias, int m, int k, float[] x, int xOff, int xStride, int n, float[] out, int outOff,
      int outStride) {
    int l = F.length();
    int mv = F.loopBound(m);
    int j = 0;
    for (; j + 2 * l <= mv; j += 2 * l) {
      int b = 0;
      for (; b + 8 <= n; b += 8) {
        tile8x2(wt, m, k, x, xOff + b * xStride, xStride, j, out, outOff + b * outStride, outStride, bias);
      }
      for (; b + 4 <= n; b += 4) {
        tile4x2(wt, m, k, x, xOff + b * xStride, xStride, j, out, outOff + b * outStride, outStride, bias);
      }
      for (; b < n; b++) {
        tile1x2(wt, m, k, x, xOff + b * xStride, j, out, outOff + b * outStride, bias);
      }
    }
    for (; j < mv; j += l) {
      for (int b = 0; b < n; b++) {
        int xb = xOff + b * xStride;
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < k; i++) {
          a = FloatVector.broadcast(F, x[xb + i]).fma(FloatVector.fromArray(F, wt, i * m + j), a);
        }
        store(a, bias, j, out, outOff + b * outStride);
      }
    }
    for (; j < m; j++) { // the last m mod L columns: the same operations, one element at a time
      for (int b = 0; b < n; b++) {
        int xb = xOff + b * xStride;
        float s = 0f;
        for (int i = 0; i < k; i++) {
          s = Math.fma(x[xb + i], wt[i * m + j], s);
        }
        out[outOff + b * outStride + j] = bias == null ? s : s + bias[j];
      }
    }
  }

  private static void store(FloatVector a, float[] bias, int j, float[] out, int o) {
    if (bias != null) {
      a = a.add(FloatVector.fromArray(F, bias, j));
    }
    a.intoArray(out, o + j);
  }

  private static void tile4x2(float[] wt, int m, int k, float[] x, int x0, int xs, int j, float[] out, int o0, int os,
      float[] bias) {
    int l = F.length();
    FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
    FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
    FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
    FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
    int x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
    for (int i = 0; i < k; i++) {
      int w = i * m + j;
      FloatVector w0 = FloatVector.fromArray(F, wt, w);
      FloatVector w1 = FloatVector.fromArray(F, wt, w + l);
      FloatVector u = FloatVector.broadcast(F, x[x0 + i]);
      a00 = u.fma(w0, a00);
      a01 = u.fma(w1, a01);
      u = FloatVector.broadcast(F, x[x1 + i]);
      a10 = u.fma(w0, a10);
      a11 = u.fma(w1, a11);
      u = FloatVector.broadcast(F, x[x2 + i]);
      a20 = u.fma(w0, a20);
      a21 = u.fma(w1, a21);
      u = FloatVector.broadcast(F, x[x3 + i]);
      a30 = u.fma(w0, a30);
      a31 = u.fma(w1, a31);
    }
    store(a00, bias, j, out, o0);
    store(a01, bias, j + l, out, o0);
    store(a10, bias, j, out, o0 + os);
    store(a11, bias, j + l, out, o0 + os);
    store(a20, bias, j, out, o0 + 2 * os);
    store(a21, bias, j + l, out, o0 + 2 * os);
    store(a30, bias, j, out, o0 + 3 * os);
    store(a31, bias, j + l, out, o0 + 3 * os);
  }

  /** Eight rows by two weight vectors: sixteen accumulators, each weight vector loaded once for eight rows. */
  private static void tile8x2(float[] wt, int m, int k, float[] x, int x0, int xs, int j, float[] out, int o0, int os,
      float[] bias) {
    int l = F.length();
    FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
    FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
    FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
    FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
    FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F);
    FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F);
    FloatVector a60 = FloatVector.zero(F), a61 = FloatVector.zero(F);
    FloatVector a70 = FloatVector.zero(F), a71 = FloatVector.zero(F);
    int x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs, x4 = x3 + xs, x5 = x4 + xs, x6 = x5 + xs, x7 = x6 + xs;
    for (int i = 0; i < k; i++) {
      int w = i * m + j;
      FloatVector w0 = FloatVector.fromArray(F, wt, w);
      FloatVector w1 = FloatVector.fromArray(F, wt, w + l);
      FloatVector u = FloatVector.broadcast(F, x[x0 + i]);
      a00 = u.fma(w0, a00);
      a01 = u.fma(w1, a01);
      u = FloatVector.broadcast(F, x[x1 + i]);
      a10 = u.fma(w0, a10);
      a11 = u.fma(w1, a11);
      u = FloatVector.broadcast(F, x[x2 + i]);
      a20 = u.fma(w0, a20);
      a21 = u.fma(w1, a21);
      u = FloatVector.broadcast(F, x[x3 + i]);
      a30 = u.fma(w0, a30);
      a31 = u.fma(w1, a31);
      u = FloatVector.broadcast(F, x[x4 + i]);
      a40 = u.fma(w0, a40);
      a41 = u.fma(w1, a41);
      u = FloatVector.broadcast(F, x[x5 + i]);
      a50 = u.fma(w0, a50);
      a51 = u.fma(w1, a51);
      u = FloatVector.broadcast(F, x[x6 + i]);
      a60 = u.fma(w0, a60);
      a61 = u.fma(w1, a61);
      u = FloatVector.broadcast(F, x[x7 + i]);
      a70 = u.fma(w0, a70);
      a71 = u.fma(w1, a71);
    }
    store(a00, bias, j, out, o0);
    store(a01, bias, j + l, out, o0);
    store(a10, bias, j, out, o0 + os);
    store(a11, bias, j + l, out, o0 + os);
    store(a20, bias, j, out, o0 + 2 * os);
    store(a21, bias, j + l, out, o0 + 2 * os);
    store(a30, bias, j, out, o0 + 3 * os);
    store(a31, bias, j + l, out, o0 + 3 * os);
    store(a40, bias, j, out, o0 + 4 * os);
    store(a41, bias, j + l, out, o0 + 4 * os);
    store(a50, bias, j, out, o0 + 5 * os);
    store(a51, bias, j + l, out, o0 + 5 * os);
    store(a60, bias, j, out, o0 + 6 * os);
    store(a61, bias, j + l, out, o0 + 6 * os);
    store(a70, bias, j, out, o0 + 7 * os);
    store(a71, bias, j + l, out, o0 + 7 * os);
  }

  private static void tile1x2(float[] wt, int m, int k, float[] x, int x0, int j, float[] out, int o0, float[] bias) {
    int l = F.length();
    FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
    for (int i = 0; i < k; i++) {
      int w = i * m + j;
      FloatVector u = FloatVector.broadcast(F, x[x0 + i]);
      a0 = u.fma(FloatVector.fromArray(F, wt, w), a0);
      a1 = u.fma(FloatVector.fromArray(F, wt, w + l), a1);
    }
    store(a0, bias, j, out, o0);
    store(a1, bias, j + l, out, o0);
  }
}
