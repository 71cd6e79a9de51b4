package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;

/** {@code masked_fill}: {@code value} where the bool mask (broadcast to the input's shape) is true. */
public final class MaskedFill extends Node {
  private int[] filled; // offsets that were overwritten (their gradient is zero)

  private MaskedFill(Tensor in, int[] filled) {
    super(in);
    this.filled = filled;
  }

  public static Tensor apply(Tensor in, Tensor mask, float value) {
    if (mask.dtype() != DType.BOOL) {
      throw new IllegalArgumentException("masked_fill expects a bool mask, got " + mask.dtype());
    }
    if (!Broadcast.shape(in.shape(), mask.shape()).equals(in.shape())) {
      throw new IllegalArgumentException(
          "masked_fill: mask of shape " + mask.shape() + " does not broadcast to the input's shape " + in.shape());
    }
    int[] map = Broadcast.indexMap(mask.shape(), in.shape());
    long[] m = mask.longData();
    int count = 0;
    for (int k = 0; k < map.length; k++) {
      if (m[map[k]] != 0) {
        count++;
      }
    }
    int[] filled = new int[count];
    for (int k = 0, c = 0; k < map.length; k++) {
      if (m[map[k]] != 0) {
        filled[c++] = k;
      }
    }
    Tensor out;
    if (in.dtype() == DType.FLOAT32) {
      float[] y = in.data().clone();
      for (int k : filled) {
        y[k] = value;
      }
      out = Tensor.wrap(y, in.shape());
    } else {
      long[] y = in.longData().clone();
      for (int k : filled) {
        y[k] = (long) value;
      }
      out = Tensor.wrap(y, in.shape(), in.dtype());
    }
    if (Graph.needsGraph(in)) {
      Graph.record(new MaskedFill(in, filled), out);
    }
    return out;
  }

  @Override
  public String name() {
    return "MaskedFillBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] dx = gradOutputs[0].data().clone();
    for (int k : filled) {
      dx[k] = 0;
    }
    return new Tensor[] {Tensor.wrap(dx, gradOutputs[0].shape())};
  }

  @Override
  protected void releaseSaved() {
    filled = null;
  }
}
