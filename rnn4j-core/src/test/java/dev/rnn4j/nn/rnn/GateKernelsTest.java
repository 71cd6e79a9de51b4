package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.kernel.ScalarKernels;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.tensor.kernel.KernelSelector;
import dev.rnn4j.tensor.kernel.Kernels;
import dev.rnn4j.tensor.kernel.VectorKernels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused gate kernels against their scalar twin {@link GateKernelsReference}, forward and backward, on odd sizes
 * (below, at and past each vector width, so both the lanewise bodies and the scalar tails run), non-zero offsets into
 * the saved arrays and large pre-activations (saturated gates), on every kernel set: scalar, and the Vector API at
 * 128, 256 and 512 bits with lanewise transcendentals (within 2-3 ulp of the scalar ones, see KernelTwinsTest).
 * The tolerance, 1e-6 absolute plus 1e-6 relative against the double-precision reference, is about 8 float ulps
 * near 1: a few ulps of the activations and the rounding of the cell update, not more.
 */
class GateKernelsTest {
  private static final double TOL = 1e-6;

  static List<Kernels> kernelSets() {
    List<Kernels> all = new ArrayList<>();
    all.add(new ScalarKernels());
    if (KernelSelector.vectorApiAvailable()) {
      for (int bits : new int[] {128, 256, 512}) {
        all.add(VectorKernels.forBits(bits, true));
      }
    }
    return all;
  }

  @Test
  void theTestsSeeTheVectorKernels() {
    org.junit.jupiter.api.Assumptions.assumeTrue(KernelSelector.vectorApiAvailable(),
        "jdk.incubator.vector is not loaded in this leg: only the scalar kernels exist");
    org.junit.jupiter.api.Assertions.assertEquals(4, kernelSets().size(),
        "the Vector API module is loaded, so every width must be covered");
  }

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
      float got = ScalarKernels.tanh(v);
      org.junit.jupiter.api.Assertions.assertTrue(Math.abs(got - expected) <= Math.ulp(expected),
          "tanh(" + v + ") = " + got + ", expected " + expected);
    }
    org.junit.jupiter.api.Assertions.assertEquals(1f, ScalarKernels.tanh(1e30f));
    org.junit.jupiter.api.Assertions.assertEquals(-1f, ScalarKernels.tanh(-1e30f));
    org.junit.jupiter.api.Assertions.assertEquals(0f, ScalarKernels.tanh(0f));
    org.junit.jupiter.api.Assertions.assertEquals(-0f, ScalarKernels.tanh(-0f));
    for (float tiny : new float[] {1e-30f, -1e-30f, Float.MIN_VALUE, 1e-7f, -3e-5f, 9.7e-4f, 9.8e-4f}) {
      org.junit.jupiter.api.Assertions.assertEquals((float) Math.tanh(tiny), ScalarKernels.tanh(tiny),
          Math.ulp((float) Math.tanh(tiny)), "tanh(" + tiny + ")");
    }
    org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(ScalarKernels.tanh(Float.NaN)));
  }

  /**
   * The forward kernels cut by hidden units, at bounds that are multiples of 16 (every vector length), give the bits
   * of one call over all units; sizes include one whose last slice has a scalar tail. The GRU kernel reads the old
   * state from one array and writes the new one to another, as a step cut by units over threads does.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("kernelSets")
  void forwardKernelsCutByUnitsGiveTheBitsOfOneCall(Kernels k) {
    Generator g = new Generator(9);
    for (int hs : new int[] {32, 64, 77}) {
      int n = 3;
      int off = 1;
      int[] cuts = hs == 32 ? new int[] {0, 16, 32} : new int[] {0, 16, 48, hs};
      float[] c0 = rand(g, n * hs, 1);
      float[] h0 = rand(g, n * hs, 1);
      // LSTM
      float[] xg4 = rand(g, (off + n) * 4 * hs, 4);
      float[] hg4 = rand(g, n * 4 * hs, 4);
      float[] cWhole = c0.clone();
      float[] hWhole = new float[n * hs];
      float[] actWhole = new float[(off + n) * 4 * hs];
      float[] tcWhole = new float[(off + n) * hs];
      GateKernels.lstmForward(k, 0, n, hs, xg4, off * 4 * hs, hg4, cWhole, hWhole, actWhole, off * 4 * hs, tcWhole,
          off * hs);
      for (boolean save : new boolean[] {true, false}) {
        float[] cCut = c0.clone();
        float[] hCut = new float[n * hs];
        float[] actCut = save ? new float[(off + n) * 4 * hs] : null;
        float[] tcCut = save ? new float[(off + n) * hs] : null;
        for (int i = 0; i + 1 < cuts.length; i++) {
          GateKernels.lstmForward(k, 0, n, cuts[i], cuts[i + 1], hs, xg4, off * 4 * hs, hg4, cCut, hCut, actCut,
              off * 4 * hs, tcCut, off * hs);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(cWhole, cCut, "LSTM c, hs=" + hs + " save=" + save);
        org.junit.jupiter.api.Assertions.assertArrayEquals(hWhole, hCut, "LSTM h, hs=" + hs + " save=" + save);
        if (save) {
          org.junit.jupiter.api.Assertions.assertArrayEquals(actWhole, actCut, "LSTM act, hs=" + hs);
          org.junit.jupiter.api.Assertions.assertArrayEquals(tcWhole, tcCut, "LSTM tanh c, hs=" + hs);
        }
      }
      // GRU
      float[] xg3 = rand(g, (off + n) * 3 * hs, 4);
      float[] hg3 = rand(g, n * 3 * hs, 4);
      float[] hInPlace = h0.clone();
      float[] act3Whole = new float[(off + n) * 3 * hs];
      float[] hnWhole = new float[(off + n) * hs];
      GateKernels.gruForward(k, 0, n, hs, xg3, off * 3 * hs, hg3, hInPlace, act3Whole, off * 3 * hs, hnWhole,
          off * hs);
      float[] hOut = new float[n * hs];
      float[] act3Cut = new float[(off + n) * 3 * hs];
      float[] hnCut = new float[(off + n) * hs];
      for (int i = 0; i + 1 < cuts.length; i++) {
        GateKernels.gruForward(k, 0, n, cuts[i], cuts[i + 1], hs, xg3, off * 3 * hs, hg3, h0, hOut, act3Cut,
            off * 3 * hs, hnCut, off * hs);
      }
      org.junit.jupiter.api.Assertions.assertArrayEquals(hInPlace, hOut, "GRU h, hs=" + hs);
      org.junit.jupiter.api.Assertions.assertArrayEquals(act3Whole, act3Cut, "GRU act, hs=" + hs);
      org.junit.jupiter.api.Assertions.assertArrayEquals(hnWhole, hnCut, "GRU W_hn h + b_hn, hs=" + hs);
      // Elman
      for (boolean relu : new boolean[] {false, true}) {
        float[] xg1 = rand(g, (off + n) * hs, 4);
        float[] hg1 = rand(g, n * hs, 4);
        float[] hW = new float[n * hs];
        float[] hC = new float[n * hs];
        GateKernels.rnnForward(k, 0, n, hs, relu, xg1, off * hs, hg1, hW, null, 0);
        for (int i = 0; i + 1 < cuts.length; i++) {
          GateKernels.rnnForward(k, 0, n, cuts[i], cuts[i + 1], hs, relu, xg1, off * hs, hg1, hC, null, 0);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(hW, hC, "Elman h, hs=" + hs + " relu=" + relu);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kernelSets")
  void lstmForwardAndBackward(Kernels k) {
    Generator g = new Generator(1);
    for (int hs : new int[] {1, 3, 7, 17, 33, 70}) {
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
        GateKernels.lstmForward(k, 0, n, hs, xg, off * 4 * hs, hg, c1, h1, act1, off * 4 * hs, tc1, off * hs);
        GateKernelsReference.lstmForward(0, n, hs, xg, off * 4 * hs, hg, c2, h2, act2, off * 4 * hs, tc2, off * hs);
        Approx.assertClose("c", c1, c2, TOL, TOL);
        Approx.assertClose("h", h1, h2, TOL, TOL);
        Approx.assertClose("act", act1, act2, TOL, TOL);
        Approx.assertClose("tanh c", tc1, tc2, TOL, TOL);
        float[] c3 = c0.clone(); // without saving: the scratch path must give the same bits
        float[] h3 = new float[n * hs];
        GateKernels.lstmForward(k, 0, n, hs, xg, off * 4 * hs, hg, c3, h3, null, 0, null, 0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(c1, c3, "c without saving");
        org.junit.jupiter.api.Assertions.assertArrayEquals(h1, h3, "h without saving");
        float[] cPrev = new float[(off + n) * hs];
        System.arraycopy(c0, 0, cPrev, off * hs, n * hs);
        float[] dh = rand(g, n * hs, 1);
        float[] dc1 = rand(g, n * hs, 1);
        float[] dc2 = dc1.clone();
        float[] dG1 = new float[(off + n) * 4 * hs];
        float[] dG2 = new float[(off + n) * 4 * hs];
        GateKernels.lstmBackward(0, n, hs, dh, dc1, act2, off * 4 * hs, tc2, off * hs, cPrev, off * hs, dG1, off * 4 * hs);
        GateKernelsReference.lstmBackward(
            0, n, hs, dh, dc2, act2, off * 4 * hs, tc2, off * hs, cPrev, off * hs, dG2, off * 4 * hs);
        Approx.assertClose("dG", dG1, dG2, TOL, TOL);
        Approx.assertClose("dc", dc1, dc2, TOL, TOL);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kernelSets")
  void gruForwardAndBackward(Kernels k) {
    Generator g = new Generator(2);
    for (int hs : new int[] {1, 4, 9, 33, 70}) {
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
        GateKernels.gruForward(k, 0, n, hs, xg, off * 3 * hs, hg, h1, act1, off * 3 * hs, hn1, off * hs);
        GateKernelsReference.gruForward(0, n, hs, xg, off * 3 * hs, hg, h2, act2, off * 3 * hs, hn2, off * hs);
        Approx.assertClose("h", h1, h2, TOL, TOL);
        Approx.assertClose("act", act1, act2, TOL, TOL);
        Approx.assertClose("hn", hn1, hn2, TOL, TOL);
        float[] h3 = h0.clone();
        GateKernels.gruForward(k, 0, n, hs, xg, off * 3 * hs, hg, h3, null, 0, null, 0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(h1, h3, "h without saving");
        float[] hPrev = new float[(off + n) * hs];
        System.arraycopy(h0, 0, hPrev, off * hs, n * hs);
        float[] dh1 = rand(g, n * hs, 1);
        float[] dh2 = dh1.clone();
        float[] dGi1 = new float[(off + n) * 3 * hs];
        float[] dGh1 = new float[(off + n + 1) * 3 * hs]; // dGh at another offset than dGi
        float[] dGi2 = new float[(off + n) * 3 * hs];
        float[] dGh2 = new float[(off + n + 1) * 3 * hs];
        GateKernels.gruBackward(0, n, hs, dh1, hPrev, off * hs, act2, off * 3 * hs, hn2, off * hs, dGi1, off * 3 * hs,
            dGh1, (off + 1) * 3 * hs);
        GateKernelsReference.gruBackward(0, n, hs, dh2, hPrev, off * hs, act2, off * 3 * hs, hn2, off * hs, dGi2,
            off * 3 * hs, dGh2, (off + 1) * 3 * hs);
        Approx.assertClose("dGi", dGi1, dGi2, TOL, TOL);
        Approx.assertClose("dGh", dGh1, dGh2, TOL, TOL);
        Approx.assertClose("dh direct", dh1, dh2, TOL, TOL);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kernelSets")
  void rnnForwardAndBackward(Kernels k) {
    Generator g = new Generator(3);
    for (boolean relu : new boolean[] {false, true}) {
      for (int hs : new int[] {1, 5, 16, 33, 70}) {
        int n = 3;
        int off = 1;
        float[] xg = rand(g, (off + n) * hs, 2);
        float[] hg = rand(g, n * hs, 2);
        float[] h1 = new float[n * hs];
        float[] h2 = new float[n * hs];
        float[] a1 = new float[(off + n) * hs];
        float[] a2 = new float[(off + n) * hs];
        GateKernels.rnnForward(k, 0, n, hs, relu, xg, off * hs, hg, h1, a1, off * hs);
        GateKernelsReference.rnnForward(0, n, hs, relu, xg, off * hs, hg, h2, a2, off * hs);
        Approx.assertClose("h", h1, h2, TOL, TOL);
        float[] dh = rand(g, n * hs, 1);
        float[] d1 = new float[(off + n) * hs];
        float[] d2 = new float[(off + n) * hs];
        GateKernels.rnnBackward(0, n, hs, relu, dh, a2, off * hs, d1, off * hs);
        GateKernelsReference.rnnBackward(0, n, hs, relu, dh, a2, off * hs, d2, off * hs);
        Approx.assertClose("dG", d1, d2, TOL, TOL);
      }
    }
  }
}
