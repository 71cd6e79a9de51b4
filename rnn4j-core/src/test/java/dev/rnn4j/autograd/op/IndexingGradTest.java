package dev.rnn4j.autograd.op;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of the index-driven ops: {@link IndexSelect} (and {@code x[idx]}), {@link Gather},
 * {@link MaskedFill} and {@link Where}. Repeated indices must add their gradients.
 */
class IndexingGradTest {
  private final Generator g = new Generator(31);

  @Test
  void indexSelectWithRepeats() {
    Tensor x = Ref.param(g, -1, 1, 4, 3);
    Tensor idx = Tensor.ofLongs(3, 0, 3);
    GradCheck.check("index_select dim 0", in -> in[0].indexSelect(0, idx), in -> {
      double[] r = new double[9];
      long[] ii = {3, 0, 3};
      for (int k = 0; k < 3; k++) {
        for (int j = 0; j < 3; j++) {
          r[k * 3 + j] = in[0][(int) ii[k] * 3 + j];
        }
      }
      return r;
    }, 1e-6, 1e-5, x);
    Tensor y = Ref.param(g, -1, 1, 2, 4);
    GradCheck.check("index_select dim 1", in -> in[0].indexSelect(1, Tensor.ofLongs(1, 1)),
        in -> new double[] {in[0][1], in[0][1], in[0][5], in[0][5]}, 1e-6, 1e-5, y);
    GradCheck.check("x[idx 2-D]", in -> in[0].index(Tensor.ofLongs(new long[] {1, 0, 0, 3}, 2, 2)),
        in -> new double[] {in[0][4], in[0][5], in[0][6], in[0][7], in[0][0], in[0][1], in[0][2], in[0][3],
            in[0][0], in[0][1], in[0][2], in[0][3], in[0][12], in[0][13], in[0][14], in[0][15]}, 1e-6, 1e-5,
        Ref.param(g, -1, 1, 4, 4));
    assertEquals("IndexSelectBackward0", x.indexSelect(0, idx).gradFn().name());
  }

  @Test
  void gatherAlongEachDim() {
    Tensor x = Ref.param(g, -1, 1, 3, 4);
    Tensor i1 = Tensor.ofLongs(new long[] {0, 3, 3, 2, 2, 2, 1, 0, 1}, 3, 3);
    GradCheck.check("gather dim 1", in -> in[0].gather(1, i1), in -> {
      double[] r = new double[9];
      for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
          r[a * 3 + b] = in[0][a * 4 + (int) i1.getLong(a, b)];
        }
      }
      return r;
    }, 1e-6, 1e-5, x);
    Tensor i0 = Tensor.ofLongs(new long[] {2, 0, 1, 1, 0, 0, 2, 2}, 2, 4);
    GradCheck.check("gather dim 0", in -> in[0].gather(0, i0), in -> {
      double[] r = new double[8];
      for (int a = 0; a < 2; a++) {
        for (int b = 0; b < 4; b++) {
          r[a * 4 + b] = in[0][(int) i0.getLong(a, b) * 4 + b];
        }
      }
      return r;
    }, 1e-6, 1e-5, x);
    assertEquals("GatherBackward0", x.gather(1, i1).gradFn().name());
  }

  @Test
  void maskedFillZeroesTheGradientWhereFilled() {
    Tensor x = Ref.param(g, -1, 1, 3, 4);
    Tensor mask = Tensor.ofBools(new boolean[] {true, false, false, true}, 1, 4);
    GradCheck.check("masked_fill", in -> in[0].maskedFill(mask, -5), in -> {
      double[] r = in[0].clone();
      for (int i = 0; i < r.length; i++) {
        if (i % 4 == 0 || i % 4 == 3) {
          r[i] = -5;
        }
      }
      return r;
    }, 1e-6, 1e-5, x);
    assertEquals("MaskedFillBackward0", x.maskedFill(mask, 0).gradFn().name());
  }

  @Test
  void whereWithBroadcasting() {
    Tensor cond = Tensor.ofBools(new boolean[] {true, false, true}, 3, 1);
    Tensor a = Ref.param(g, -1, 1, 3, 4);
    Tensor b = Ref.param(g, -1, 1, 4);
    GradCheck.check("where", in -> Tensor.where(cond, in[0], in[1]), in -> {
      double[] r = new double[12];
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 4; j++) {
          r[i * 4 + j] = i != 1 ? in[0][i * 4 + j] : in[1][j];
        }
      }
      return r;
    }, 1e-6, 1e-5, a, b);
    assertEquals("WhereBackward0", Tensor.where(cond, a, b).gradFn().name());
  }
}
