package dev.rnn4j.tensor.gemm;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.testing.Approx;
import org.junit.jupiter.api.Test;

/** The single-row (m = 1) route of {@link Gemm#sgemm} through gemv, against the naive twin, for every layout. */
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

  private static float[] rand(Generator g, int len) {
    float[] x = new float[len];
    for (int i = 0; i < len; i++) {
      x[i] = (float) g.nextGaussian();
    }
    return x;
  }
}
