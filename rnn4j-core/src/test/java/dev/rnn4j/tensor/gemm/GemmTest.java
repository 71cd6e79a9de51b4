package dev.rnn4j.tensor.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemm#sgemm} (native OpenBLAS or netlib's Java BLAS, whichever this JVM chose) against its scalar twin
 * {@link Gemm#sgemmNaive} on awkward shapes: 1x1x1, empty dims, odd sizes, every transpose combination, offsets and
 * padded leading dimensions, alpha/beta variants. Elements of C outside the product must stay untouched.
 */
class GemmTest {
  private final Generator g = new Generator(99);

  private float[] random(int n) {
    return RandomArrays.uniform(g, n);
  }

  private void check(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int pad, int off) {
    int rowsA = ta ? k : m;
    int colsA = ta ? m : k;
    int rowsB = tb ? n : k;
    int colsB = tb ? k : n;
    int lda = colsA + pad;
    int ldb = colsB + pad;
    int ldc = n + pad;
    float[] a = random(off + rowsA * lda + 3);
    float[] b = random(off + 1 + rowsB * ldb + 3);
    float[] c1 = random(off + 2 + m * ldc + 3);
    if (beta == 0 && m > 0 && n > 0) { // with beta == 0, a NaN already in C must not leak (BLAS semantics)
      c1[off + 2] = Float.NaN;
    }
    float[] c2 = c1.clone();
    Gemm.sgemm(ta, tb, m, n, k, alpha, a, off, lda, b, off + 1, ldb, beta, c1, off + 2, ldc);
    Gemm.sgemmNaive(ta, tb, m, n, k, alpha, a, off, lda, b, off + 1, ldb, beta, c2, off + 2, ldc);
    String what = String.format("ta=%b tb=%b m=%d n=%d k=%d alpha=%s beta=%s pad=%d off=%d",
        ta, tb, m, n, k, alpha, beta, pad, off);
    for (int i = 0; i < c1.length; i++) {
      assertEquals(c2[i], c1[i], 1e-5f * (1 + k), what + " at " + i);
    }
  }

  @Test
  void awkwardShapesAgreeWithTheNaiveTwin() {
    int[][] shapes = {{1, 1, 1}, {0, 3, 2}, {3, 0, 2}, {3, 2, 0}, {1, 7, 1}, {7, 1, 5}, {5, 3, 7}, {17, 13, 9},
        {33, 65, 31}, {64, 10, 128}};
    for (int[] s : shapes) {
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          check(ta, tb, s[0], s[1], s[2], 1f, 0f, 0, 0);
          check(ta, tb, s[0], s[1], s[2], 1f, 1f, 2, 3);
          check(ta, tb, s[0], s[1], s[2], -0.5f, 0.25f, 1, 1);
        }
      }
    }
  }

  @Test
  void largeEnoughToTakeTheParallelPath() {
    check(false, true, 130, 257, 129, 1f, 0f, 0, 0);
    check(true, false, 129, 100, 200, 1f, 1f, 3, 5);
  }

  @Test
  void emptyReductionScalesC() {
    float[] c = {1, 2, 3, 4};
    Gemm.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 0, new float[0], 0, 2, 0.5f, c, 0, 2);
    assertEquals(0.5f, c[0]);
    assertEquals(2f, c[3]);
    Gemm.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 0, new float[0], 0, 2, 0f, c, 0, 2);
    assertEquals(0f, c[3]);
  }

  @Test
  void badShapesFailWithTheNumbers() {
    float[] a = new float[6];
    float[] b = new float[6];
    float[] c = new float[4];
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Gemm.sgemm(false, false, 2, 2, 4, 1f, a, 0, 4, b, 0, 2, 0f, c, 0, 2));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("A (2 x 4") && e.getMessage().contains("6"),
        e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Gemm.sgemm(false, true, 2, 2, 3, 1f, a, 0, 2, b, 0, 3, 0f, c, 0, 2));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("leading dimension"), e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Gemm.sgemm(false, false, -1, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2));
    PreparedB p = Gemm.prepareB(false, 3, 2, b, 0, 2, new int[] {2, 2, 2});
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Gemm.sgemm(false, 2, 1f, a, 0, 3, p, 0f, c, 1, 2)); // C from offset 1 needs 5 floats
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Gemm.prepareB(false, 4, 2, b, 0, 2, new int[] {2})); // B 4 x 2 needs 8 floats
  }
}
