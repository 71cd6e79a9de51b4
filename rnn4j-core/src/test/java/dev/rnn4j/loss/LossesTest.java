package dev.rnn4j.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.GradCheck;
import dev.rnn4j.util.ThreadTeam;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Cross-entropy and NLL against PyTorch 1.13 goldens (fx_optim.py) and a double-precision gradient check. */
class LossesTest {
  private static final SafeTensors.Contents FX = Fixtures.load("loss");

  @Test
  void everyReductionIgnoreAndSmoothingMatchesPyTorch() {
    String[] cases = FX.metadata().get("cases").split(",");
    assertTrue(cases.length >= 30, "expected the full grid of cases, got " + cases.length);
    for (String key : cases) {
      String[] f = key.split("\\.", 4); // fn, shape, reduction, "ignore.smoothing"
      String fn = f[0];
      String shape = f[1];
      Reduction r = Reduction.parse(f[2]);
      long ignore = Long.parseLong(f[3].substring(0, f[3].indexOf('.')));
      double smoothing = Double.parseDouble(f[3].substring(f[3].indexOf('.') + 1));
      Tensor x = Fixtures.get(FX, "x" + shape.charAt(0)).copy().requiresGrad(true);
      Tensor y = Fixtures.get(FX, "y" + shape.charAt(0)).copy();
      if (ignore != -100) { // the script maps -100 to class 3 when it is not the ignore index
        long[] d = y.longData();
        for (int i = 0; i < d.length; i++) {
          if (d[i] == -100) {
            d[i] = 3;
          }
        }
      }
      Tensor loss = fn.equals("ce")
          ? Losses.crossEntropy(x, y, ignore, r, smoothing)
          : Losses.nllLoss(x, y, ignore, r);
      Approx.assertClose(key + " loss", loss, Fixtures.get(FX, key + ".loss"), 1e-6, 1e-5);
      Tensor toBack = r == Reduction.NONE ? loss.mul(Fixtures.get(FX, "w" + shape.charAt(0))).sum() : loss;
      toBack.backward();
      Approx.assertClose(key + " grad", x.grad(), Fixtures.get(FX, key + ".grad"), 1e-6, 1e-5);
    }
  }

  @Test
  void meanOverOnlyIgnoredTargetsIsNaNAsInPyTorch() {
    assertTrue(Double.isNaN(Fixtures.get(FX, "ce.all_ignored.mean").item()));
    Tensor x = Tensor.of(new float[][] {{1, 2, 3}, {0, 0, 1}});
    Tensor loss = Losses.crossEntropy(x, Tensor.ofLongs(-100, -100), -100, Reduction.MEAN, 0.1);
    assertTrue(Double.isNaN(loss.item()));
  }

  @Test
  void hugeLogitsStayFinite() {
    Tensor x = Tensor.of(new float[][] {{1e30f, -1e30f, 0}, {88f, 89f, 90f}}).requiresGrad(true);
    Tensor loss = Losses.crossEntropy(x, Tensor.ofLongs(1, 2));
    assertTrue(Double.isFinite(loss.item()), "loss " + loss.item());
    loss.backward();
    for (float v : x.grad().data()) {
      assertTrue(Float.isFinite(v));
    }
    // row 0: -log p[1] = 2e30 in exact arithmetic, float32 rounds it to 1e30 - (-1e30) = 2e30
    assertEquals((2e30 + 0.40760596) / 2, loss.item(), 1e24);
  }

  @Test
  void doublePrecisionGradCheckWithSmoothingAndIgnore() {
    Generator gen = new Generator(3);
    int n = 3;
    int c = 4;
    int d = 2;
    Tensor x = Tensor.randn(gen, n, c, d).requiresGrad(true);
    long[] y = {2, 0, -1, 3, 1, 1}; // (n, d), -1 ignored
    Tensor target = Tensor.ofLongs(y, n, d);
    double eps = 0.3;
    for (Reduction r : Reduction.values()) {
      GradCheck.check(
          "cross_entropy " + r,
          in -> Losses.crossEntropy(in[0], target, -1, r, eps),
          in -> reference(in[0], y, n, c, d, eps, r),
          1e-5,
          1e-4,
          x);
    }
  }

  /** Double-precision cross-entropy, written from the formula. */
  private static double[] reference(double[] x, long[] y, int n, int c, int d, double eps, Reduction r) {
    double[] rows = new double[n * d];
    int count = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        if (y[i * d + j] == -1) {
          continue;
        }
        count++;
        double m = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < c; k++) {
          m = Math.max(m, x[(i * c + k) * d + j]);
        }
        double s = 0;
        for (int k = 0; k < c; k++) {
          s += Math.exp(x[(i * c + k) * d + j] - m);
        }
        double lse = m + Math.log(s);
        double sumLogp = 0;
        for (int k = 0; k < c; k++) {
          sumLogp += x[(i * c + k) * d + j] - lse;
        }
        double nll = -(x[(i * c + (int) y[i * d + j]) * d + j] - lse);
        rows[i * d + j] = (1 - eps) * nll - eps / c * sumLogp;
      }
    }
    if (r == Reduction.NONE) {
      return rows;
    }
    double t = 0;
    for (double v : rows) {
      t += v;
    }
    return new double[] {r == Reduction.MEAN ? t / count : t};
  }

  @Test
  void aBatchSplitOverThreadsGivesTheSameBitsAsOneThreadAndTheDoubleReference() {
    // 1000 rows of 50 classes with an inner dim: enough for two chunks of at least 1 << 14 logits each
    int n = 500;
    int c = 50;
    int d = 2;
    Generator gen = new Generator(11);
    Tensor x = Tensor.randn(gen, n, c, d).mul(Tensor.scalar(4f));
    long[] y = Tensor.randint(gen, 0, c, n * d).longData().clone();
    for (int i = 0; i < y.length; i += 7) {
      y[i] = -1; // ignored
    }
    Tensor target = Tensor.ofLongs(y, n, d);
    float[][] loss = new float[2][];
    float[][] grad = new float[2][];
    for (int threads = 1; threads <= 2; threads++) {
      try (ThreadTeam team = new ThreadTeam(threads); ThreadTeam.Scope scope = team.use()) {
        Tensor in = x.copy().requiresGrad(true);
        Tensor l = Losses.crossEntropy(in, target, -1, Reduction.NONE, 0.2);
        l.sum().backward();
        loss[threads - 1] = l.data().clone();
        grad[threads - 1] = in.grad().data().clone();
      }
    }
    assertArrayEquals(loss[0], loss[1], "loss on 1 and 2 threads");
    assertArrayEquals(grad[0], grad[1], "gradient on 1 and 2 threads");
    double[] xd = new double[x.numel()];
    for (int i = 0; i < xd.length; i++) {
      xd[i] = x.data()[i];
    }
    double[] want = reference(xd, y, n, c, d, 0.2, Reduction.NONE);
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], loss[0][i], 1e-5 * (1 + Math.abs(want[i])), "row " + i + " of " + Arrays.toString(
          Arrays.copyOfRange(loss[0], i, Math.min(loss[0].length, i + 3))));
    }
  }

  @Test
  void packedDataAndPaddedLogitsGiveTheSameLossAndGradients() {
    // (L=3, B=2, C=4) padded logits; sequence 1 has length 1, so its padded steps carry ignore_index targets
    Generator gen = new Generator(8);
    Tensor padded = Tensor.randn(gen, 3, 2, 4).requiresGrad(true);
    long[] tg = {1, 2, 3, -100, 0, -100}; // time-major (L, B)
    Tensor fromPadded = Losses.crossEntropy(padded.reshape(6, 4), Tensor.ofLongs(tg, 6), -100, Reduction.MEAN, 0.1);
    fromPadded.backward();
    Tensor padded2 = padded.detach().copy().requiresGrad(true);
    var packed = dev.rnn4j.nn.rnn.pack.Packing.packPaddedSequence(padded2, new int[] {3, 1}, false, true);
    assertEquals(4, packed.data().size(0)); // rows: t0 b0, t0 b1, t1 b0, t2 b0
    Tensor fromPacked = Losses.crossEntropy(packed.data(), Tensor.ofLongs(1, 2, 3, 0), -100, Reduction.MEAN, 0.1);
    fromPacked.backward();
    assertEquals(fromPadded.item(), fromPacked.item(), 1e-6);
    Approx.assertClose("padded vs packed gradient", padded2.grad(), padded.grad(), 1e-7, 1e-6);
  }

  @Test
  void badTargetsNameWhatWasExpected() {
    Tensor x = Tensor.zeros(2, 3);
    var e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, Tensor.ofLongs(0, 3)));
    assertTrue(e.getMessage().contains("target 3 at position 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, Tensor.ofLongs(0, 1, 2)));
    assertTrue(e.getMessage().contains("expected target of shape [2]"), e.getMessage());
    e = assertThrows(
        IllegalArgumentException.class,
        () -> Losses.crossEntropy(x, Tensor.ofLongs(0, 1), -100, Reduction.MEAN, 1.5));
    assertTrue(e.getMessage().contains("label_smoothing"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Reduction.parse("avg"));
    assertTrue(e.getMessage().contains("none, mean or sum"), e.getMessage());
  }
}
