package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * Embedding lookup: {@code out[..., :] = W[ids[...], :]}. Backward adds each row's gradient into the weight row it
 * came from, except the padding row, which never receives a gradient (PyTorch's {@code padding_idx}).
 */
public final class EmbeddingOp extends Node {
  private final Shape wShape;
  private final int paddingIdx; // -1 when none
  private long[] ids; // saved

  private EmbeddingOp(Tensor w, long[] ids, int paddingIdx) {
    super(w);
    this.wShape = w.shape();
    this.ids = ids;
    this.paddingIdx = paddingIdx;
  }

  /** Looks up {@code ids} (int64, any shape) in {@code w} (num, dim); {@code paddingIdx} is -1 for none. */
  public static Tensor apply(Tensor w, Tensor ids, int paddingIdx) {
    if (ids.dtype() != DType.INT64) {
      throw new IllegalArgumentException(
          "Expected tensor for argument #1 'indices' to have scalar type Long; but got " + ids.dtype());
    }
    int num = w.size(0);
    int dim = w.size(1);
    long[] idx = ids.longData();
    for (int k = 0; k < idx.length; k++) {
      if (idx[k] < 0 || idx[k] >= num) {
        throw new IllegalArgumentException(
            "embedding: token id " + idx[k] + " at position " + k + " of the input is out of range for a vocabulary"
                + " of " + num + " (valid ids are 0.." + (num - 1) + ")");
      }
    }
    float[] table = w.data();
    float[] y = new float[idx.length * dim];
    for (int k = 0; k < idx.length; k++) {
      System.arraycopy(table, (int) idx[k] * dim, y, k * dim, dim);
    }
    int[] s = java.util.Arrays.copyOf(ids.shape().dims(), ids.dim() + 1);
    s[ids.dim()] = dim;
    Tensor out = Tensor.wrap(y, new Shape(s));
    if (Graph.needsGraph(w)) {
      Graph.record(new EmbeddingOp(w, idx.clone(), paddingIdx), out);
    }
    return out;
  }

  @Override
  public String name() {
    return "EmbeddingBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    int dim = wShape.size(1);
    float[] dw = new float[wShape.numel()];
    for (int k = 0; k < ids.length; k++) {
      int row = (int) ids[k];
      if (row == paddingIdx) {
        continue;
      }
      int base = row * dim;
      int src = k * dim;
      for (int j = 0; j < dim; j++) {
        dw[base + j] += g[src + j];
      }
    }
    return new Tensor[] {Tensor.wrap(dw, wShape)};
  }

  @Override
  protected void releaseSaved() {
    ids = null;
  }
}
