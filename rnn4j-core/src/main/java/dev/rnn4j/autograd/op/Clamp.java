package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;

/**
 * {@code torch.clamp(x, min, max)}; either bound may be absent (NaN here). NaN inputs stay NaN.
 *
 * <pre>
 *   y = min(max(x, lo), hi)      dx = g * [lo &lt;= x &lt;= hi]
 * </pre>
 */
public final class Clamp extends Node {
  private final float lo;
  private final float hi;
  private float[] x; // saved input

  private Clamp(Tensor in, float lo, float hi) {
    super(in);
    this.lo = lo;
    this.hi = hi;
    this.x = in.data();
  }

  /** {@code lo} or {@code hi} may be NaN for "no bound". */
  public static Tensor apply(Tensor in, double lo, double hi) {
    if (Double.isNaN(lo) && Double.isNaN(hi)) {
      throw new IllegalArgumentException("clamp: at least one of 'min' or 'max' must not be None");
    }
    if (in.dtype() == DType.BOOL) {
      throw new IllegalArgumentException("clamp is not supported for bool tensors");
    }
    if (in.dtype() == DType.INT64 && (lo == Math.rint(lo) || Double.isNaN(lo)) && (hi == Math.rint(hi)
        || Double.isNaN(hi))) {
      long[] v = in.toLongArray();
      for (int i = 0; i < v.length; i++) {
        if (!Double.isNaN(lo)) {
          v[i] = Math.max(v[i], (long) lo);
        }
        if (!Double.isNaN(hi)) {
          v[i] = Math.min(v[i], (long) hi);
        }
      }
      return Tensor.wrap(v, in.shape(), DType.INT64);
    }
    if (in.dtype() != DType.FLOAT32) {
      in = in.to(DType.FLOAT32);
    }
    float l = (float) lo;
    float h = (float) hi;
    float[] x = in.data();
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      float v = x[i];
      if (!Float.isNaN(v)) {
        if (!Float.isNaN(l) && v < l) {
          v = l;
        }
        if (!Float.isNaN(h) && v > h) {
          v = h;
        }
      }
      y[i] = v;
    }
    Tensor out = Tensor.wrap(y, in.shape());
    if (Graph.needsGraph(in)) {
      Graph.record(new Clamp(in, l, h), out);
    }
    return out;
  }

  @Override
  public String name() {
    return "ClampBackward1";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[g.length];
    for (int i = 0; i < g.length; i++) {
      boolean inside = (Float.isNaN(lo) || x[i] >= lo) && (Float.isNaN(hi) || x[i] <= hi);
      dx[i] = inside ? g[i] : 0f;
    }
    return new Tensor[] {Tensor.wrap(dx, gradOutputs[0].shape())};
  }

  @Override
  protected void releaseSaved() {
    x = null;
  }
}
