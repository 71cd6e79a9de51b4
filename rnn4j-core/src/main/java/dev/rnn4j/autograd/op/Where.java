package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * {@code torch.where(cond, a, b)}: {@code a} where the bool {@code cond} is true, else {@code b}; all three broadcast.
 *
 * <pre>
 *   y = cond ? a : b      da = sumTo(g * cond)      db = sumTo(g * !cond)
 * </pre>
 */
public final class Where extends Node {
  private final Shape aShape;
  private final Shape bShape;
  private boolean[] pick; // saved: per output element, true when it came from a

  private Where(Tensor a, Tensor b, boolean[] pick) {
    super(a, b);
    this.aShape = a.shape();
    this.bShape = b.shape();
    this.pick = pick;
  }

  public static Tensor apply(Tensor cond, Tensor a, Tensor b) {
    if (cond.dtype() != DType.BOOL) {
      throw new IllegalArgumentException("where expected condition to be a boolean tensor, but got " + cond.dtype());
    }
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(
          "where expected self and other to have the same dtype, but got " + a.dtype() + " and " + b.dtype());
    }
    Shape out = Broadcast.shape(cond.shape(), Broadcast.shape(a.shape(), b.shape()));
    int[] ic = Broadcast.indexMap(cond.shape(), out);
    int[] ia = Broadcast.indexMap(a.shape(), out);
    int[] ib = Broadcast.indexMap(b.shape(), out);
    long[] c = cond.longData();
    boolean[] pick = new boolean[out.numel()];
    for (int k = 0; k < pick.length; k++) {
      pick[k] = c[ic[k]] != 0;
    }
    if (a.dtype() != DType.FLOAT32) {
      long[] x = a.longData();
      long[] y = b.longData();
      long[] r = new long[pick.length];
      for (int k = 0; k < r.length; k++) {
        r[k] = pick[k] ? x[ia[k]] : y[ib[k]];
      }
      return Tensor.wrap(r, out, a.dtype());
    }
    float[] x = a.data();
    float[] y = b.data();
    float[] r = new float[pick.length];
    for (int k = 0; k < r.length; k++) {
      r[k] = pick[k] ? x[ia[k]] : y[ib[k]];
    }
    Tensor result = Tensor.wrap(r, out);
    if (Graph.needsGraph(a, b)) {
      Graph.record(new Where(a, b, pick), result);
    }
    return result;
  }

  @Override
  public String name() {
    return "WhereBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    Tensor g = gradOutputs[0];
    float[] gv = g.data();
    Tensor ga = null;
    Tensor gb = null;
    if (needsGrad(0)) {
      float[] d = new float[gv.length];
      for (int k = 0; k < d.length; k++) {
        d[k] = pick[k] ? gv[k] : 0f;
      }
      ga = Broadcast.sumTo(Tensor.wrap(d, g.shape()), aShape);
    }
    if (needsGrad(1)) {
      float[] d = new float[gv.length];
      for (int k = 0; k < d.length; k++) {
        d[k] = pick[k] ? 0f : gv[k];
      }
      gb = Broadcast.sumTo(Tensor.wrap(d, g.shape()), bShape);
    }
    return new Tensor[] {ga, gb};
  }

  @Override
  protected void releaseSaved() {
    pick = null;
  }
}
