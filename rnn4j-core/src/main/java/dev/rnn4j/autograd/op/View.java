package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/** Same storage under a new shape of equal size: {@code view}, {@code reshape}, {@code (un)squeeze}. */
public final class View extends Node {
  private final Shape inShape;

  private View(Tensor in) {
    super(in);
    this.inShape = in.shape();
  }

  public static Tensor apply(Tensor in, Shape shape) {
    if (shape.numel() != in.numel()) {
      throw new IllegalArgumentException(
          "shape '" + shape + "' is invalid for input of size " + in.numel());
    }
    Tensor out =
        in.dtype() == DType.FLOAT32
            ? Tensor.wrap(in.data(), shape)
            : Tensor.wrap(in.longData(), shape, in.dtype());
    if (Graph.needsGraph(in)) {
      Graph.record(new View(in), out);
    }
    return out;
  }

  @Override
  public String name() {
    return "ViewBackward0";
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    return new Tensor[] {Tensor.wrap(gradOutputs[0].data(), inShape)};
  }
}
