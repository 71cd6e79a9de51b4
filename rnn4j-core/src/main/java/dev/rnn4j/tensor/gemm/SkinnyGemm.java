package dev.rnn4j.tensor.gemm;

import dev.rnn4j.tensor.kernel.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha * A B^T + beta * C} for a few rows of A, on the Vector API: the recurrent step {@code h W_hh^T}
 * (m = active batch, B = the weight stored (n, k) row-major). BLAS sgemm first packs all of B, every call; at m = 10
 * that copy costs as much as the product. Here every output is a dot product of two contiguous rows, register-blocked
 * 4 rows of A by 4 rows of B (16 vector accumulators, each loaded B vector feeds 4 FMAs), so B streams through once
 * per block of 4 A rows and stays in L1 for the other A rows.
 *
 * <p>Every element is computed the same way (the same vector accumulation order, lane reduction and scalar tail)
 * whichever block it falls in, so the result does not depend on m, on how the rows or columns are split over threads,
 * or on the thread count. {@link Gemm#sgemmNaive} is the scalar twin the tests compare against.
 *
 * <p>Legend: {@code i} rows of A and C (m), {@code j} rows of B = columns of C (n), {@code p} the reduction (k).
 * This class is loaded only when {@code jdk.incubator.vector} is in the boot layer.
 */
final class SkinnyGemm {
  /** A compile-time constant, so C2 keeps every vector in a register (an instance field made it box). */
  private static final VectorSpecies<Float> F = Species.FLOAT;

  private SkinnyGemm() {}

  /** Columns {@code [j0, j1)} of C. */
  static void nt(int m, int j0, int j1, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
      int ldb, float beta, float[] c, int cOff, int ldc) {
    int j = j0;
    for (; j + 4 <= j1; j += 4) {
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        block4x4(i, j, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      }
      if (i + 2 <= m) {
        block2x4(i, j, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        i += 2;
      }
      for (; i < m; i++) {
        block1x4(i, j, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      }
    }
    for (; j < j1; j++) {
      for (int i = 0; i < m; i++) {
        float s = dot(a, aOff + i * lda, b, bOff + j * ldb, k);
        store(c, cOff + i * ldc + j, s, alpha, beta);
      }
    }
  }

  private static void store(float[] c, int at, float s, float alpha, float beta) {
    c[at] = beta == 0 ? alpha * s : alpha * s + beta * c[at];
  }

  /** One dot product, accumulated exactly as one lane of the blocked kernels. */
  private static float dot(float[] a, int ao, float[] b, int bo, int k) {
    int bound = F.loopBound(k);
    FloatVector acc = FloatVector.zero(F);
    int p = 0;
    for (; p < bound; p += F.length()) {
      acc = FloatVector.fromArray(F, a, ao + p).fma(FloatVector.fromArray(F, b, bo + p), acc);
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; p < k; p++) {
      s = Math.fma(a[ao + p], b[bo + p], s);
    }
    return s;
  }

  private static void block1x4(int i, int j, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
      int ldb, float beta, float[] c, int cOff, int ldc) {
    int ao = aOff + i * lda;
    int b0 = bOff + j * ldb;
    int b1 = b0 + ldb;
    int b2 = b1 + ldb;
    int b3 = b2 + ldb;
    FloatVector c0 = FloatVector.zero(F);
    FloatVector c1 = FloatVector.zero(F);
    FloatVector c2 = FloatVector.zero(F);
    FloatVector c3 = FloatVector.zero(F);
    int bound = F.loopBound(k);
    int p = 0;
    for (; p < bound; p += F.length()) {
      FloatVector av = FloatVector.fromArray(F, a, ao + p);
      c0 = av.fma(FloatVector.fromArray(F, b, b0 + p), c0);
      c1 = av.fma(FloatVector.fromArray(F, b, b1 + p), c1);
      c2 = av.fma(FloatVector.fromArray(F, b, b2 + p), c2);
      c3 = av.fma(FloatVector.fromArray(F, b, b3 + p), c3);
    }
    float s0 = c0.reduceLanes(VectorOperators.ADD);
    float s1 = c1.reduceLanes(VectorOperators.ADD);
    float s2 = c2.reduceLanes(VectorOperators.ADD);
    float s3 = c3.reduceLanes(VectorOperators.ADD);
    for (; p < k; p++) {
      float av = a[ao + p];
      s0 = Math.fma(av, b[b0 + p], s0);
      s1 = Math.fma(av, b[b1 + p], s1);
      s2 = Math.fma(av, b[b2 + p], s2);
      s3 = Math.fma(av, b[b3 + p], s3);
    }
    int co = cOff + i * ldc + j;
    store(c, co, s0, alpha, beta);
    store(c, co + 1, s1, alpha, beta);
    store(c, co + 2, s2, alpha, beta);
    store(c, co + 3, s3, alpha, beta);
  }

  private static void block2x4(int i, int j, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
      int ldb, float beta, float[] c, int cOff, int ldc) {
    int a0 = aOff + i * lda;
    int a1 = a0 + lda;
    int b0 = bOff + j * ldb;
    int b1 = b0 + ldb;
    int b2 = b1 + ldb;
    int b3 = b2 + ldb;
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = FloatVector.zero(F);
    FloatVector c02 = FloatVector.zero(F);
    FloatVector c03 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F);
    FloatVector c11 = FloatVector.zero(F);
    FloatVector c12 = FloatVector.zero(F);
    FloatVector c13 = FloatVector.zero(F);
    int bound = F.loopBound(k);
    int p = 0;
    for (; p < bound; p += F.length()) {
      FloatVector w0 = FloatVector.fromArray(F, b, b0 + p);
      FloatVector w1 = FloatVector.fromArray(F, b, b1 + p);
      FloatVector w2 = FloatVector.fromArray(F, b, b2 + p);
      FloatVector w3 = FloatVector.fromArray(F, b, b3 + p);
      FloatVector x = FloatVector.fromArray(F, a, a0 + p);
      c00 = x.fma(w0, c00);
      c01 = x.fma(w1, c01);
      c02 = x.fma(w2, c02);
      c03 = x.fma(w3, c03);
      x = FloatVector.fromArray(F, a, a1 + p);
      c10 = x.fma(w0, c10);
      c11 = x.fma(w1, c11);
      c12 = x.fma(w2, c12);
      c13 = x.fma(w3, c13);
    }
    finish(c00.reduceLanes(VectorOperators.ADD), a, a0, b, b0, p, k, c, cOff + i * ldc + j, alpha, beta);
    finish(c01.reduceLanes(VectorOperators.ADD), a, a0, b, b1, p, k, c, cOff + i * ldc + j + 1, alpha, beta);
    finish(c02.reduceLanes(VectorOperators.ADD), a, a0, b, b2, p, k, c, cOff + i * ldc + j + 2, alpha, beta);
    finish(c03.reduceLanes(VectorOperators.ADD), a, a0, b, b3, p, k, c, cOff + i * ldc + j + 3, alpha, beta);
    finish(c10.reduceLanes(VectorOperators.ADD), a, a1, b, b0, p, k, c, cOff + (i + 1) * ldc + j, alpha, beta);
    finish(c11.reduceLanes(VectorOperators.ADD), a, a1, b, b1, p, k, c, cOff + (i + 1) * ldc + j + 1, alpha, beta);
    finish(c12.reduceLanes(VectorOperators.ADD), a, a1, b, b2, p, k, c, cOff + (i + 1) * ldc + j + 2, alpha, beta);
    finish(c13.reduceLanes(VectorOperators.ADD), a, a1, b, b3, p, k, c, cOff + (i + 1) * ldc + j + 3, alpha, beta);
  }

  private static void block4x4(int i, int j, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
      int ldb, float beta, float[] c, int cOff, int ldc) {
    int a0 = aOff + i * lda;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int b0 = bOff + j * ldb;
    int b1 = b0 + ldb;
    int b2 = b1 + ldb;
    int b3 = b2 + ldb;
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = FloatVector.zero(F);
    FloatVector c02 = FloatVector.zero(F);
    FloatVector c03 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F);
    FloatVector c11 = FloatVector.zero(F);
    FloatVector c12 = FloatVector.zero(F);
    FloatVector c13 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F);
    FloatVector c21 = FloatVector.zero(F);
    FloatVector c22 = FloatVector.zero(F);
    FloatVector c23 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F);
    FloatVector c31 = FloatVector.zero(F);
    FloatVector c32 = FloatVector.zero(F);
    FloatVector c33 = FloatVector.zero(F);
    int bound = F.loopBound(k);
    int p = 0;
    for (; p < bound; p += F.length()) {
      FloatVector w0 = FloatVector.fromArray(F, b, b0 + p);
      FloatVector w1 = FloatVector.fromArray(F, b, b1 + p);
      FloatVector w2 = FloatVector.fromArray(F, b, b2 + p);
      FloatVector w3 = FloatVector.fromArray(F, b, b3 + p);
      FloatVector x = FloatVector.fromArray(F, a, a0 + p);
      c00 = x.fma(w0, c00);
      c01 = x.fma(w1, c01);
      c02 = x.fma(w2, c02);
      c03 = x.fma(w3, c03);
      x = FloatVector.fromArray(F, a, a1 + p);
      c10 = x.fma(w0, c10);
      c11 = x.fma(w1, c11);
      c12 = x.fma(w2, c12);
      c13 = x.fma(w3, c13);
      x = FloatVector.fromArray(F, a, a2 + p);
      c20 = x.fma(w0, c20);
      c21 = x.fma(w1, c21);
      c22 = x.fma(w2, c22);
      c23 = x.fma(w3, c23);
      x = FloatVector.fromArray(F, a, a3 + p);
      c30 = x.fma(w0, c30);
      c31 = x.fma(w1, c31);
      c32 = x.fma(w2, c32);
      c33 = x.fma(w3, c33);
    }
    // lane sums, then the scalar tail of each dot in the same order as dot()
    finish(c00.reduceLanes(VectorOperators.ADD), a, a0, b, b0, p, k, c, cOff + i * ldc + j, alpha, beta);
    finish(c01.reduceLanes(VectorOperators.ADD), a, a0, b, b1, p, k, c, cOff + i * ldc + j + 1, alpha, beta);
    finish(c02.reduceLanes(VectorOperators.ADD), a, a0, b, b2, p, k, c, cOff + i * ldc + j + 2, alpha, beta);
    finish(c03.reduceLanes(VectorOperators.ADD), a, a0, b, b3, p, k, c, cOff + i * ldc + j + 3, alpha, beta);
    finish(c10.reduceLanes(VectorOperators.ADD), a, a1, b, b0, p, k, c, cOff + (i + 1) * ldc + j, alpha, beta);
    finish(c11.reduceLanes(VectorOperators.ADD), a, a1, b, b1, p, k, c, cOff + (i + 1) * ldc + j + 1, alpha, beta);
    finish(c12.reduceLanes(VectorOperators.ADD), a, a1, b, b2, p, k, c, cOff + (i + 1) * ldc + j + 2, alpha, beta);
    finish(c13.reduceLanes(VectorOperators.ADD), a, a1, b, b3, p, k, c, cOff + (i + 1) * ldc + j + 3, alpha, beta);
    finish(c20.reduceLanes(VectorOperators.ADD), a, a2, b, b0, p, k, c, cOff + (i + 2) * ldc + j, alpha, beta);
    finish(c21.reduceLanes(VectorOperators.ADD), a, a2, b, b1, p, k, c, cOff + (i + 2) * ldc + j + 1, alpha, beta);
    finish(c22.reduceLanes(VectorOperators.ADD), a, a2, b, b2, p, k, c, cOff + (i + 2) * ldc + j + 2, alpha, beta);
    finish(c23.reduceLanes(VectorOperators.ADD), a, a2, b, b3, p, k, c, cOff + (i + 2) * ldc + j + 3, alpha, beta);
    finish(c30.reduceLanes(VectorOperators.ADD), a, a3, b, b0, p, k, c, cOff + (i + 3) * ldc + j, alpha, beta);
    finish(c31.reduceLanes(VectorOperators.ADD), a, a3, b, b1, p, k, c, cOff + (i + 3) * ldc + j + 1, alpha, beta);
    finish(c32.reduceLanes(VectorOperators.ADD), a, a3, b, b2, p, k, c, cOff + (i + 3) * ldc + j + 2, alpha, beta);
    finish(c33.reduceLanes(VectorOperators.ADD), a, a3, b, b3, p, k, c, cOff + (i + 3) * ldc + j + 3, alpha, beta);
  }

  /** Adds the scalar tail {@code [p, k)} of one dot product to its lane sum and stores it. */
  private static void finish(float s, float[] a, int ao, float[] b, int bo, int p, int k, float[] c, int at,
      float alpha, float beta) {
    for (; p < k; p++) {
      s = Math.fma(a[ao + p], b[bo + p], s);
    }
    store(c, at, s, alpha, beta);
  }
}
