package dev.rnn4j.autograd.op;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of the ops that move elements without arithmetic: {@link View} (view, unsqueeze,
 * squeeze), {@link Permute} (permute, transpose) and {@link Narrow} (narrow, slice, select). Each reference is an
 * explicit index map from output to input position.
 */
class ShapeOpsGradTest {
  private final Generator g = new Generator(21);

  /** Checks an op whose output element {@code k} is input element {@code map[k]}. */
  private static void checkGatherLike(String name, java.util.function.Function<Tensor, Tensor> op, int[] map,
      Tensor x) {
    GradCheck.check(name, in -> op.apply(in[0]), in -> {
      double[] r = new double[map.length];
      for (int k = 0; k < map.length; k++) {
        r[k] = in[0][map[k]];
      }
      return r;
    }, 1e-6, 1e-5, x);
  }

  private static int[] identity(int n) {
    int[] m = new int[n];
    for (int i = 0; i < n; i++) {
      m[i] = i;
    }
    return m;
  }

  @Test
  void viewFamily() {
    Tensor x = Ref.param(g, -1, 1, 2, 6);
    checkGatherLike("view", t -> t.view(3, -1), identity(12), x);
    checkGatherLike("reshape", t -> t.reshape(4, 3), identity(12), x);
    checkGatherLike("unsqueeze/squeeze", t -> t.unsqueeze(1).squeeze(), identity(12), x);
    checkGatherLike("flatten", Tensor::flatten, identity(12), x);
    assertEquals("ViewBackward0", x.view(12).gradFn().name());
  }

  @Test
  void permuteAndTranspose() {
    Tensor x = Ref.param(g, -1, 1, 2, 3, 4);
    int[] perm = new int[24]; // out (4, 2, 3) = x.permute(2, 0, 1)
    for (int c = 0; c < 4; c++) {
      for (int a = 0; a < 2; a++) {
        for (int b = 0; b < 3; b++) {
          perm[(c * 2 + a) * 3 + b] = (a * 3 + b) * 4 + c;
        }
      }
    }
    checkGatherLike("permute", t -> t.permute(2, 0, 1), perm, x);
    int[] tr = new int[24]; // out (3, 2, 4) = x.transpose(0, 1)
    for (int b = 0; b < 3; b++) {
      for (int a = 0; a < 2; a++) {
        for (int c = 0; c < 4; c++) {
          tr[(b * 2 + a) * 4 + c] = (a * 3 + b) * 4 + c;
        }
      }
    }
    checkGatherLike("transpose", t -> t.transpose(0, -2), tr, x);
    assertEquals("PermuteBackward0", x.permute(1, 0, 2).gradFn().name());
  }

  @Test
  void narrowSliceSelect() {
    Tensor x = Ref.param(g, -1, 1, 3, 5);
    int[] nar = new int[9];
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 3; c++) {
        nar[r * 3 + c] = r * 5 + 1 + c;
      }
    }
    checkGatherLike("narrow", t -> t.narrow(1, 1, 3), nar, x);
    checkGatherLike("slice", t -> t.slice(-1, 1, -1), nar, x);
    checkGatherLike("narrow negative start", t -> t.narrow(1, -4, 3), nar, x);
    checkGatherLike("select", t -> t.select(0, 2), new int[] {10, 11, 12, 13, 14}, x);
    assertEquals("SliceBackward0", x.narrow(0, 0, 1).gradFn().name());
  }
}
