package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * Gathers slices along one dim by an int64 index: {@code index_select}, and {@code x[idx]} along dim 0. Backward
 * scatters the gradient back, adding where an index repeats. Legend: {@code (outer, n, inner)} around the dim.
 */
public final class IndexSelect extends Node {
  private final Shape inShape;
  private final int dim;
  private final String name;
  private long[] index; // saved

  private IndexSelect(Tensor in, int dim, long[] index, String name) {
    super(in);
    this.inShape = in.shape();
    this.dim = dim;
    this.index = index;
    this.name = name;
  }

  public static Tensor apply(Tensor in, int d, Tensor indexTensor) {
    return apply(in, d, indexTensor, "IndexSelectBackward0");
  }

  /** As {@link #apply(Tensor, int, Tensor)}, recorded under the calling op's name ({@code x[idx]}: IndexBackward0). */
  public static Tensor apply(Tensor in, int d, Tensor indexTensor, String name) {
    if (indexTensor.dtype() != DType.INT64) {
      throw new IllegalArgumentException("index_select(): expected an int64 index, got " + indexTensor.dtype());
    }
    if (indexTensor.dim() > 1) {
      throw new IllegalArgumentException(
          "index_select(): index must be 0-D or 1-D, got shape " + indexTensor.shape());
    }
    int dim = in.shape().normalizeDim(d);
    long[] index = indexTensor.longData();
    int n = in.dim() == 0 ? 1 : in.size(dim);
    for (int k = 0; k < index.length; k++) {
      if (index[k] < -n || index[k] >= n) {
        throw new IllegalArgumentException(
            "index " + index[k] + " (at position " + k + ") is out of range for dimension " + dim + " with size "
                + n);
      }
    }
    long[] idx = index.clone();
    for (int k = 0; k < idx.length; k++) {
      if (idx[k] < 0) {
        idx[k] += n;
      }
    }
    Shape outShape = in.dim() == 0 ? in.shape() : in.shape().with(dim, idx.length);
    int[] outerInner = Reduce.outerInner(in.shape(), dim); // (outer, n, inner) around dim
    int outer = outerInner[0];
    int inner = outerInner[1];
    int m = idx.length;
    Tensor out;
    if (in.dtype() == DType.FLOAT32) {
      float[] x = in.data();
      float[] y = new float[outShape.numel()];
      for (int o = 0; o < outer; o++) {
        for (int k = 0; k < m; k++) {
          System.arraycopy(x, (o * n + (int) idx[k]) * inner, y, (o * m + k) * inner, inner);
        }
      }
      out = Tensor.wrap(y, outShape);
    } else {
      long[] x = in.longData();
      long[] y = new long[outShape.numel()];
      for (int o = 0; o < outer; o++) {
        for (int k = 0; k < m; k++) {
          System.arraycopy(x, (o * n + (int) idx[k]) * inner, y, (o * m + k) * inner, inner);
        }
      }
      out = Tensor.wrap(y, outShape, in.dtype());
    }
    if (Graph.needsGraph(in)) {
      Graph.record(new IndexSelect(in, dim, idx, name), out);
    }
    return out;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[inShape.numel()];
    int n = inShape.rank() == 0 ? 1 : inShape.size(dim);
    int[] outerInner = Reduce.outerInner(inShape, dim); // (outer, n, inner) around dim
    int outer = outerInner[0];
    int inner = outerInner[1];
    int m = index.length;
    for (int o = 0; o < outer; o++) {
      for (int k = 0; k < m; k++) {
        int src = (o * m + k) * inner;
        int dst = (o * n + (int) index[k]) * inner;
        for (int j = 0; j < inner; j++) {
          dx[dst + j] += g[src + j];
        }
      }
    }
    return new Tensor[] {Tensor.wrap(dx, inShape)};
  }

  @Override
  protected void releaseSaved() {
    index = null;
  }
}
