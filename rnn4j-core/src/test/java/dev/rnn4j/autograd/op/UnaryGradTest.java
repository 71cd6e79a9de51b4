package dev.rnn4j.autograd.op;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.testing.Ref;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Finite-difference checks of every {@link Unary} function, plus {@link Pow} and {@link Clamp}. */
class UnaryGradTest {
  private static UnaryOperator<Tensor> op(String name) {
    return switch (name) {
      case "neg" -> Tensor::neg;
      case "exp" -> Tensor::exp;
      case "log" -> Tensor::log;
      case "tanh" -> Tensor::tanh;
      case "sigmoid" -> Tensor::sigmoid;
      case "relu" -> Tensor::relu;
      case "sqrt" -> Tensor::sqrt;
      case "pow2.5" -> t -> t.pow(2.5);
      case "pow3" -> t -> t.pow(3);
      case "pow-1" -> t -> t.pow(-1);
      case "clamp" -> t -> t.clamp(-0.3, 0.4);
      case "clampMin" -> t -> t.clampMin(0.1);
      default -> throw new IllegalArgumentException(name);
    };
  }

  private static DoubleUnaryOperator ref(String name) {
    return switch (name) {
      case "neg" -> v -> -v;
      case "exp" -> Math::exp;
      case "log" -> Math::log;
      case "tanh" -> Math::tanh;
      case "sigmoid" -> v -> 1 / (1 + Math.exp(-v));
      case "relu" -> v -> Math.max(v, 0);
      case "sqrt" -> Math::sqrt;
      case "pow2.5" -> v -> Math.pow(v, 2.5);
      case "pow3" -> v -> v * v * v;
      case "pow-1" -> v -> 1 / v;
      case "clamp" -> v -> Math.min(Math.max(v, -0.3), 0.4);
      case "clampMin" -> v -> Math.max(v, 0.1);
      default -> throw new IllegalArgumentException(name);
    };
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "neg, -2, 2, NegBackward0",
    "exp, -2, 2, ExpBackward0",
    "log, 0.2, 3, LogBackward0",
    "tanh, -2, 2, TanhBackward0",
    "sigmoid, -4, 4, SigmoidBackward0",
    "relu, -1, 1, ReluBackward0",
    "sqrt, 0.2, 3, SqrtBackward0",
    "pow2.5, 0.2, 2, PowBackward0",
    "pow3, -1.5, 1.5, PowBackward0",
    "pow-1, 0.5, 2, PowBackward0",
    "clamp, -1, 1, ClampBackward1",
    "clampMin, -1, 1, ClampBackward1"
  })
  void gradientMatchesFiniteDifferences(String name, double lo, double hi, String gradFn) {
    Generator g = new Generator(name.hashCode());
    Tensor x = Ref.param(g, lo, hi, 3, 4);
    // Keep kinks (relu at 0, clamp bounds) out of reach of the finite-difference step.
    for (int i = 0; i < x.data().length; i++) {
      float v = x.data()[i];
      for (double kink : new double[] {0, -0.3, 0.4, 0.1}) {
        if (Math.abs(v - kink) < 1e-3) {
          x.data()[i] = (float) (kink + 0.01);
        }
      }
    }
    UnaryOperator<Tensor> f = op(name);
    DoubleUnaryOperator r = ref(name);
    GradCheck.check(name, in -> f.apply(in[0]), in -> {
      double[] y = new double[in[0].length];
      for (int i = 0; i < y.length; i++) {
        y[i] = r.applyAsDouble(in[0][i]);
      }
      return y;
    }, 1e-5, 1e-4, x);
    assertEquals(gradFn, f.apply(x).gradFn().name());
  }
}
