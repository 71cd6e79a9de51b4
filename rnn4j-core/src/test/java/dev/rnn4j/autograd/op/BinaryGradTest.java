package dev.rnn4j.autograd.op;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of {@link Binary}: add, sub, mul, div, each with broadcasting on both sides. */
class BinaryGradTest {
  private final Generator g = new Generator(11);

  private void check(String name, java.util.function.BinaryOperator<Tensor> op, DoubleBinaryOperator f,
      int[] sa, int[] sb, int[] out, double bLo) {
    Tensor a = Ref.param(g, -1, 1, sa);
    Tensor b = Ref.param(g, bLo, 1.5, sb);
    GradCheck.check(name, x -> op.apply(x[0], x[1]), x -> {
      double[] ea = Ref.expand(x[0], sa, out);
      double[] eb = Ref.expand(x[1], sb, out);
      double[] r = new double[ea.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = f.applyAsDouble(ea[i], eb[i]);
      }
      return r;
    }, 1e-5, 1e-4, a, b);
  }

  @Test
  void add() {
    check("add", Tensor::add, Double::sum, new int[] {2, 3}, new int[] {2, 3}, new int[] {2, 3}, -1);
    check("add bcast", Tensor::add, Double::sum, new int[] {2, 1, 3}, new int[] {4, 1}, new int[] {2, 4, 3}, -1);
  }

  @Test
  void sub() {
    check("sub bcast", Tensor::sub, (u, v) -> u - v, new int[] {3, 1}, new int[] {4}, new int[] {3, 4}, -1);
  }

  @Test
  void mul() {
    check("mul bcast", Tensor::mul, (u, v) -> u * v, new int[] {2, 3}, new int[] {3}, new int[] {2, 3}, -1);
    check("mul scalar-shaped", Tensor::mul, (u, v) -> u * v, new int[] {}, new int[] {2, 2}, new int[] {2, 2}, -1);
  }

  @Test
  void div() {
    check("div bcast", Tensor::div, (u, v) -> u / v, new int[] {2, 3}, new int[] {2, 1}, new int[] {2, 3}, 0.5);
  }

  @Test
  void sameTensorOnBothSides() {
    Tensor a = Ref.param(g, -1, 1, 5);
    GradCheck.check("x * x", x -> x[0].mul(x[0]), x -> {
      double[] r = new double[5];
      for (int i = 0; i < 5; i++) {
        r[i] = x[0][i] * x[0][i];
      }
      return r;
    }, 1e-5, 1e-4, a);
    assertEquals("MulBackward0", a.mul(a).gradFn().name());
    assertEquals("DivBackward0", a.div(2).gradFn().name());
    assertEquals("AddBackward0", a.add(a).gradFn().name());
    assertEquals("SubBackward0", a.sub(1).gradFn().name());
  }
}
