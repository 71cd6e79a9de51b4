package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.testing.Approx;
import org.junit.jupiter.api.Test;

/**
 * The fused gate kernels against their scalar twin {@link GateKernelsReference}, forward and backward, on odd sizes,
 * non-zero offsets into the saved arrays and large pre-activations (saturated gates).
 */
class GateKernelsTest {
  private static final double TOL = 1e-6;

  private static float[] rand(Generator g, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (g.nextGaussian() * scale);
    }
    return a;
  }

  @Test
  void tanhAndSigmoidAreFloatExact() {
    for (int i = -400000; i <= 400000; i++) {
      float v = i * 1e-4f * (i % 7 == 0 ? 3 : 1);
      float expected = (float) Math.tanh(v);
      float got = GateKernels.tanh(v);
      org.junit.jupiter.api.Assertions.assertTrue(Math.abs(got - expected) <= Math.ulp(expected),
          "tanh(" + v + ") = " + got + ", expected " + expected);
    }
    org.junit.jupiter.api.Assertions.assertEquals(1f, GateKernels.tanh(1e30f));
    org.junit.jupiter.api.Assertions.assertEquals(-1f, GateKernels.tanh(-1e30f));
    org.junit.jupiter.api.Assertions.assertEquals(0f, GateKernels.tanh(0f));
    org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(GateKernels.tanh(Float.NaN)));
  }

  @Test
  void lstmForwardAndBackward() {
    Generator g = new Generator(1);
    for (int hs : new int[] {1, 3, 7, 17}) {
      for (double scale : new double[] {0.5, 8}) {
        int n = 3;
        int off = 2; // packed row offset into the saved arrays
        float[] xg = rand(g, (off + n) * 4 * hs, scale);
        float[] hg = rand(g, n * 4 * hs, scale);
        float[] c0 = rand(g, n * hs, 1);
        float[] c1 = c0.clone();
        float[] c2 = c0.clone();
        float[] h1 = new float[n * hs];
        float[] h2 = new float[n * hs];
        float[] act1 = new float[(off + n) * 4 * hs];
        float[] act2 = new float[(off + n) * 4 * hs];
        float[] tc1 = new float[(off + n) * hs];
        float[] tc2 = new float[(off + n) * hs];
        GateKernels.lstmForward(n, hs, xg, off * 4 * hs, hg, c1, h1, act1, off * 4 * hs, tc1, off * hs);
        GateKernelsReference.lstmForward(n, hs, xg, off * 4 * hs, hg, c2, h2, act2, off * 4 * hs, tc2, off * hs);
        Approx.assertClose("c", c1, c2, TOL, TOL);
        Approx.assertClose("h", h1, h2, TOL, TOL);
        Approx.assertClose("act", act1, act2, TOL, TOL);
        float[] cPrev = new float[(off + n) * hs];
        System.arraycopy(c0, 0, cPrev, off * hs, n * hs);
        float[] dh = rand(g, n * hs, 1);
        float[] dc1 = rand(g, n * hs, 1);
        float[] dc2 = dc1.clone();
        float[] dG1 = new float[(off + n) * 4 * hs];
        float[] dG2 = new float[(off + n) * 4 * hs];
        GateKernels.lstmBackward(n, hs, dh, dc1, act2, off * 4 * hs, tc2, off * hs, cPrev, off * hs, dG1, off * 4 * hs);
        GateKernelsReference.lstmBackward(
            n, hs, dh, dc2, act2, off * 4 * hs, tc2, off * hs, cPrev, off * hs, dG2, off * 4 * hs);
        Approx.assertClose("dG", dG1, dG2, TOL, TOL);
        Approx.assertClose("dc", dc1, dc2, TOL, TOL);
      }
    }
  }

  @Test
  void gruForwardAndBackward() {
    Generator g = new Generator(2);
    for (int hs : new int[] {1, 4, 9}) {
      for (double scale : new double[] {0.5, 8}) {
        int n = 2;
        int off = 3;
        float[] xg = rand(g, (off + n) * 3 * hs, scale);
        float[] hg = rand(g, n * 3 * hs, scale);
        float[] h0 = rand(g, n * hs, 1);
        float[] h1 = h0.clone();
        float[] h2 = h0.clone();
        float[] act1 = new float[(off + n) * 3 * hs];
        float[] act2 = new float[(off + n) * 3 * hs];
        float[] hn1 = new float[(off + n) * hs];
        float[] hn2 = new float[(off + n) * hs];
        GateKernels.gruForward(n, hs, xg, off * 3 * hs, hg, h1, act1, off * 3 * hs, hn1, off * hs);
        GateKernelsReference.gruForward(n, hs, xg, off * 3 * hs, hg, h2, act2, off * 3 * hs, hn2, off * hs);
        Approx.assertClose("h", h1, h2, TOL, TOL);
        Approx.assertClose("act", act1, act2, TOL, TOL);
        Approx.assertClose("hn", hn1, hn2, TOL, TOL);
        float[] hPrev = new float[(off + n) * hs];
        System.arraycopy(h0, 0, hPrev, off * hs, n * hs);
        float[] dh1 = rand(g, n * hs, 1);
        float[] dh2 = dh1.clone();
        float[] dGi1 = new float[(off + n) * 3 * hs];
        float[] dGh1 = new float[(off + n) * 3 * hs];
        float[] dGi2 = new float[(off + n) * 3 * hs];
        float[] dGh2 = new float[(off + n) * 3 * hs];
        GateKernels.gruBackward(n, hs, dh1, hPrev, off * hs, act2, off * 3 * hs, hn2, off * hs, dGi1, dGh1,
            off * 3 * hs);
        GateKernelsReference.gruBackward(n, hs, dh2, hPrev, off * hs, act2, off * 3 * hs, hn2, off * hs, dGi2, dGh2,
            off * 3 * hs);
        Approx.assertClose("dGi", dGi1, dGi2, TOL, TOL);
        Approx.assertClose("dGh", dGh1, dGh2, TOL, TOL);
        Approx.assertClose("dh direct", dh1, dh2, TOL, TOL);
      }
    }
  }

  @Test
  void rnnForwardAndBackward() {
    Generator g = new Generator(3);
    for (boolean relu : new boolean[] {false, true}) {
      for (int hs : new int[] {1, 5, 16}) {
        int n = 3;
        int off = 1;
        float[] xg = rand(g, (off + n) * hs, 2);
        float[] hg = rand(g, n * hs, 2);
        float[] h1 = new float[n * hs];
        float[] h2 = new float[n * hs];
        float[] a1 = new float[(off + n) * hs];
        float[] a2 = new float[(off + n) * hs];
        GateKernels.rnnForward(n, hs, relu, xg, off * hs, hg, h1, a1, off * hs);
        GateKernelsReference.rnnForward(n, hs, relu, xg, off * hs, hg, h2, a2, off * hs);
        Approx.assertClose("h", h1, h2, TOL, TOL);
        float[] dh = rand(g, n * hs, 1);
        float[] d1 = new float[(off + n) * hs];
        float[] d2 = new float[(off + n) * hs];
        GateKernels.rnnBackward(n, hs, relu, dh, a2, off * hs, d1, off * hs);
        GateKernelsReference.rnnBackward(n, hs, relu, dh, a2, off * hs, d2, off * hs);
        Approx.assertClose("dG", d1, d2, TOL, TOL);
      }
    }
  }
}
