package dev.rnn4j.runtime;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.gemm.Gemm;
import dev.rnn4j.tensor.kernel.KernelSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link EveryWidthTest} runs inside a runtime of a given width (loaded in its own class loader): GEMM products
 * through every path against the naive twin, and recurrent layers (kept packed weights, unit-cut steps, training
 * forward and backward) whose outputs and gradients the test compares across widths. Only static methods with JDK
 * types in their signatures, so the test can call them across class loaders.
 */
public final class WidthProbe {
  private WidthProbe() {}

  /** The kernels' name and the GEMM implementation of this runtime. */
  public static String describe() {
    return KernelSelector.kernels().name() + " / " + Gemm.implementation();
  }

  /**
   * Worst error (relative to the largest element) of {@code Gemm.sgemm} against {@code Gemm.sgemmNaive} over shapes that reach the packed
   * GEMM (both transposes, k past a reduction block), the few-row kernel and the matrix-vector path, and of a kept
   * packed operand over row counts 1..12 and 40.
   */
  public static double gemmWorstRelativeError(long seed) {
    Generator g = new Generator(seed);
    double worst = 0;
    int[][] shapes = {{1, 70, 300}, {2, 45, 33}, {5, 130, 64}, {10, 96, 257}, {37, 200, 300}, {64, 64, 64}};
    for (int[] s : shapes) {
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          int m = s[0];
          int n = s[1];
          int k = s[2];
          float[] a = random(g, m * k);
          float[] b = random(g, k * n);
          float[] c = random(g, m * n);
          float[] want = c.clone();
          Gemm.sgemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.25f, c, 0, n);
          Gemm.sgemmNaive(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.25f, want, 0, n);
          worst = Math.max(worst, relErr(c, want));
        }
      }
    }
    int k = 300;
    int n = 70;
    float[] w = random(g, n * k);
    var kept = Gemm.packKept(true, k, n, w, 0, k);
    for (int m : new int[] {1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 40}) {
      float[] a = random(g, m * k);
      float[] c = new float[m * n];
      float[] want = new float[m * n];
      Gemm.sgemm(false, m, 1f, a, 0, k, kept, 0f, c, 0, n);
      Gemm.sgemmNaive(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, want, 0, n);
      worst = Math.max(worst, relErr(c, want));
    }
    return worst;
  }

  /**
   * Outputs, final states and parameter gradients of a 2-layer bidirectional LSTM and GRU (hidden 64, so steps are
   * cut by units at every width) on a packed-shaped padded batch, inference (kept packed weights, batch 5) and
   * training, flattened in a fixed order.
   */
  public static List<float[]> recurrentResults(long seed) {
    List<float[]> out = new ArrayList<>();
    for (int kind = 0; kind < 2; kind++) {
      Generator g = new Generator(seed + kind);
      RnnConfig config = RnnConfig.builder(24, 64).numLayers(2).bidirectional(true).build();
      RnnBase rnn = kind == 0 ? new Lstm(config, g) : new Gru(config, g);
      Tensor x = Tensor.randn(g, 7, 5, 24);
      try (GradMode off = GradMode.disable()) {
        for (int rep = 0; rep < 2; rep++) { // the second call reads the kept packed weights
          var r = kind == 0 ? ((Lstm) rnn).forward(x) : ((Gru) rnn).forward(x);
          out.add(r.output().toFloatArray());
          out.add(r.hN().toFloatArray());
        }
      }
      var r = kind == 0 ? ((Lstm) rnn).forward(x) : ((Gru) rnn).forward(x);
      r.output().pow(2).sum().add(r.hN().sum()).backward();
      out.add(r.output().toFloatArray());
      for (Tensor p : rnn.parameters()) {
        out.add(p.grad().toFloatArray());
      }
    }
    return out;
  }

  private static float[] random(Generator g, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) g.nextGaussian();
    }
    return a;
  }

  /** Largest difference relative to the largest value of {@code want} (sums of hundreds of terms cancel). */
  private static double relErr(float[] got, float[] want) {
    double diff = 0;
    double scale = 1e-30;
    for (int i = 0; i < got.length; i++) {
      diff = Math.max(diff, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    return diff / scale;
  }
}
