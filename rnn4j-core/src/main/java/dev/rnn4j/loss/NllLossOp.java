package dev.rnn4j.loss;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * Negative log-likelihood of log-probabilities: PyTorch's {@code nll_loss} without class weights. Same layout and
 * legend as {@link CrossEntropyOp}: {@code l = -x[y]} per row (0 where {@code y == ignoreIndex}), mean over the rows
 * not ignored; {@code dl/dx[c] = -[c == y]}.
 */
public final class NllLossOp extends Node {
  private final Reduction reduction;
  private final int outer;
  private final int classes;
  private final int inner;
  private final Shape inShape;
  private final int count;
  private long[] target; // saved: (N, inner)
  private final long ignoreIndex;

  private NllLossOp(Tensor in, Reduction r, int outer, int classes, int inner, int count, long[] target, long ignore) {
    super(in);
    this.reduction = r;
    this.outer = outer;
    this.classes = classes;
    this.inner = inner;
    this.inShape = in.shape();
    this.count = count;
    this.target = target;
    this.ignoreIndex = ignore;
  }

  /** {@code input} log-probabilities {@code (C)}, {@code (N, C)} or {@code (N, C, d...)}; targets as for cross-entropy. */
  public static Tensor apply(Tensor input, Tensor target, long ignoreIndex, Reduction reduction) {
    int[] dims = CrossEntropyOp.layout(input, target);
    int outer = dims[0];
    int classes = dims[1];
    int inner = dims[2];
    long[] y = target.longData();
    CrossEntropyOp.checkTargets(y, classes, ignoreIndex);
    float[] x = input.data();
    float[] rowLoss = new float[y.length];
    int count = 0;
    for (int n = 0; n < outer; n++) {
      for (int j = 0; j < inner; j++) {
        int row = n * inner + j;
        if (y[row] == ignoreIndex) {
          continue;
        }
        count++;
        rowLoss[row] = -x[n * classes * inner + (int) y[row] * inner + j];
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
      out = Tensor.scalar((float) (reduction == Reduction.MEAN ? total / count : total));
    }
    if (Graph.needsGraph(input)) {
      Graph.record(new NllLossOp(input, reduction, outer, classes, inner, count, y.clone(), ignoreIndex), out);
    }
    return out;
  }

  @Override
  public String name() {
    return "NllLossBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[inShape.numel()];
    for (int n = 0; n < outer; n++) {
      for (int j = 0; j < inner; j++) {
        int row = n * inner + j;
        long t = target[row];
        if (t == ignoreIndex) {
          continue;
        }
        float gr = reduction == Reduction.NONE ? g[row] : reduction == Reduction.SUM ? g[0] : g[0] / count;
        dx[n * classes * inner + (int) t * inner + j] = -gr;
      }
    }
    return new Tensor[] {Tensor.wrap(dx, inShape)};
  }

  @Override
  protected void releaseSaved() {
    target = null;
  }
}
