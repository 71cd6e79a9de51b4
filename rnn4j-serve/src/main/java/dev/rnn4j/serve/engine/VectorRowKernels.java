package dev.rnn4j.serve.engine;

import dev.rnn4j.tensor.kernel.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowKernels} on the Vector API at rnn4j's configured width ({@link Species#FLOAT}), over weights packed in
 * blocks of two vectors' worth of columns, then blocks of one vector (the last padded with zero columns to a whole
 * vector), each block a contiguous {@code (k, stride)} array read in order. Register tiles: four x rows by the
 * block's two weight vectors (each weight vector loaded once per tile and input); a leftover row takes four blocks
 * at once, so eight independent accumulators hide the fused multiply-add's latency; narrow blocks go four rows at a
 * time, their padding lanes computed and not stored. Every element gets the same fused multiply-adds in the same order in all of these paths (see
 * {@link RowKernels}). Loaded only when {@code jdk.incubator.vector} is present.
 */
final class VectorRowKernels extends RowKernels {
  private static final VectorSpecies<Float> F = Species.FLOAT;

  @Override
  String name() {
    return "vector-" + F.vectorBitSize();
  }

  @Override
  Packed pack(float[] wt, int m, int k) {
    int l = F.length();
    int full = m / (2 * l);
    int rest = m - full * 2 * l;
    int narrow = (rest + l - 1) / l; // blocks of at most one vector: the last one padded to a whole vector
    int[] s = new int[full + narrow + 1];
    int[] stride = new int[full + narrow];
    for (int b = 0; b <= full; b++) {
      s[b] = b * 2 * l;
      if (b < full) {
        stride[b] = 2 * l;
      }
    }
    for (int b = 0; b < narrow; b++) {
      s[full + b + 1] = Math.min(m, full * 2 * l + (b + 1) * l);
      stride[full + b] = l;
    }
    return new Packed(wt, m, k, s, stride);
  }

  @Override
  void matvec(Packed p, float[] bias, float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride,
      int blockFrom, int blockTo) {
    int l = F.length();
    int k = p.k;
    float[] wt = p.data;
    int blk = blockFrom;
    while (blk < blockTo) {
      int j = p.start[blk];
      int w = p.start[blk + 1] - j;
      if (w == 2 * l) {
        int group = 1; // consecutive full blocks, up to four, for the leftover rows
        while (group < 4 && blk + group < blockTo && p.start[blk + group + 1] - p.start[blk + group] == 2 * l) {
          group++;
        }
        int tiled = n & ~3;
        for (int g = 0; g < group; g++) {
          int jg = p.start[blk + g];
          int base = p.offset[blk + g];
          // Four rows at a time: an eight-row tile (sixteen accumulators) made the engine's step at 16 rows 1.7x
          // slower (BENCHMARKS.md, `rnn4j serve` run 5).
          for (int b = 0; b < tiled; b += 4) {
            tile4x2(wt, base, k, x, xOff + b * xStride, xStride, jg, out, outOff + b * outStride, outStride, bias);
          }
        }
        for (int b = tiled; b < n; b++) {
          if (group == 4) { // four full blocks lie one after another in the data
            tile1x8(wt, p.offset[blk], k, x, xOff + b * xStride, j, out, outOff + b * outStride, bias);
          } else {
            for (int g = 0; g < group; g++) {
              int jg = p.start[blk + g];
              tile1x2(wt, p.offset[blk + g], k, x, xOff + b * xStride, jg, out, outOff + b * outStride, bias);
            }
          }
        }
        blk += group;
      } else { // one vector wide (the padding lanes are computed and not stored)
        VectorMask<Float> mask = F.indexInRange(0, w);
        int base = p.offset[blk];
        int b = 0;
        for (; b + 4 <= n; b += 4) {
          tile4x1(wt, base, k, x, xOff + b * xStride, xStride, j, out, outOff + b * outStride, outStride, bias, mask);
        }
        for (; b < n; b++) {
          int xb = xOff + b * xStride;
          FloatVector a = FloatVector.zero(F);
          for (int i = 0, wi = base; i < k; i++, wi += l) {
            a = FloatVector.broadcast(F, x[xb + i]).fma(FloatVector.fromArray(F, wt, wi), a);
          }
          store(a, bias, j, out, outOff + b * outStride, mask);
        }
        blk++;
      }
    }
  }

  /** The lanes of {@code mask} of {@code a} (plus the bias) into {@code out} at {@code o + j}. */
  private static void store(FloatVector a, float[] bias, int j, float[] out, int o, VectorMask<Float> mask) {
    if (bias != null) {
      a = a.add(FloatVector.fromArray(F, bias, j, mask));
    }
    a.intoArray(out, o + j, mask);
  }

  /** Four rows by one (padded) vector of a narrow block: four independent accumulators. */
  private static void tile4x1(float[] wt, int base, int k, float[] x, int x0, int xs, int j, float[] out, int o0, int os,
      float[] bias, VectorMask<Float> mask) {
    int l = F.length();
    FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
    for (int i = 0, w = base; i < k; i++, w += l) {
      FloatVector w0 = FloatVector.fromArray(F, wt, w);
      a0 = FloatVector.broadcast(F, x[x0 + i]).fma(w0, a0);
      a1 = FloatVector.broadcast(F, x[x1 + i]).fma(w0, a1);
      a2 = FloatVector.broadcast(F, x[x2 + i]).fma(w0, a2);
      a3 = FloatVector.broadcast(F, x[x3 + i]).fma(w0, a3);
    }
    store(a0, bias, j, out, o0, mask);
    store(a1, bias, j, out, o0 + os, mask);
    store(a2, bias, j, out, o0 + 2 * os, mask);
    store(a3, bias, j, out, o0 + 3 * os, mask);
  }

  private static void store(FloatVector a, float[] bias, int j, float[] out, int o) {
    if (bias != null) {
      a = a.add(FloatVector.fromArray(F, bias, j));
    }
    a.intoArray(out, o + j);
  }

  /** Four rows by one block's two weight vectors: eight accumulators. */
  private static void tile4x2(float[] wt, int base, int k, float[] x, int x0, int xs, int j, float[] out, int o0,
      int os, float[] bias) {
    int l = F.length();
    int s = 2 * l;
    FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
    FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
    FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
    FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
    int x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
    for (int i = 0, w = base; i < k; i++, w += s) {
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

  /** One row by one block's two weight vectors. */
  private static void tile1x2(float[] wt, int base, int k, float[] x, int x0, int j, float[] out, int o0, float[] bias) {
    int l = F.length();
    int s = 2 * l;
    FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
    for (int i = 0, w = base; i < k; i++, w += s) {
      FloatVector u = FloatVector.broadcast(F, x[x0 + i]);
      a0 = u.fma(FloatVector.fromArray(F, wt, w), a0);
      a1 = u.fma(FloatVector.fromArray(F, wt, w + l), a1);
    }
    store(a0, bias, j, out, o0);
    store(a1, bias, j + l, out, o0);
  }

  /**
   * One row by four consecutive full blocks (columns {@code [j, j + 8L)}, stored one block after another): eight
   * independent accumulators.
   */
  private static void tile1x8(float[] wt, int base, int k, float[] x, int x0, int j, float[] out, int o0,
      float[] bias) {
    int l = F.length();
    int s = 2 * l;
    int bs = s * k; // one block's floats
    FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F), a4 = FloatVector.zero(F), a5 = FloatVector.zero(F);
    FloatVector a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
    for (int i = 0, w = base; i < k; i++, w += s) {
      FloatVector u = FloatVector.broadcast(F, x[x0 + i]);
      a0 = u.fma(FloatVector.fromArray(F, wt, w), a0);
      a1 = u.fma(FloatVector.fromArray(F, wt, w + l), a1);
      a2 = u.fma(FloatVector.fromArray(F, wt, w + bs), a2);
      a3 = u.fma(FloatVector.fromArray(F, wt, w + bs + l), a3);
      a4 = u.fma(FloatVector.fromArray(F, wt, w + 2 * bs), a4);
      a5 = u.fma(FloatVector.fromArray(F, wt, w + 2 * bs + l), a5);
      a6 = u.fma(FloatVector.fromArray(F, wt, w + 3 * bs), a6);
      a7 = u.fma(FloatVector.fromArray(F, wt, w + 3 * bs + l), a7);
    }
    store(a0, bias, j, out, o0);
    store(a1, bias, j + l, out, o0);
    store(a2, bias, j + s, out, o0);
    store(a3, bias, j + s + l, out, o0);
    store(a4, bias, j + 2 * s, out, o0);
    store(a5, bias, j + 2 * s + l, out, o0);
    store(a6, bias, j + 3 * s, out, o0);
    store(a7, bias, j + 3 * s + l, out, o0);
  }
}
