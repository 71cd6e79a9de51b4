package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;

/**
 * Inverted dropout: each element is zeroed with probability {@code p} and the survivors are scaled by
 * {@code 1/(1-p)}, so the expectation is unchanged. Backward multiplies by the same mask.
 */
public final class DropoutOp extends Node {
  /** Below this many elements a mask is drawn by one thread. */
  private static final int MIN_CHUNK_ELEMENTS = 1 << 14;

  private float[] mask; // 0 or 1/(1-p) per element

  private DropoutOp(Tensor in, float[] mask) {
    super(in);
    this.mask = mask;
  }

  public static Tensor apply(Tensor in, double p, Generator gen) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
    }
    float[] x = in.data();
    float[] mask = new float[x.length];
    float[] y = new float[x.length];
    if (p < 1) {
      float keep = (float) (1.0 / (1.0 - p));
      // Element i is kept when its uniform draw u = (bits >>> 11) * 2^-53 is >= p. u and p * 2^53 are exact in a
      // double, so the test is the integer comparison (bits >>> 11) >= ceil(p * 2^53), which needs no branch.
      long threshold = (long) Math.ceil(p * 0x1p53);
      long at = gen.reserve(x.length); // draw i of the block is element i's, whichever thread computes it
      ThreadTeam.current().forRange(0, x.length, MIN_CHUNK_ELEMENTS, (lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          float m = (Generator.drawAt(at, i) >>> 11) >= threshold ? keep : 0f;
          mask[i] = m;
          y[i] = x[i] * m; // PyTorch multiplies by the mask too: a dropped NaN stays NaN
        }
      });
    } else {
      for (int i = 0; i < x.length; i++) {
        y[i] = x[i] * 0f; // p = 1: PyTorch's input * 0, which keeps NaN and gives -0 for negative inputs
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
