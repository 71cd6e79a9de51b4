package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;

/**
 * {@code softmax} and {@code log_softmax} along one dim, computed from the max for stability.
 *
 * <pre>
 *   softmax      y = e^(x - m) / s           dx = y * (g - sum(g * y))
 *   log_softmax  y = x - m - ln s            dx = g - e^y * sum(g)
 * </pre>
 *
 * Legend: {@code (outer, n, inner)} around the dim.
 */
public final class Softmax extends Node {
  private final int dim;
  private final boolean log;
  private Tensor out; // saved: y

  private Softmax(Tensor in, int dim, boolean log, Tensor out) {
    super(in);
    this.dim = dim;
    this.log = log;
    this.out = out;
  }

  public static Tensor apply(Tensor in, int d, boolean log) {
    if (in.dtype() != DType.FLOAT32) {
      in = in.to(DType.FLOAT32);
    }
    if (in.dim() == 0) {
      in.shape().normalizeDim(d);
      Tensor out = Tensor.scalar(log ? 0f : 1f);
      if (Graph.needsGraph(in)) {
        Graph.record(new Softmax(in, 0, log, out), out);
      }
      return out;
    }
    int dim = in.shape().normalizeDim(d);
    int[] oi = Reduce.outerInner(in.shape(), dim);
    int n = in.size(dim);
    int inner = oi[1];
    float[] x = in.data();
    float[] y = new float[x.length];
    for (int o = 0; o < oi[0]; o++) {
      for (int j = 0; j < inner; j++) {
        int base = o * n * inner + j;
        float m = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
          m = Math.max(m, x[base + k * inner]);
        }
        if (m == Float.NEGATIVE_INFINITY) {
          m = 0; // every entry is -inf: keep exp(x - m) defined
        }
        double s = 0;
        for (int k = 0; k < n; k++) {
          s += Math.exp(x[base + k * inner] - m);
        }
        if (log) {
          float lse = (float) (m + Math.log(s));
          for (int k = 0; k < n; k++) {
            y[base + k * inner] = x[base + k * inner] - lse;
          }
        } else {
          for (int k = 0; k < n; k++) {
            y[base + k * inner] = (float) (Math.exp(x[base + k * inner] - m) / s);
          }
        }
      }
    }
    Tensor out = Tensor.wrap(y, in.shape());
    if (Graph.needsGraph(in)) {
      Graph.record(new Softmax(in, dim, log, out), out);
    }
    return out;
  }

  @Override
  public String name() {
    return log ? "LogSoftmaxBackward0" : "SoftmaxBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] y = out.data();
    float[] dx = new float[y.length];
    if (out.dim() == 0) {
      return new Tensor[] {Tensor.wrap(dx, out.shape())};
    }
    int[] oi = Reduce.outerInner(out.shape(), dim);
    int n = out.size(dim);
    int inner = oi[1];
    for (int o = 0; o < oi[0]; o++) {
      for (int j = 0; j < inner; j++) {
        int base = o * n * inner + j;
        double s = 0;
        for (int k = 0; k < n; k++) {
          int i = base + k * inner;
          s += log ? g[i] : g[i] * y[i];
        }
        for (int k = 0; k < n; k++) {
          int i = base + k * inner;
          dx[i] = log ? (float) (g[i] - Math.exp(y[i]) * s) : (float) (y[i] * (g[i] - s));
        }
      }
    }
    return new Tensor[] {Tensor.wrap(dx, out.shape())};
  }

  @Override
  protected void releaseSaved() {
    out = null;
  }
}
