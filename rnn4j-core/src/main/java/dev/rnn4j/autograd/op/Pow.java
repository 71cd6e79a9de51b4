package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;

/**
 * {@code x ** p} for a scalar exponent {@code p}, as {@code torch.pow(x, p)}.
 *
 * <pre>
 *   y = x^p      dx = g * p * x^(p-1)     (p == 0: dx = 0)
 * </pre>
 */
public final class Pow extends Node {
  private final double p;
  private float[] x; // saved input

  private Pow(Tensor in, double p) {
    super(in);
    this.p = p;
    this.x = in.data();
  }

  public static Tensor apply(Tensor in, double p) {
    if (in.dtype() != DType.FLOAT32) {
      in = in.to(DType.FLOAT32);
    }
    float[] x = in.data();
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = pow(x[i], p);
    }
    Tensor out = Tensor.wrap(y, in.shape());
    if (Graph.needsGraph(in)) {
      Graph.record(new Pow(in, p), out);
    }
    return out;
  }

  private static float pow(float v, double p) {
    if (p == 2) {
      return v * v; // exact, as PyTorch's square special case
    }
    return (float) Math.pow(v, p);
  }

  @Override
  public String name() {
    return "PowBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[g.length];
    if (p != 0) {
      for (int i = 0; i < g.length; i++) {
        dx[i] = (float) (g[i] * p * Math.pow(x[i], p - 1));
      }
    }
    return new Tensor[] {Tensor.wrap(dx, gradOutputs[0].shape())};
  }

  @Override
  protected void releaseSaved() {
    x = null;
  }
}
