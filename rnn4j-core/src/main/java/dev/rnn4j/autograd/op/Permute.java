package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;

/** Reorders dims, copying into a contiguous result: {@code permute}, {@code transpose}. */
public final class Permute extends Node {
  private final int[] perm;
  private final String name;

  private Permute(Tensor in, int[] perm, String name) {
    super(in);
    this.perm = perm;
    this.name = name;
  }

  public static Tensor apply(Tensor in, int[] dims) {
    return apply(in, dims, "PermuteBackward0");
  }

  /** As {@link #apply(Tensor, int[])}, recorded under the calling op's name (TransposeBackward0, TBackward0). */
  public static Tensor apply(Tensor in, int[] dims, String name) {
    int r = in.dim();
    if (dims.length != r) {
      throw new IllegalArgumentException(
          "permute: number of dims don't match: the tensor has " + r + " dims, got " + Arrays.toString(dims));
    }
    int[] perm = new int[r];
    boolean[] seen = new boolean[r];
    for (int i = 0; i < r; i++) {
      int d = in.shape().normalizeDim(dims[i]);
      if (seen[d]) {
        throw new IllegalArgumentException("permute: repeated dim " + dims[i] + " in " + Arrays.toString(dims));
      }
      seen[d] = true;
      perm[i] = d;
    }
    Tensor out = permuteData(in, perm);
    if (Graph.needsGraph(in)) {
      Graph.record(new Permute(in, perm, name), out);
    }
    return out;
  }

  /** out.dim(i) = in.dim(perm[i]), copied. */
  static Tensor permuteData(Tensor in, int[] perm) {
    int r = perm.length;
    int[] inDims = in.shape().dims();
    int[] inStrides = in.shape().strides();
    int[] outDims = new int[r];
    int[] srcStride = new int[r];
    boolean identity = true;
    for (int i = 0; i < r; i++) {
      outDims[i] = inDims[perm[i]];
      srcStride[i] = inStrides[perm[i]];
      identity &= perm[i] == i;
    }
    Shape outShape = new Shape(outDims);
    int n = in.numel();
    int[] src = new int[n];
    if (n > 0) {
      int[] counter = new int[r];
      int off = 0;
      for (int k = 0; k < n; k++) {
        src[k] = off;
        for (int d = r - 1; d >= 0; d--) {
          counter[d]++;
          off += srcStride[d];
          if (counter[d] < outDims[d]) {
            break;
          }
          off -= srcStride[d] * counter[d];
          counter[d] = 0;
        }
      }
    }
    if (in.dtype() == DType.FLOAT32) {
      float[] x = in.data();
      float[] y = identity ? x.clone() : new float[n];
      if (!identity) {
        for (int k = 0; k < n; k++) {
          y[k] = x[src[k]];
        }
      }
      return Tensor.wrap(y, outShape);
    }
    long[] x = in.longData();
    long[] y = new long[n];
    for (int k = 0; k < n; k++) {
      y[k] = x[src[k]];
    }
    return Tensor.wrap(y, outShape, in.dtype());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    int[] inverse = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      inverse[perm[i]] = i;
    }
    return new Tensor[] {permuteData(gradOutputs[0], inverse)};
  }
}
