package dev.rnn4j.autograd.op;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of {@link Softmax}: softmax and log_softmax along every dim of a (2, 3, 4) tensor. */
class SoftmaxGradTest {
  private static double[] reference(double[] x, int dim, boolean log) {
    int[] s = {2, 3, 4};
    int inner = Ref.strides(s)[dim];
    int n = s[dim];
    int outer = x.length / (n * inner);
    double[] y = new double[x.length];
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        double z = 0;
        for (int k = 0; k < n; k++) {
          z += Math.exp(x[(o * n + k) * inner + j]);
        }
        for (int k = 0; k < n; k++) {
          int i = (o * n + k) * inner + j;
          y[i] = log ? x[i] - Math.log(z) : Math.exp(x[i]) / z;
        }
      }
    }
    return y;
  }

  @Test
  void softmaxAndLogSoftmaxAlongEveryDim() {
    Generator g = new Generator(8);
    for (int d = 0; d < 3; d++) {
      final int dim = d;
      for (boolean log : new boolean[] {false, true}) {
        Tensor x = Ref.param(g, -3, 3, 2, 3, 4);
        GradCheck.check((log ? "log_softmax" : "softmax") + " dim " + d,
            in -> log ? in[0].logSoftmax(dim) : in[0].softmax(dim - 3), in -> reference(in[0], dim, log),
            1e-5, 1e-4, x);
      }
    }
    Tensor x = Ref.param(g, 0, 1, 2);
    assertEquals("SoftmaxBackward0", x.softmax(0).gradFn().name());
    assertEquals("LogSoftmaxBackward0", x.logSoftmax(0).gradFn().name());
  }

  @Test
  void largeLogitsStayFinite() {
    Tensor x = Tensor.of(1000f, 0f, -1000f);
    float[] y = x.logSoftmax(0).data();
    assertEquals(0f, y[0]);
    assertEquals(-1000f, y[1]);
    assertEquals(-2000f, y[2]);
  }
}
