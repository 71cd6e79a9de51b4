package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.List;

/** Joins tensors along one existing dim; backward hands each input its slice of the gradient. */
public final class Cat extends Node {
  private final int dim;
  private final int[] sizes; // each input's size along dim
  private final String name;

  private Cat(Tensor[] in, int dim, int[] sizes, String name) {
    super(in);
    this.dim = dim;
    this.sizes = sizes;
    this.name = name;
  }

  public static Tensor apply(List<Tensor> tensors, int d) {
    return apply(tensors, d, "CatBackward0");
  }

  /** As {@link #apply(List, int)}, recorded under the calling op's name (stack: StackBackward0). */
  public static Tensor apply(List<Tensor> tensors, int d, String name) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("cat expects a non-empty list of tensors");
    }
    Tensor first = tensors.get(0);
    if (first.dim() == 0) {
      throw new IllegalArgumentException("zero-dimensional tensor (at position 0) cannot be concatenated");
    }
    int dim = first.shape().normalizeDim(d);
    int total = 0;
    int[] sizes = new int[tensors.size()];
    for (int i = 0; i < sizes.length; i++) {
      Tensor t = tensors.get(i);
      if (t.dtype() != first.dtype()) {
        throw new IllegalArgumentException(
            "cat expects tensors of one dtype: entry 0 is " + first.dtype() + ", entry " + i + " is " + t.dtype());
      }
      if (t.dim() != first.dim()) {
        throw new IllegalArgumentException(
            "Tensors must have same number of dimensions: got " + first.dim() + " and " + t.dim() + " (entry "
                + i + ")");
      }
      for (int k = 0; k < t.dim(); k++) {
        if (k != dim && t.size(k) != first.size(k)) {
          throw new IllegalArgumentException(
              "Sizes of tensors must match except in dimension " + dim + ". Expected size " + first.size(k)
                  + " but got size " + t.size(k) + " for tensor number " + i + " in the list.");
        }
      }
      sizes[i] = t.size(dim);
      total += sizes[i];
    }
    Shape outShape = first.shape().with(dim, total);
    int[] outerInner = Reduce.outerInner(first.shape(), dim); // (outer, n, inner) around dim
    int outer = outerInner[0];
    int inner = outerInner[1];
    boolean floating = first.dtype() == DType.FLOAT32;
    Object y = floating ? new float[outShape.numel()] : new long[outShape.numel()];
    int offset = 0;
    for (int i = 0; i < sizes.length; i++) {
      Object x = floating ? tensors.get(i).data() : tensors.get(i).longData();
      int block = sizes[i] * inner;
      for (int o = 0; o < outer; o++) {
        System.arraycopy(x, o * block, y, (o * total + offset) * inner, block);
      }
      offset += sizes[i];
    }
    Tensor out =
        floating ? Tensor.wrap((float[]) y, outShape) : Tensor.wrap((long[]) y, outShape, first.dtype());
    Tensor[] in = tensors.toArray(new Tensor[0]);
    if (Graph.needsGraph(in)) {
      Graph.record(new Cat(in, dim, sizes, name), out);
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
    Tensor[] r = new Tensor[sizes.length];
    int offset = 0;
    for (int i = 0; i < sizes.length; i++) {
      if (needsGrad(i)) {
        r[i] = Narrow.apply(g, dim, offset, sizes[i]);
      }
      offset += sizes[i];
    }
    return r;
  }
}
