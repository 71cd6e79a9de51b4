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
      out[outOff + i] = (float) Math.tanh(x[xOff + i]);
    }
  }

  @Override
  public void sigmoid(float[] out, int outOff, float[] x, int xOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = sigmoid(x[xOff + i]);
    }
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
