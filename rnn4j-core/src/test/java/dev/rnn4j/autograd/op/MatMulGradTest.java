package dev.rnn4j.autograd.op;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of {@link MatMul} for 1-D, 2-D, batched and broadcast-batched operands. */
class MatMulGradTest {
  private final Generator g = new Generator(5);

  /** Reference for {@code (B..., m, k) @ (B..., k, n)} after both batch shapes were expanded to {@code batch}. */
  private void check(String name, int[] sa, int[] sb, int[] batch, int m, int k, int n) {
    Tensor a = Ref.param(g, -1, 1, sa);
    Tensor b = Ref.param(g, -1, 1, sb);
    int nb = Ref.numel(batch);
    int[] fa = concat(batch, m, k);
    int[] fb = concat(batch, k, n);
    int[] ta = sa.length == 1 ? new int[] {1, sa[0]} : sa; // 1-D promoted as matmul does
    int[] tb = sb.length == 1 ? new int[] {sb[0], 1} : sb;
    GradCheck.check(name, x -> x[0].matmul(x[1]), x -> {
      double[] ea = Ref.expand(x[0], ta, fa);
      double[] eb = Ref.expand(x[1], tb, fb);
      double[] c = new double[nb * m * n];
      for (int t = 0; t < nb; t++) {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
              s += ea[t * m * k + i * k + p] * eb[t * k * n + p * n + j];
            }
            c[t * m * n + i * n + j] = s;
          }
        }
      }
      return c;
    }, 1e-5, 1e-4, a, b);
  }

  private static int[] concat(int[] batch, int r, int c) {
    int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
    s[batch.length] = r;
    s[batch.length + 1] = c;
    return s;
  }

  @Test
  void vectorVector() {
    check("1d@1d", new int[] {4}, new int[] {4}, new int[] {}, 1, 4, 1);
  }

  @Test
  void vectorMatrixAndMatrixVector() {
    check("1d@2d", new int[] {3}, new int[] {3, 2}, new int[] {}, 1, 3, 2);
    check("2d@1d", new int[] {2, 3}, new int[] {3}, new int[] {}, 2, 3, 1);
  }

  @Test
  void matrixMatrix() {
    check("2d@2d", new int[] {2, 3}, new int[] {3, 4}, new int[] {}, 2, 3, 4);
  }

  @Test
  void batched() {
    check("3d@2d", new int[] {2, 2, 3}, new int[] {3, 2}, new int[] {2}, 2, 3, 2);
    check("3d@3d", new int[] {2, 2, 3}, new int[] {2, 3, 2}, new int[] {2}, 2, 3, 2);
    check("bcast 4d@3d", new int[] {2, 1, 2, 3}, new int[] {3, 3, 2}, new int[] {2, 3}, 2, 3, 2);
    check("2d@3d", new int[] {2, 3}, new int[] {2, 3, 2}, new int[] {2}, 2, 3, 2);
  }
}
