package dev.rnn4j.tensor.kernel;

/**
 * The hand-written elementwise and reduction kernels over {@code float[]}. Two implementations exist and must agree:
 * {@link ScalarKernels} (plain loops, the reference) and {@code VectorKernels} (the Vector API). {@link
 * KernelSelector} picks one at start-up.
 *
 * <p>Signatures put the output first and give every array an explicit offset: {@code (out, outOff, x, xOff, ..., n)}.
 * Outputs may alias inputs at the same offset.
 */
public interface Kernels {
  /** A short name for logs and benchmark output, e.g. {@code "vector-512"} or {@code "scalar"}. */
  String name();

  /** {@code sum_i x[i] * y[i]}. */
  float dot(float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code y[i] += a * x[i]}. */
  void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code out[i] = x[i] + y[i]}. */
  void add(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code out[i] = x[i] * y[i]}. */
  void mul(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code out[i] = a * x[i]}. */
  void scale(float[] out, int outOff, float a, float[] x, int xOff, int n);

  /** {@code sum_i x[i]}. */
  float sum(float[] x, int xOff, int n);

  /** {@code out[i] = e^x[i]}. */
  void exp(float[] out, int outOff, float[] x, int xOff, int n);

  /** {@code out[i] = tanh(x[i])}. */
  void tanh(float[] out, int outOff, float[] x, int xOff, int n);

  /** {@code out[i] = 1 / (1 + e^-x[i])}. */
  void sigmoid(float[] out, int outOff, float[] x, int xOff, int n);
}
