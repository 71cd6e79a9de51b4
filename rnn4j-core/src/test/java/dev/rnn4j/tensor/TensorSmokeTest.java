package dev.rnn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.testing.GradCheck;
import org.junit.jupiter.api.Test;

class TensorSmokeTest {
  @Test
  void notebookSortAndIndex() {
    long[] lens = {20, 5, 8, 10, 15, 18, 17, 6, 6, 18};
    ValuesIndices s = Tensor.ofLongs(lens).sort(true);
    assertArrayEquals(new long[] {20, 18, 18, 17, 15, 10, 8, 6, 6, 5}, s.values().longData());
    assertArrayEquals(new long[] {0, 5, 9, 6, 4, 3, 2, 7, 8, 1}, s.indices().longData());
  }

  @Test
  void matmulGradient() {
    Generator g = new Generator(7);
    Tensor a = Tensor.randn(g, 3, 4).requiresGrad(true);
    Tensor b = Tensor.randn(g, 4, 2).requiresGrad(true);
    GradCheck.check("matmul", in -> in[0].matmul(in[1]), x -> {
      double[] c = new double[6];
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 2; j++) {
          for (int k = 0; k < 4; k++) {
            c[i * 2 + j] += x[0][i * 4 + k] * x[1][k * 2 + j];
          }
        }
      }
      return c;
    }, 1e-5, 1e-4, a, b);
    assertEquals("MmBackward0", a.matmul(b).gradFn().name());
  }
}
