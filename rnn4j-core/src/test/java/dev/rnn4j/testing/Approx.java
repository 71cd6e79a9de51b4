package dev.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn4j.tensor.Tensor;

/**
 * Closeness checks that say where and by how much they fail (llm.c's "maxdiff"): {@code |a - b| <= atol + rtol |b|}
 * elementwise, with {@code b} the reference.
 */
public final class Approx {
  /**
   * {@code -Drnn4j.measureTolerance=true} prints every comparison's largest errors and the share of its tolerance
   * they use, to choose tolerances from measurement.
   */
  private static final boolean MEASURE = Boolean.getBoolean("rnn4j.measureTolerance");

  private Approx() {}

  private static String callerClass() {
    return StackWalker.getInstance().walk(s -> s.map(StackWalker.StackFrame::getClassName)
        .filter(n -> !n.startsWith(Approx.class.getPackageName())).findFirst().orElse("?"));
  }

  public static void assertClose(String what, Tensor actual, Tensor expected, double atol, double rtol) {
    if (!actual.shape().equals(expected.shape())) {
      fail(what + ": shape " + actual.shape() + ", expected " + expected.shape());
    }
    assertClose(what, actual.toFloatArray(), toDouble(expected.toFloatArray()), atol, rtol);
  }

  public static void assertClose(String what, float[] actual, double[] expected, double atol, double rtol) {
    if (actual.length != expected.length) {
      fail(what + ": " + actual.length + " elements, expected " + expected.length);
    }
    double maxAbs = 0;
    double maxRel = 0;
    double used = 0;
    int worst = -1;
    int bad = 0;
    for (int i = 0; i < actual.length; i++) {
      double a = actual[i];
      double b = expected[i];
      if (Double.isNaN(a) != Double.isNaN(b)) {
        fail(what + ": element " + i + " is " + a + ", expected " + b);
      }
      if (Double.isNaN(a) || (Double.isInfinite(b) && a == b)) {
        continue;
      }
      double d = Math.abs(a - b);
      if (d > atol + rtol * Math.abs(b)) {
        bad++;
        if (worst < 0 || d > maxAbs) {
          worst = i;
        }
      }
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / Math.max(Math.abs(b), 1e-30));
      used = Math.max(used, d / (atol + rtol * Math.abs(b)));
    }
    if (MEASURE) {
      System.out.printf("tolerance-measure %s | %s | max abs %.3e | max rel %.3e | atol %.1e rtol %.1e | used %.4f%n",
          callerClass(), what, maxAbs, maxRel, atol, rtol, used);
    }
    if (bad > 0) {
      fail(String.format(
          "%s: %d of %d elements off (atol %.1e, rtol %.1e); worst at %d: %s vs expected %s; max abs %.3e, max rel %.3e",
          what, bad, actual.length, atol, rtol, worst, actual[worst], expected[worst], maxAbs, maxRel));
    }
  }

  public static void assertClose(String what, float[] actual, float[] expected, double atol, double rtol) {
    assertClose(what, actual, toDouble(expected), atol, rtol);
  }

  /** Largest absolute difference. */
  public static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  public static double[] toDouble(float[] x) {
    double[] r = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = x[i];
    }
    return r;
  }
}
