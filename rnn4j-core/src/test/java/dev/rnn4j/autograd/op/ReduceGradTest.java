package dev.rnn4j.autograd.op;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of {@link Reduce}: sum and mean (all, along a dim, keepdim), max/min (along a dim and
 * over everything) and sort. Inputs of max/min/sort are distinct, so the selection does not flip within the step.
 */
class ReduceGradTest {
  private final Generator g = new Generator(3);

  /** Reduces a (2, 3, 4) tensor along {@code dim} with {@code f} over each fibre. */
  private static double[] alongDim(double[] x, int dim, java.util.function.ToDoubleFunction<double[]> f) {
    int[] s = {2, 3, 4};
    int[] st = Ref.strides(s);
    int n = s[dim];
    int outer = 1;
    for (int i = 0; i < dim; i++) {
      outer *= s[i];
    }
    int inner = st[dim];
    double[] r = new double[outer * inner];
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        double[] fib = new double[n];
        for (int k = 0; k < n; k++) {
          fib[k] = x[(o * n + k) * inner + j];
        }
        r[o * inner + j] = f.applyAsDouble(fib);
      }
    }
    return r;
  }

  @Test
  void sumAndMeanOfAll() {
    Tensor x = Ref.param(g, -1, 1, 2, 3);
    GradCheck.check("sum", in -> in[0].sum(), in -> new double[] {Arrays.stream(in[0]).sum()}, 1e-5, 1e-4, x);
    GradCheck.check("mean", in -> in[0].mean(), in -> new double[] {Arrays.stream(in[0]).average().getAsDouble()},
        1e-5, 1e-4, x);
    assertEquals("SumBackward0", x.sum().gradFn().name());
    assertEquals("MeanBackward0", x.mean().gradFn().name());
  }

  @Test
  void sumAndMeanAlongEachDim() {
    for (int d = 0; d < 3; d++) {
      final int dim = d;
      for (boolean keep : new boolean[] {false, true}) {
        Tensor x = Ref.param(g, -1, 1, 2, 3, 4);
        GradCheck.check("sum dim " + d, in -> in[0].sum(dim, keep),
            in -> alongDim(in[0], dim, f -> Arrays.stream(f).sum()), 1e-5, 1e-4, x);
        Tensor y = Ref.param(g, -1, 1, 2, 3, 4);
        GradCheck.check("mean dim " + d, in -> in[0].mean(dim - 3, keep),
            in -> alongDim(in[0], dim, f -> Arrays.stream(f).average().getAsDouble()), 1e-5, 1e-4, y);
      }
    }
    assertEquals("SumBackward1", Ref.param(g, 0, 1, 2, 2).sum(0, false).gradFn().name());
  }

  @Test
  void maxAndMinAlongADim() {
    for (int d = 0; d < 3; d++) {
      final int dim = d;
      Tensor x = Ref.param(g, -1, 1, 2, 3, 4);
      GradCheck.check("max dim " + d, in -> in[0].max(dim, false).values(),
          in -> alongDim(in[0], dim, f -> Arrays.stream(f).max().getAsDouble()), 1e-5, 1e-4, x);
      Tensor y = Ref.param(g, -1, 1, 2, 3, 4);
      GradCheck.check("min dim " + d, in -> in[0].min(dim, true).values(),
          in -> alongDim(in[0], dim, f -> Arrays.stream(f).min().getAsDouble()), 1e-5, 1e-4, y);
    }
    Tensor z = Ref.param(g, -1, 1, 3);
    assertEquals("MaxBackward0", z.max(0, false).values().gradFn().name());
    assertEquals("MinBackward0", z.min(0, false).values().gradFn().name());
  }

  @Test
  void maxAndMinOfAllSplitTiesEvenly() {
    Tensor x = Ref.param(g, -1, 1, 2, 3);
    GradCheck.check("max()", in -> in[0].max(), in -> new double[] {Arrays.stream(in[0]).max().getAsDouble()},
        1e-5, 1e-4, x);
    GradCheck.check("min()", in -> in[0].min(), in -> new double[] {Arrays.stream(in[0]).min().getAsDouble()},
        1e-5, 1e-4, x);
    Tensor t = Tensor.of(1f, 3f, 3f, 2f).requiresGrad(true);
    t.max().backward();
    assertEquals("[0.0, 0.5, 0.5, 0.0]", Arrays.toString(t.grad().data()));
  }

  @Test
  void sortRoutesGradientsBack() {
    for (boolean desc : new boolean[] {false, true}) {
      Tensor x = Ref.param(g, -1, 1, 3, 4);
      GradCheck.check("sort desc=" + desc, in -> in[0].sort(-1, desc).values(), in -> {
        double[] r = new double[12];
        for (int row = 0; row < 3; row++) {
          double[] v = Arrays.copyOfRange(in[0], row * 4, row * 4 + 4);
          Arrays.sort(v);
          for (int k = 0; k < 4; k++) {
            r[row * 4 + k] = desc ? v[3 - k] : v[k];
          }
        }
        return r;
      }, 1e-5, 1e-4, x);
    }
    assertEquals("SortBackward0", Ref.param(g, 0, 1, 3).sort(true).values().gradFn().name());
  }
}
