package dev.rnn4j.loss;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.kernel.KernelSelector;
import dev.rnn4j.tensor.kernel.Kernels;
import dev.rnn4j.util.ThreadTeam;

/**
 * Fused {@code log_softmax} + negative log-likelihood with label smoothing, forward and backward in one node, as
 * PyTorch 1.13's {@code cross_entropy} computes them (aten/src/ATen/native/LossNLL.cpp).
 *
 * <p>Legend: input {@code x} is {@code (N, C, inner)} with the class dim in the middle ({@code inner} is the product
 * of the trailing dims {@code d1..dk}, 1 for 2-D logits); {@code n} indexes {@code N}, {@code c} a class, {@code j}
 * the inner position; a "row" is one {@code (n, j)} pair with target {@code y}. With {@code logp = log_softmax(x)},
 * {@code eps} the label smoothing and {@code C} the class count, the per-row loss is
 *
 * <pre>
 *   l = (1 - eps) * (-logp[y]) + (eps / C) * (-sum_c logp[c])       (0 where y == ignoreIndex)
 *   mean = sum(l) / #{rows with y != ignoreIndex}                     (NaN when every row is ignored, as PyTorch)
 *   dl/dx[c] = p[c] - (1 - eps) * [c == y] - eps / C                  (0 on ignored rows)
 * </pre>
 *
 * The log-sum-exp is taken from the row maximum (the exponentials from the selected {@link Kernels}) and accumulated
 * in double, so large logits neither overflow nor lose the small probabilities. Rows are split over threads; each is
 * computed the same way on any of them. Backward multiplies that gradient by the incoming gradient of each row (the
 * scalar gradient divided by the count for {@code mean}).
 */
public final class CrossEntropyOp extends Node {
  /**
   * Logits per thread below which the rows stay on the calling thread. A language model's head gives 4096 rows of 100
   * classes per batch; with Math.exp on one thread forward and backward took 4.5 and 6.5 ms of a 260 ms GRU step.
   */
  private static final int MIN_CHUNK_ELEMENTS = 1 << 14;

  private final Reduction reduction;
  private final float smoothing;
  private final int outer;
  private final int classes;
  private final int inner;
  private final Shape inShape;
  private final int count; // non-ignored rows
  private float[] logp; // saved: log_softmax(x), (N, C, inner)
  private long[] target; // saved: (N, inner)
  private final long ignoreIndex;

  private CrossEntropyOp(
      Tensor in, Reduction reduction, float smoothing, int outer, int classes, int inner, int count, float[] logp,
      long[] target, long ignoreIndex) {
    super(in);
    this.reduction = reduction;
    this.smoothing = smoothing;
    this.outer = outer;
    this.classes = classes;
    this.inner = inner;
    this.inShape = in.shape();
    this.count = count;
    this.logp = logp;
    this.target = target;
    this.ignoreIndex = ignoreIndex;
  }

  /**
   * Cross-entropy of {@code input} logits against class-index {@code target}s.
   *
   * @param input float logits {@code (C)}, {@code (N, C)} or {@code (N, C, d1, ..., dk)}
   * @param target int64 class indices {@code ()}, {@code (N)} or {@code (N, d1, ..., dk)}, each in {@code [0, C)} or
   *     equal to {@code ignoreIndex}
   * @param labelSmoothing in {@code [0, 1]}
   * @return a scalar for {@code mean}/{@code sum}, the target's shape for {@code none}
   */
  public static Tensor apply(Tensor input, Tensor target, long ignoreIndex, Reduction reduction, double labelSmoothing) {
    if (labelSmoothing < 0 || labelSmoothing > 1) {
      throw new IllegalArgumentException("label_smoothing must be between 0.0 and 1.0. Got: " + labelSmoothing);
    }
    int[] dims = layout(input, target);
    int outer = dims[0];
    int classes = dims[1];
    int inner = dims[2];
    float[] x = input.data();
    long[] y = target.longData();
    checkTargets(y, classes, ignoreIndex);
    float eps = (float) labelSmoothing;
    float[] logp = new float[x.length];
    float[] rowLoss = new float[y.length];
    Kernels k = KernelSelector.kernels();
    // Rows are independent: they are split over threads, each computed the same way wherever it runs.
    ThreadTeam.current().forRange(0, y.length, Math.max(1, MIN_CHUNK_ELEMENTS / classes), (lo, hi) -> {
      float[] e = new float[classes]; // one row's x - max, then its exponentials
      for (int row = lo; row < hi; row++) {
        int base = (row / inner) * classes * inner + row % inner;
        // log-sum-exp from the maximum, the exponentials summed in double
        float m = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
          m = Math.max(m, x[base + c * inner]);
        }
        if (m == Float.NEGATIVE_INFINITY) {
          m = 0;
        }
        for (int c = 0; c < classes; c++) {
          e[c] = x[base + c * inner] - m;
        }
        k.exp(e, 0, e, 0, classes);
        double s = 0;
        for (int c = 0; c < classes; c++) {
          s += e[c];
        }
        float lse = (float) (m + Math.log(s));
        double sumLogp = 0;
        for (int c = 0; c < classes; c++) {
          float v = x[base + c * inner] - lse;
          logp[base + c * inner] = v;
          sumLogp += v;
        }
        long t = y[row];
        if (t != ignoreIndex) { // an ignored row contributes 0 and is not counted in the mean
          double nll = -logp[base + (int) t * inner];
          rowLoss[row] = (float) ((1 - eps) * nll + (eps / (double) classes) * -sumLogp);
        }
      }
    });
    int count = 0;
    for (long t : y) {
      if (t != ignoreIndex) {
        count++;
      }
    }
    Tensor out;
    if (reduction == Reduction.NONE) {
      out = Tensor.wrap(rowLoss, target.shape());
    } else {
      double total = 0;
      for (float v : rowLoss) {
        total += v;
      }
      out = Tensor.scalar((float) (reduction == Reduction.MEAN ? total / count : total)); // 0/0 = NaN, as PyTorch
    }
    if (Graph.needsGraph(input)) {
      Graph.record(
          new CrossEntropyOp(input, reduction, eps, outer, classes, inner, count, logp, y.clone(), ignoreIndex), out);
    }
    return out;
  }

  /** Checks shapes, dtypes and target range; returns {outer N, classes C, inner}. */
  static int[] layout(Tensor input, Tensor target) {
    if (input.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("expected float logits, got " + input.dtype());
    }
    if (target.dtype() != DType.INT64) {
      throw new IllegalArgumentException("expected int64 class-index targets, got " + target.dtype());
    }
    int[] in = input.shape().dims();
    int[] tg = target.shape().dims();
    if (in.length == 0) {
      throw new IllegalArgumentException("cross_entropy: expected logits of shape (C), (N, C) or (N, C, d...), got a scalar");
    }
    int outer;
    int classes;
    int inner = 1;
    if (in.length == 1) {
      if (tg.length != 0) {
        throw new IllegalArgumentException(
            "expected a scalar target for 1-D logits " + input.shape() + ", got target " + target.shape());
      }
      outer = 1;
      classes = in[0];
    } else {
      boolean ok = tg.length == in.length - 1 && tg[0] == in[0];
      for (int k = 2; ok && k < in.length; k++) {
        ok = tg[k - 1] == in[k];
        inner *= in[k];
      }
      if (!ok) {
        int[] want = new int[in.length - 1];
        want[0] = in[0];
        System.arraycopy(in, 2, want, 1, in.length - 2);
        throw new IllegalArgumentException(
            "expected target of shape " + new Shape(want) + " for logits " + input.shape() + ", got " + target.shape());
      }
      outer = in[0];
      classes = in[1];
    }
    return new int[] {outer, classes, inner};
  }

  /** Throws when a target is neither a class index nor the ignore index. */
  static void checkTargets(long[] y, int classes, long ignoreIndex) {
    for (int k = 0; k < y.length; k++) {
      if (y[k] != ignoreIndex && (y[k] < 0 || y[k] >= classes)) {
        throw new IllegalArgumentException(
            "target " + y[k] + " at position " + k + " is out of bounds: expected a class in [0, " + classes
                + ") or ignore_index " + ignoreIndex);
      }
    }
  }

  @Override
  public String name() {
    return "CrossEntropyLossBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[logp.length];
    float offTarget = smoothing / classes; // eps / C
    float onTarget = (1 - smoothing) + offTarget; // (1 - eps) + eps / C
    Kernels k = KernelSelector.kernels();
    ThreadTeam.current().forRange(0, target.length, Math.max(1, MIN_CHUNK_ELEMENTS / classes), (lo, hi) -> {
      float[] p = new float[classes]; // one row's probabilities
      for (int row = lo; row < hi; row++) {
        long t = target[row];
        if (t == ignoreIndex) {
          continue;
        }
        float gr = reduction == Reduction.NONE ? g[row] : reduction == Reduction.SUM ? g[0] : g[0] / count;
        int base = (row / inner) * classes * inner + row % inner;
        for (int c = 0; c < classes; c++) {
          p[c] = logp[base + c * inner];
        }
        k.exp(p, 0, p, 0, classes);
        for (int c = 0; c < classes; c++) {
          dx[base + c * inner] = gr * (p[c] - (c == t ? onTarget : offTarget));
        }
      }
    });
    return new Tensor[] {Tensor.wrap(dx, inShape)};
  }

  @Override
  protected void releaseSaved() {
    logp = null;
    target = null;
  }
}
