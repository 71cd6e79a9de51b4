package dev.rnn4j.tensor.kernel;

/** The reference kernels: plain loops, correct on every JVM. The vector kernels are tested against these. */
public final class ScalarKernels implements Kernels {
  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public float dot(float[] x, int xOff, float[] y, int yOff, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) {
      s = Math.fma(x[xOff + i], y[yOff + i], s);
    }
    return s;
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }
  }

  @Override
  public void add(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = x[xOff + i] + y[yOff + i];
    }
  }

  @Override
  public void mul(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = x[xOff + i] * y[yOff + i];
    }
  }

  @Override
  public void scale(float[] out, int outOff, float a, float[] x, int xOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = a * x[xOff + i];
    }
  }

  @Override
  public float sum(float[] x, int xOff, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) {
      s += x[xOff + i];
    }
    return s;
  }

  @Override
  public void exp(float[] out, int outOff, float[] x, int xOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = (float) Math.exp(x[xOff + i]);
    }
  }

  @Override
  public void tanh(float[] out, int outOff, float[] x, int xOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = tanh(x[xOff + i]);
    }
  }

  @Override
  public void sigmoid(float[] out, int outOff, float[] x, int xOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = sigmoid(x[xOff + i]);
    }
  }

  /**
   * One tanh through the intrinsic {@link Math#exp} in double: {@code 1 - 2 / (e^{2|x|} + 1)} with the sign restored.
   * {@link Math#tanh} is not intrinsified on common JDKs (it made up most of the recurrent gate time). Below
   * {@code |x| = 2^-10} the subtraction would cancel (to 0 for tiny x), so there the series {@code x - x^3/3} is
   * used (next term {@code 2x^5/15}, relative 1e-7 of x^2 = 1e-13); above it the cancellation costs relative 1e-13 at
   * worst. In double both are far below float32 rounding: within 1 ulp of {@code (float) Math.tanh} by test.
   */
  public static float tanh(float v) {
    double a = Math.abs((double) v);
    if (a < 0x1p-10) {
      double x = v;
      return (float) (x * (1 - x * x / 3)); // keeps the sign of -0
    }
    double t = 1.0 - 2.0 / (Math.exp(2.0 * a) + 1.0);
    return (float) (v < 0 ? -t : t);
  }

  /** One sigmoid, stable at both tails. */
  public static float sigmoid(float v) {
    if (v >= 0) {
      return (float) (1.0 / (1.0 + Math.exp(-v)));
    }
    double e = Math.exp(v);
    return (float) (e / (1.0 + e));
  }
}
