package dev.rnn4j.autograd.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of the ops behind the basic modules: {@link LinearOp}, {@link EmbeddingOp},
 * {@link DropoutOp}.
 */
class ModuleOpsGradTest {
  private final Generator g = new Generator(51);

  private static double[] linear(double[] x, double[] w, double[] b, int rows, int in, int out) {
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = b == null ? 0 : b[o];
        for (int i = 0; i < in; i++) {
          s += x[r * in + i] * w[o * in + i];
        }
        y[r * out + o] = s;
      }
    }
    return y;
  }

  @Test
  void linearWithAndWithoutBias() {
    Tensor x = Ref.param(g, -1, 1, 2, 2, 3);
    Tensor w = Ref.param(g, -1, 1, 4, 3);
    Tensor b = Ref.param(g, -1, 1, 4);
    GradCheck.check("linear+bias", in -> LinearOp.apply(in[0], in[1], in[2]),
        in -> linear(in[0], in[1], in[2], 4, 3, 4), 1e-5, 1e-4, x, w, b);
    GradCheck.check("linear", in -> LinearOp.apply(in[0], in[1], null),
        in -> linear(in[0], in[1], null, 4, 3, 4), 1e-5, 1e-4, x, w);
    Tensor v = Ref.param(g, -1, 1, 3);
    GradCheck.check("linear 1-D input", in -> LinearOp.apply(in[0], in[1], in[2]),
        in -> linear(in[0], in[1], in[2], 1, 3, 4), 1e-5, 1e-4, v, w, b);
  }

  @Test
  void embeddingSkipsThePaddingRow() {
    Tensor w = Ref.param(g, -1, 1, 5, 3);
    Tensor ids = Tensor.ofLongs(new long[] {1, 4, 1, 0, 2, 4}, 2, 3);
    long[] id = ids.longData();
    GradCheck.check("embedding", in -> EmbeddingOp.apply(in[0], ids, -1), in -> {
      double[] r = new double[18];
      for (int k = 0; k < 6; k++) {
        System.arraycopy(in[0], (int) id[k] * 3, r, k * 3, 3);
      }
      return r;
    }, 1e-6, 1e-5, w);
    w.zeroGrad();
    EmbeddingOp.apply(w, ids, 4).sum().backward();
    float[] gw = w.grad().data();
    assertEquals(0f, gw[12] + Math.abs(gw[13]) + Math.abs(gw[14]), "padding row 4 must get no gradient");
    assertEquals(2f, gw[3], "row 1 is used twice");
  }

  @Test
  void dropoutKeepsAboutOneMinusPAndScalesByItsInverse() {
    Tensor x = Tensor.ones(100, 100);
    float[] y = DropoutOp.apply(x, 0.3, new Generator(4)).data();
    int kept = 0;
    for (float v : y) {
      assertTrue(v == 0f || v == (float) (1 / 0.7), "an output of dropout(ones) is 0 or 1/(1-p), got " + v);
      kept += v != 0 ? 1 : 0;
    }
    // 10,000 Bernoulli(0.7) draws: mean 7,000, standard deviation about 46; 5 sigma either way
    assertTrue(Math.abs(kept - 7000) < 230, "kept " + kept + " of 10000 at p = 0.3");
    assertEquals(0, DropoutOp.apply(x, 1.0, new Generator(4)).sum().item(), "p = 1 drops everything");
  }

  @Test
  void dropoutGradientIsTheSameMask() {
    Tensor x = Ref.param(g, 0.5, 1.5, 4, 5);
    Tensor y = DropoutOp.apply(x, 0.4, new Generator(9));
    // The reference mask comes from the generator's stream, not from the op's output: element i is kept (and scaled
    // by 1 / (1 - p)) when the i-th uniform draw is at least p.
    Generator draws = new Generator(9);
    float[] mask = new float[20];
    int kept = 0;
    for (int i = 0; i < 20; i++) {
      mask[i] = draws.nextDouble() >= 0.4 ? (float) (1 / 0.6) : 0f;
      kept += mask[i] != 0 ? 1 : 0;
    }
    assertTrue(kept > 0 && kept < 20, "seed 9 must both keep and drop elements, kept " + kept);
    for (int i = 0; i < 20; i++) {
      assertEquals(x.data()[i] * mask[i], y.data()[i], "dropout output element " + i);
    }
    GradCheck.check("dropout (fixed seed)", in -> DropoutOp.apply(in[0], 0.4, new Generator(9)), in -> {
      double[] r = new double[20];
      for (int i = 0; i < 20; i++) {
        r[i] = in[0][i] * mask[i];
      }
      return r;
    }, 1e-5, 1e-4, x);
    for (float m : mask) {
      assertEquals(true, m == 0f || Math.abs(m - 1 / 0.6f) < 1e-5, "mask value " + m);
    }
  }
}
