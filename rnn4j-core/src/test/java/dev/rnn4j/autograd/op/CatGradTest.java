package dev.rnn4j.autograd.op;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of {@link Cat} (and stack, which is built on it) along each dim. */
class CatGradTest {
  private final Generator g = new Generator(41);

  @Test
  void catAlongDim0And1() {
    Tensor a = Ref.param(g, -1, 1, 2, 3);
    Tensor b = Ref.param(g, -1, 1, 1, 3);
    GradCheck.check("cat 0", in -> Tensor.cat(0, in[0], in[1]), in -> {
      double[] r = new double[9];
      System.arraycopy(in[0], 0, r, 0, 6);
      System.arraycopy(in[1], 0, r, 6, 3);
      return r;
    }, 1e-6, 1e-5, a, b);
    Tensor c = Ref.param(g, -1, 1, 2, 2);
    GradCheck.check("cat 1", in -> Tensor.cat(List.of(in[0], in[1]), -1), in -> {
      double[] r = new double[10];
      for (int row = 0; row < 2; row++) {
        System.arraycopy(in[0], row * 3, r, row * 5, 3);
        System.arraycopy(in[1], row * 2, r, row * 5 + 3, 2);
      }
      return r;
    }, 1e-6, 1e-5, a, c);
    assertEquals("CatBackward0", Tensor.cat(0, a, b).gradFn().name());
  }

  @Test
  void stackAlongANewDim() {
    Tensor a = Ref.param(g, -1, 1, 2, 3);
    Tensor b = Ref.param(g, -1, 1, 2, 3);
    GradCheck.check("stack 1", in -> Tensor.stack(List.of(in[0], in[1]), 1), in -> {
      double[] r = new double[12];
      for (int row = 0; row < 2; row++) {
        System.arraycopy(in[0], row * 3, r, row * 6, 3);
        System.arraycopy(in[1], row * 3, r, row * 6 + 3, 3);
      }
      return r;
    }, 1e-6, 1e-5, a, b);
    GradCheck.check("stack -1", in -> Tensor.stack(List.of(in[0], in[1]), -1), in -> {
      double[] r = new double[12];
      for (int i = 0; i < 6; i++) {
        r[2 * i] = in[0][i];
        r[2 * i + 1] = in[1][i];
      }
      return r;
    }, 1e-6, 1e-5, a, b);
  }
}
