package dev.rnn4j.tensor.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link SkinnyGemm} (the few-rows {@code A B^T} kernel behind {@link Gemm#sgemm}) against the naive twin on every
 * row count through the 4-, 2- and 1-row blocks, column counts around the 4-column block, reduction lengths around
 * every vector width (so the scalar tails run), offsets, padded leading dimensions and alpha/beta; and the promise
 * that makes thread splitting safe: each element has the same bits whatever the column range or row count.
 */
class SkinnyGemmTest {
  @org.junit.jupiter.api.BeforeAll
  static void needsTheVectorApi() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Gemm.canPrepack(),
        "the Vector API kernels do not run in this leg (module not loaded, or width 0)");
  }

  private final Generator g = new Generator(7);

  private float[] random(int n) {
    return RandomArrays.uniform(g, n);
  }

  @Test
  void agreesWithTheNaiveTwin() {
    for (int m = 1; m <= 11; m++) {
      for (int n : new int[] {1, 3, 4, 5, 9, 34}) {
        for (int k : new int[] {1, 7, 15, 16, 17, 33, 100}) {
          for (float[] ab : new float[][] {{1f, 0f}, {1f, 1f}, {-0.5f, 0.25f}}) {
            int pad = m % 3;
            int off = n % 4;
            int lda = k + pad;
            int ldb = k + 2 * pad;
            int ldc = n + pad;
            float[] a = random(off + m * lda + 2);
            float[] b = random(off + 1 + n * ldb + 2);
            float[] c1 = random(off + 2 + m * ldc + 2);
            if (ab[1] == 0) {
              c1[off + 2] = Float.NaN; // beta == 0: what C held must not leak
            }
            float[] c2 = c1.clone();
            SkinnyGemm.nt(m, 0, n, k, ab[0], a, off, lda, b, off + 1, ldb, ab[1], c1, off + 2, ldc);
            Gemm.sgemmNaive(false, true, m, n, k, ab[0], a, off, lda, b, off + 1, ldb, ab[1], c2, off + 2, ldc);
            for (int i = 0; i < c1.length; i++) {
              assertEquals(c2[i], c1[i], 1e-6f * (1 + k),
                  "m=" + m + " n=" + n + " k=" + k + " alpha/beta=" + ab[0] + "/" + ab[1] + " at " + i);
            }
          }
        }
      }
    }
  }

  @Test
  void everyElementIsTheSameWhateverTheSplit() {
    int m = 11;
    int n = 37;
    int k = 131;
    float[] a = random(m * k);
    float[] b = random(n * k);
    float[] whole = new float[m * n];
    SkinnyGemm.nt(m, 0, n, k, 1f, a, 0, k, b, 0, k, 0f, whole, 0, n);
    float[] split = new float[m * n];
    for (int j0 : new int[] {0, 4, 12, 36}) { // column ranges [0,4) [4,12) [12,36) [36,37)
      int j1 = j0 == 0 ? 4 : j0 == 4 ? 12 : j0 == 12 ? 36 : 37;
      SkinnyGemm.nt(m, j0, j1, k, 1f, a, 0, k, b, 0, k, 0f, split, 0, n);
    }
    assertArrayEquals(whole, split, "split over column ranges");
    for (int rows = 1; rows <= m; rows++) { // a prefix of the rows (a shrinking packed batch) gives the same rows
      float[] part = new float[rows * n];
      SkinnyGemm.nt(rows, 0, n, k, 1f, a, 0, k, b, 0, k, 0f, part, 0, n);
      for (int i = 0; i < rows * n; i++) {
        // Bit-identical on JDK 17. On newer JDKs the Vector API's reduceLanes(ADD) sums lanes in a different order
        // when interpreted than when compiled by C2, and a test calls each row-count path too few times for them all
        // to be compiled alike, so there the two may differ by rounding: 131 products of numbers in [-1, 1] summed in
        // another order, bounded here by 1e-5 absolute (a wrong term would be off by ~0.1 or more).
        float tol = Runtime.version().feature() < 18 ? 0f : 1e-5f;
        assertEquals(whole[i], part[i], tol, rows + " rows, element " + i);
      }
    }
  }
}
