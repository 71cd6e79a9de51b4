package dev.rnn4j.bench;

import dev.rnn4j.tensor.kernel.ScalarKernels;
import dev.rnn4j.tensor.kernel.VectorKernels;

/**
 * Error in float ulps of exp, tanh and sigmoid, scalar ({@link Math} in double, rounded to float) and lanewise
 * ({@link VectorKernels} at the preferred width), against a double-precision reference, over every 97th float bit pattern in [-20, 20] (exp:
 * [-80, 80]). Prints the maximum and mean ulp error of each.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp rnn4j-bench/target/rnn4j-benchmarks.jar
 * dev.rnn4j.bench.TranscendentalAccuracy}
 */
public final class TranscendentalAccuracy {
  private TranscendentalAccuracy() {}

  public static void main(String[] args) {
    ScalarKernels s = new ScalarKernels();
    VectorKernels v = VectorKernels.forBits(0, true);
    report("exp", 80f, Math::exp, (o, x, n) -> s.exp(o, 0, x, 0, n), (o, x, n) -> v.exp(o, 0, x, 0, n));
    report("tanh", 20f, Math::tanh, (o, x, n) -> s.tanh(o, 0, x, 0, n), (o, x, n) -> v.tanh(o, 0, x, 0, n));
    report("sigmoid", 20f, z -> 1 / (1 + Math.exp(-z)), (o, x, n) -> s.sigmoid(o, 0, x, 0, n),
        (o, x, n) -> v.sigmoid(o, 0, x, 0, n));
  }

  interface Kernel {
    void run(float[] out, float[] x, int n);
  }

  private static void report(String name, float range, java.util.function.DoubleUnaryOperator ref, Kernel scalar,
      Kernel lanewise) {
    java.util.List<Float> xs = new java.util.ArrayList<>();
    for (int bits = 0; Float.intBitsToFloat(bits) <= range; bits += 97) {
      float v = Float.intBitsToFloat(bits);
      xs.add(v);
      xs.add(-v);
    }
    int n = xs.size();
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = xs.get(i);
    }
    float[] a = new float[n];
    float[] b = new float[n];
    // Warm up on small chunks first so the measured values come from C2-compiled (intrinsified) code, then run
    // the whole range in chunks, as the kernels are called in practice.
    float[] w = new float[256];
    for (int rep = 0; rep < 50_000; rep++) {
      scalar.run(w, x, 256);
      lanewise.run(w, x, 256);
    }
    int chunk = 4096;
    for (int at = 0; at < n; at += chunk) {
      int len = Math.min(chunk, n - at);
      float[] xc = java.util.Arrays.copyOfRange(x, at, at + len);
      float[] ac = new float[len];
      float[] bc = new float[len];
      scalar.run(ac, xc, len);
      lanewise.run(bc, xc, len);
      System.arraycopy(ac, 0, a, at, len);
      System.arraycopy(bc, 0, b, at, len);
    }
    double maxA = 0;
    double maxB = 0;
    double sumA = 0;
    double sumB = 0;
    float worstB = 0;
    for (int i = 0; i < n; i++) {
      double r = ref.applyAsDouble(x[i]);
      double ulp = Math.ulp((float) r);
      if (ulp == 0 || Double.isInfinite(r) || ulp < Float.MIN_NORMAL) {
        continue; // subnormal or overflowed results: not informative
      }
      double ea = Math.abs(a[i] - r) / ulp;
      double eb = Math.abs(b[i] - r) / ulp;
      maxA = Math.max(maxA, ea);
      if (eb > maxB) {
        maxB = eb;
        worstB = x[i];
      }
      sumA += ea;
      sumB += eb;
    }
    System.out.printf(
        "%-8s %d points: scalar max %.3f ulp (mean %.4f), lanewise max %.3f ulp (mean %.4f, worst at x=%s)%n",
        name, n, maxA, sumA / n, maxB, sumB / n, worstB);
  }
}
