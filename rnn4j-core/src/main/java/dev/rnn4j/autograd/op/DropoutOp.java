package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * Inverted dropout: each element is zeroed with probability {@code p} and the survivors are scaled by
 * {@code 1/(1-p)}, so the expectation is unchanged. Backward multiplies by the same mask.
 */
public final class DropoutOp extends Node {
  private float[] mask; // 0 or 1/(1-p) per element

  private DropoutOp(Tensor in, float[] mask) {
    super(in);
    this.mask = mask;
  }

  public static Tensor apply(Tensor in, double p, Generator gen) {
    if (p < 0 || p > 1) {
      throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
    }
    float[] x = in.data();
    float[] mask = new float[x.length];
    float[] y = new float[x.length];
    if (p < 1) {
      float keep = (float) (1.0 / (1.0 - p));
      for (int i = 0; i < x.length; i++) {
        if (gen.nextDouble() >= p) {
          mask[i] = keep;
          y[i] = x[i] * keep;
        }
      }
    }
    Tensor out = Tensor.wrap(y, in.shape());
    if (Graph.needsGraph(in)) {
      Graph.record(new DropoutOp(in, mask), out);
    }
    return out;
  }

  @Override
  public String name() {
    return "MulBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[g.length];
    for (int i = 0; i < g.length; i++) {
      dx[i] = g[i] * mask[i];
    }
    return new Tensor[] {Tensor.wrap(dx, gradOutputs[0].shape())};
  }

  @Override
  protected void releaseSaved() {
    mask = null;
  }
}
