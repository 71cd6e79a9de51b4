package dev.rnn4j.tensor.gemm;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.util.ThreadTeam;
import org.junit.jupiter.api.Test;

/**
 * The single-row (m = 1) route of {@link Gemm#sgemm} through gemv, against the naive twin, for every layout; and a
 * large one, cut into blocks of columns for threads, gives the same bits on one thread as on two.
 */
class GemmSingleRowTest {
  @Test
  void singleRowMatchesNaiveForEveryTransposeAlphaBetaAndOffset() {
    Generator g = new Generator(3);
    int n = 37;
    int k = 19;
    for (boolean transA : new boolean[] {false, true}) {
      for (boolean transB : new boolean[] {false, true}) {
        for (float beta : new float[] {0f, 1f, 0.5f}) {
          int lda = transA ? 3 : k + 2; // transA: a is stored (k, 1) with row stride lda
          int ldb = transB ? k + 1 : n + 3;
          float[] a = rand(g, 5 + (transA ? k * lda : lda));
          float[] b = rand(g, 7 + (transB ? n * ldb : k * ldb));
          float[] c1 = rand(g, 4 + n);
          float[] c2 = c1.clone();
          Gemm.sgemm(transA, transB, 1, n, k, 0.75f, a, 5, lda, b, 7, ldb, beta, c1, 4, n);
          Gemm.sgemmNaive(transA, transB, 1, n, k, 0.75f, a, 5, lda, b, 7, ldb, beta, c2, 4, n);
          Approx.assertClose("transA=" + transA + " transB=" + transB + " beta=" + beta, c1, c2, 1e-5, 1e-5);
        }
      }
    }
  }

  @Test
  void aLargeSingleRowIsSplitIntoBlocksWithTheSameBitsOnAnyThreadCount() {
    Generator g = new Generator(4);
    int n = 1000; // 1000 x 300: above the split threshold, four blocks of 256 columns, the last one short
    int k = 300;
    for (boolean transB : new boolean[] {false, true}) {
      int ldb = transB ? k + 3 : n + 5;
      float[] a = rand(g, 2 + k);
      float[] b = rand(g, 1 + (transB ? n * ldb : k * ldb));
      float[][] c = new float[3][];
      for (int threads = 1; threads <= 2; threads++) {
        try (ThreadTeam team = new ThreadTeam(threads); ThreadTeam.Scope scope = team.use()) {
          c[threads] = new float[n + 1];
          c[threads][n] = 42f; // past the end of C: untouched
          Gemm.sgemm(false, transB, 1, n, k, 1f, a, 2, k, b, 1, ldb, 0f, c[threads], 0, n);
        }
      }
      float[] naive = new float[n + 1];
      naive[n] = 42f;
      Gemm.sgemmNaive(false, transB, 1, n, k, 1f, a, 2, k, b, 1, ldb, 0f, naive, 0, n);
      org.junit.jupiter.api.Assertions.assertArrayEquals(c[1], c[2], "transB=" + transB + ": 1 vs 2 threads");
      Approx.assertClose("transB=" + transB, c[2], naive, 1e-4, 1e-5);
    }
  }

  private static float[] rand(Generator g, int len) {
    float[] x = new float[len];
    for (int i = 0; i < len; i++) {
      x[i] = (float) g.nextGaussian();
    }
    return x;
  }
}
