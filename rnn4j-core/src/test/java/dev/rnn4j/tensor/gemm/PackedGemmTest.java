package dev.rnn4j.tensor.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link PackedGemm} (the pure-Java GEMM behind {@link Gemm#sgemm} when there is no native BLAS) against two twins:
 * the naive double-precision product, to a tolerance; and a scalar loop that sums in PackedGemm's documented order
 * (one FMA chain per reduction block, blocks added in turn), bit for bit. Shapes straddle the register tile (MR rows,
 * NR columns), the reduction block KC and the row block MC, with every transpose combination, offsets, padded leading
 * dimensions and alpha/beta; and a sub-range of rows or columns gives the same bits as the whole product, which is
 * what makes {@link Gemm}'s thread split safe.
 */
class PackedGemmTest {
  @org.junit.jupiter.api.BeforeAll
  static void needsTheVectorApi() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Gemm.canPrepack(),
        "the Vector API kernels do not run in this leg (module not loaded, or width 0)");
  }

  private final Generator g = new Generator(11);

  private float[] random(int n) {
    return RandomArrays.uniform(g, n);
  }

  /** PackedGemm's summation order, written as plain scalar code. */
  private static void orderTwin(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        int at = cOff + i * ldc + j;
        for (int pc = 0; pc < k; pc += PackedGemm.KC) {
          float s = 0f;
          for (int p = pc; p < Math.min(k, pc + PackedGemm.KC); p++) {
            float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
            s = Math.fma(av, bv, s);
          }
          float blockBeta = pc == 0 ? beta : 1f;
          float scaled = alpha * s;
          c[at] = blockBeta == 0 ? scaled : scaled + blockBeta * c[at];
        }
      }
    }
  }

  @Test
  void agreesWithBothTwins() {
    int nr = PackedGemm.NR;
    int kc = PackedGemm.KC;
    int[] ms = {1, 2, PackedGemm.MR - 1, PackedGemm.MR, PackedGemm.MR + 1, 13, PackedGemm.MC + 5};
    int[] ns = {1, 7, nr - 1, nr, nr + 1, 2 * nr + 3};
    int[] ks = {1, 5, 33, kc, kc + 1, 2 * kc + 7};
    float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {-0.5f, 0.25f}};
    int cases = 0;
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (int m : ms) {
          for (int n : ns) {
            for (int k : ks) {
              float[] ab = alphaBeta[cases++ % alphaBeta.length];
              int pad = (m + n) % 3;
              int off = k % 4;
              int lda = (ta ? m : k) + pad;
              int ldb = (tb ? k : n) + 2 * pad;
              int ldc = n + pad;
              float[] a = random(off + (ta ? k : m) * lda + 2);
              float[] b = random(off + 1 + (tb ? n : k) * ldb + 2);
              float[] c = random(off + 2 + m * ldc + 2);
              if (ab[1] == 0) {
                c[off + 2] = Float.NaN; // beta == 0: what C held must not leak
              }
              float[] naive = c.clone();
              float[] twin = c.clone();
              String what = "ta=" + ta + " tb=" + tb + " m=" + m + " n=" + n + " k=" + k + " alpha/beta=" + ab[0]
                  + "/" + ab[1];
              PackedGemm.sgemm(ta, tb, m, n, k, ab[0], a, off, lda, b, off + 1, ldb, ab[1], c, off + 2, ldc);
              orderTwin(ta, tb, m, n, k, ab[0], a, off, lda, b, off + 1, ldb, ab[1], twin, off + 2, ldc);
              assertArrayEquals(twin, c, what + ": not PackedGemm's documented summation order");
              Gemm.sgemmNaive(ta, tb, m, n, k, ab[0], a, off, lda, b, off + 1, ldb, ab[1], naive, off + 2, ldc);
              for (int i = 0; i < c.length; i++) {
                assertEquals(naive[i], c[i], 1e-6f * (1 + k), what + " at " + i);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void aSubRangeOfRowsOrColumnsGivesTheSameBits() {
    int m = PackedGemm.MC + 17;
    int n = 3 * PackedGemm.NR + 5;
    int k = PackedGemm.KC + 61;
    float[] a = random(m * k);
    float[] b = random(n * k);
    float[] whole = new float[m * n];
    PackedGemm.sgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, whole, 0, n);
    float[] split = new float[m * n];
    int[] cuts = {0, 16, PackedGemm.NR + 16, n};
    for (int s = 0; s + 1 < cuts.length; s++) { // column blocks, as Gemm cuts a wide product
      int j0 = cuts[s];
      PackedGemm.sgemm(false, true, m, cuts[s + 1] - j0, k, 1f, a, 0, k, b, j0 * k, k, 0f, split, j0, n);
    }
    assertArrayEquals(whole, split, "split over column ranges");
    float[] rows = new float[m * n];
    int[] rowCuts = {0, 5, 48, m};
    for (int s = 0; s + 1 < rowCuts.length; s++) { // row blocks, as Gemm cuts a tall product
      int i0 = rowCuts[s];
      PackedGemm.sgemm(false, true, rowCuts[s + 1] - i0, n, k, 1f, a, i0 * k, k, b, 0, k, 0f, rows, i0 * n, n);
    }
    assertArrayEquals(whole, rows, "split over row ranges");
  }

  @Test
  void aFewRowsReadInPlaceGiveTheBitsOfAPackedA() {
    // A narrow column range of a few-row product reads A in place (DIRECT_A_MAX_COLUMNS); a wide one packs A. Cut a
    // wide product into narrow blocks: every element must come out the same, for full and partial row tiles and a
    // reduction over more than one block.
    int n = PackedGemm.DIRECT_A_MAX_COLUMNS + 2 * PackedGemm.NR + 3;
    int k = 2 * PackedGemm.KC + 13;
    // Row counts cover tiles of 6 and of 5 rows, whole and partial (7: 5 + 2; 10: 5 + 5; 11: 6 + 5; 17: 6 + 6 + 5).
    for (int m : new int[] {2, 4, 5, PackedGemm.MR, PackedGemm.MR + 1, 10, 11, 17, 32, PackedGemm.MC}) {
      for (boolean tb : new boolean[] {false, true}) {
        int lda = k + 3; // rows of A apart by more than k
        float[] a = random(m * lda);
        float[] b = random(n * k);
        int ldb = tb ? k : n;
        float[] whole = random(m * n);
        float[] split = whole.clone();
        PackedGemm.sgemm(false, tb, m, n, k, 0.75f, a, 0, lda, b, 0, ldb, 0.5f, whole, 0, n);
        for (int j0 = 0; j0 < n; j0 += PackedGemm.NR * 4) {
          int cols = Math.min(PackedGemm.NR * 4, n - j0);
          PackedGemm.sgemm(false, tb, m, cols, k, 0.75f, a, 0, lda, b, tb ? j0 * k : j0, ldb, 0.5f, split, j0, n);
        }
        assertArrayEquals(whole, split, "m=" + m + " tb=" + tb);
      }
    }
  }

  @Test
  void aPreparedOperandGivesPackedGemmsBitsOnEveryRowCount() {
    for (boolean tb : new boolean[] {false, true}) {
      for (int[] kn : new int[][] {{PackedGemm.KC + 9, 3 * PackedGemm.NR + 5}, {64, 512}, {1, 1}}) {
        int k = kn[0];
        int n = kn[1];
        int ldb = (tb ? k : n) + 1;
        float[] b = random(2 + (tb ? n : k) * ldb);
        PreparedB prepared = Gemm.prepareB(tb, k, n, b, 2, ldb, new int[] {80, 80, 80, 1});
        assertEquals(true, prepared.isPacked(), "three products of 80 rows use the packed copy");
        for (int m : new int[] {1, 2, 5, 17, 40, 80}) { // 40 x 512 x 64 and up are split over threads
          for (boolean ta : new boolean[] {false, true}) {
            int lda = ta ? m : k;
            float[] a = random((ta ? k : m) * lda);
            float[] c = random(m * n);
            float[] twin = c.clone();
            Gemm.sgemm(ta, m, 0.5f, a, 0, lda, prepared, 1f, c, 0, n);
            String what = "tb=" + tb + " ta=" + ta + " m=" + m + " k=" + k + " n=" + n;
            if (Gemm.usesPacked(tb, m)) { // rows that Gemm sends to the packed copy: PackedGemm's own order
              orderTwin(ta, tb, m, n, k, 0.5f, a, 0, lda, b, 2, ldb, 1f, twin, 0, n);
              assertArrayEquals(twin, c, what);
            } else {
              Gemm.sgemmNaive(ta, tb, m, n, k, 0.5f, a, 0, lda, b, 2, ldb, 1f, twin, 0, n);
              for (int i = 0; i < c.length; i++) {
                assertEquals(twin[i], c[i], 1e-6f * (1 + k), what + " at " + i);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void columnsOfAPreparedProductComputedApartGiveItsBits() {
    int k = PackedGemm.KC + 9;
    int n = 5 * PackedGemm.NR + 3;
    float[] b = random(n * k);
    PreparedB kept = Gemm.packKept(true, k, n, b, 0, k);
    for (int m : new int[] {4, 5, 10, 11, 40}) {
      assertEquals(PackedGemm.NR, Gemm.columnAlignment(kept, m), "m=" + m);
      float[] a = random(m * k);
      float[] whole = random(m * n);
      float[] cut = whole.clone();
      Gemm.sgemm(false, m, 1f, a, 0, k, kept, 1f, whole, 0, n);
      int[] bounds = {0, PackedGemm.NR, 3 * PackedGemm.NR, n};
      for (int i = 0; i + 1 < bounds.length; i++) {
        Gemm.sgemmColumns(false, m, bounds[i], bounds[i + 1], 1f, a, 0, k, kept, 1f, cut, 0, n);
      }
      assertArrayEquals(whole, cut, "m=" + m);
    }
    float[] a = random(4 * k);
    float[] c = new float[4 * n];
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Gemm.sgemmColumns(false, 4, 3, n, 1f, a, 0, k, kept, 0f, c, 0, n));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("multiple of " + PackedGemm.NR),
        e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Gemm.sgemmColumns(false, 4, 0, n + 1, 1f, a, 0, k, kept, 0f, c, 0, n));
    assertEquals(0, Gemm.columnAlignment(kept, 1), "one row is a matrix-vector product, not the packed copy");
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Gemm.sgemmColumns(false, 1, 0, n, 1f, a, 0, k, kept, 0f, c, 0, n));
  }

  @Test
  void anOperandUsedTooFewTimesIsNotPacked() {
    float[] b = random(8 * 8);
    assertEquals(false, Gemm.prepareB(false, 8, 8, b, 0, 8, new int[] {8, 8}).isPacked());
    assertEquals(false, Gemm.prepareB(false, 8, 8, b, 0, 8, new int[] {1, 1, 1, 1}).isPacked(), "one-row products");
    // few-row A B^T: packed unless SkinnyGemm takes those products (it reads B in place)
    assertEquals(Gemm.usesPacked(true, 4), Gemm.prepareB(true, 8, 8, b, 0, 8, new int[] {4, 4, 4, 4}).isPacked());
  }
}
