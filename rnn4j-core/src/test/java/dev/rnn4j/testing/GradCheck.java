package dev.rnn4j.testing;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.function.Function;

/**
 * Finite-difference gradient checks in double precision (STYLE.md 3.9.2).
 *
 * <p>The op under test runs in float32 with autograd. Beside it, the test gives a double-precision reference of the
 * same function. The check (1) compares the forward values, (2) projects the output on a fixed random tensor
 * {@code R} so that one scalar {@code L = sum(f(x) * R)} exercises every output element, (3) computes
 * {@code dL/dx} by central differences {@code (L(x+e) - L(x-e)) / 2e} on the double reference with {@code e = 1e-6},
 * and (4) compares those with the float32 autograd gradients. The reference is checked by the golden PyTorch
 * fixtures elsewhere, so together they pin the backward of every op.
 */
public final class GradCheck {
  /** A double-precision reference: inputs (flattened, in the op's input order) to the flattened output. */
  @FunctionalInterface
  public interface Reference {
    double[] apply(double[][] inputs);
  }

  private GradCheck() {}

  /**
   * Checks {@code op} against {@code ref} at {@code inputs} (float tensors; each one requiring grad is checked).
   *
   * @param fwdTol tolerance of the forward comparison (absolute and relative)
   * @param gradTol tolerance of the gradient comparison (absolute and relative)
   */
  public static void check(
      String name, Function<Tensor[], Tensor> op, Reference ref, double fwdTol, double gradTol, Tensor... inputs) {
    Tensor out = op.apply(inputs);
    double[][] x = new double[inputs.length][];
    for (int i = 0; i < inputs.length; i++) {
      x[i] = Approx.toDouble(inputs[i].toFloatArray());
    }
    double[] refOut = ref.apply(x);
    Approx.assertClose(name + " forward", out.toFloatArray(), refOut, fwdTol, fwdTol);

    Generator gen = new Generator(1234);
    float[] r = new float[out.numel()];
    for (int i = 0; i < r.length; i++) {
      r[i] = (float) (gen.nextDouble() * 2 - 1);
    }
    Tensor proj = Tensor.wrap(r, out.shape());
    for (Tensor t : inputs) {
      t.zeroGrad();
    }
    out.mul(proj).sum().backward();

    double eps = 1e-6;
    for (int i = 0; i < inputs.length; i++) {
      if (!inputs[i].requiresGrad()) {
        continue;
      }
      double[] numeric = new double[x[i].length];
      for (int j = 0; j < x[i].length; j++) {
        double keep = x[i][j];
        x[i][j] = keep + eps;
        double up = dot(ref.apply(x), r);
        x[i][j] = keep - eps;
        double down = dot(ref.apply(x), r);
        x[i][j] = keep;
        numeric[j] = (up - down) / (2 * eps);
      }
      Tensor g = inputs[i].grad();
      float[] analytic = g == null ? new float[numeric.length] : g.toFloatArray();
      Approx.assertClose(name + " d/d input " + i, analytic, numeric, gradTol, gradTol);
    }
  }

  private static double dot(double[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
