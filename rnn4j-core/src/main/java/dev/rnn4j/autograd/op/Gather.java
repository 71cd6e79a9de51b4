package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * {@code torch.gather(x, dim, index)}: {@code out[i][j][k] = x[i][index[i][j][k]][k]} for {@code dim = 1}. The
 * index has the input's rank and, off {@code dim}, sizes no larger than the input's; the output has the index's
 * shape. Backward scatters (adds) the gradient back. This is the lookup a negative log-likelihood loss needs.
 */
public final class Gather extends Node {
  private final Shape inShape;
  private int[] src; // saved: input offset of each output element

  private Gather(Tensor in, int[] src) {
    super(in);
    this.inShape = in.shape();
    this.src = src;
  }

  public static Tensor apply(Tensor in, int d, Tensor index) {
    if (index.dtype() != DType.INT64) {
      throw new IllegalArgumentException("gather(): Expected dtype int64 for index, got " + index.dtype());
    }
    int rank = Math.max(in.dim(), 1);
    int idxRank = Math.max(index.dim(), 1);
    if (idxRank != rank) {
      throw new IllegalArgumentException(
          "Index tensor must have the same number of dimensions as input tensor: index " + index.shape()
              + ", input " + in.shape());
    }
    int dim = in.shape().normalizeDim(d);
    int[] inDims = in.dim() == 0 ? new int[] {1} : in.shape().dims();
    int[] idxDims = index.dim() == 0 ? new int[] {1} : index.shape().dims();
    for (int i = 0; i < rank; i++) {
      if (i != dim && idxDims[i] > inDims[i]) {
        throw new IllegalArgumentException(
            "Size does not match at dimension " + i + " expected index " + index.shape()
                + " to be smaller than self " + in.shape() + " apart from dimension " + dim);
      }
    }
    int[] inStrides = new Shape(inDims).strides();
    long[] idx = index.longData();
    int[] src = new int[idx.length];
    int[] counter = new int[rank];
    for (int k = 0; k < idx.length; k++) {
      long v = idx[k];
      if (v < -inDims[dim] || v >= inDims[dim]) {
        throw new IllegalArgumentException(
            "gather(): index " + v + " is out of bounds for dimension " + dim + " with size " + inDims[dim]);
      }
      int off = 0;
      for (int i = 0; i < rank; i++) {
        int c = i == dim ? (int) (v < 0 ? v + inDims[dim] : v) : counter[i];
        off += c * inStrides[i];
      }
      src[k] = off;
      for (int i = rank - 1; i >= 0; i--) { // odometer over the index shape
        if (++counter[i] < idxDims[i]) {
          break;
        }
        counter[i] = 0;
      }
    }
    if (in.dtype() != DType.FLOAT32) {
      long[] x = in.longData();
      long[] y = new long[src.length];
      for (int k = 0; k < y.length; k++) {
        y[k] = x[src[k]];
      }
      return Tensor.wrap(y, index.shape(), in.dtype());
    }
    float[] x = in.data();
    float[] y = new float[src.length];
    for (int k = 0; k < y.length; k++) {
      y[k] = x[src[k]];
    }
    Tensor out = Tensor.wrap(y, index.shape());
    if (Graph.needsGraph(in)) {
      Graph.record(new Gather(in, src), out);
    }
    return out;
  }

  @Override
  public String name() {
    return "GatherBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[inShape.numel()];
    for (int k = 0; k < g.length; k++) {
      dx[src[k]] += g[k];
    }
    return new Tensor[] {Tensor.wrap(dx, inShape)};
  }

  @Override
  protected void releaseSaved() {
    src = null;
  }
}
