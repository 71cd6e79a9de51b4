package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * A contiguous range {@code [start, start+length)} of one dim, copied. Legend: a tensor is viewed as
 * {@code (outer, n, inner)} around the narrowed dim.
 */
public final class Narrow extends Node {
  private final Shape inShape;
  private final int dim;
  private final int start;
  private final String name;

  private Narrow(Tensor in, int dim, int start, String name) {
    super(in);
    this.inShape = in.shape();
    this.dim = dim;
    this.start = start;
    this.name = name;
  }

  public static Tensor apply(Tensor in, int d, int start, int length) {
    return apply(in, d, start, length, "SliceBackward0");
  }

  /** As {@link #apply(Tensor, int, int, int)}, recorded under the calling op's name (SplitBackward0). */
  public static Tensor apply(Tensor in, int d, int start, int length, String name) {
    int dim = in.shape().normalizeDim(d);
    int n = in.size(dim);
    if (start < 0 && start >= -n) { // PyTorch counts a negative start from the end
      start += n;
    }
    if (start < 0 || length < 0 || start + length > n) {
      throw new IllegalArgumentException(
          "narrow: start (" + start + ") + length (" + length + ") exceeds dimension size (" + n + ") of dim "
              + dim + " in shape " + in.shape());
    }
    Shape outShape = in.shape().with(dim, length);
    int[] outerInner = Reduce.outerInner(in.shape(), dim); // (outer, n, inner) around dim
    int outer = outerInner[0];
    int inner = outerInner[1];
    Tensor out;
    if (in.dtype() == DType.FLOAT32) {
      float[] y = new float[outShape.numel()];
      float[] x = in.data();
      for (int o = 0; o < outer; o++) {
        System.arraycopy(x, (o * n + start) * inner, y, o * length * inner, length * inner);
      }
      out = Tensor.wrap(y, outShape);
    } else {
      long[] y = new long[outShape.numel()];
      long[] x = in.longData();
      for (int o = 0; o < outer; o++) {
        System.arraycopy(x, (o * n + start) * inner, y, o * length * inner, length * inner);
      }
      out = Tensor.wrap(y, outShape, in.dtype());
    }
    if (Graph.needsGraph(in)) {
      Graph.record(new Narrow(in, dim, start, name), out);
    }
    return out;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    Tensor g = gradOutputs[0];
    int n = inShape.size(dim);
    int length = g.size(dim);
    int[] outerInner = Reduce.outerInner(inShape, dim); // (outer, n, inner) around dim
    int outer = outerInner[0];
    int inner = outerInner[1];
    float[] dx = new float[inShape.numel()];
    float[] gy = g.data();
    for (int o = 0; o < outer; o++) {
      System.arraycopy(gy, o * length * inner, dx, (o * n + start) * inner, length * inner);
    }
    return new Tensor[] {Tensor.wrap(dx, inShape)};
  }
}
