package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/** Same storage under a new shape of equal size: {@code view}, {@code reshape}, {@code (un)squeeze}. */
public final class View extends Node {
  private final Shape inShape;
  private final String name;

  private View(Tensor in, String name) {
    super(in);
    this.inShape = in.shape();
    this.name = name;
  }

  public static Tensor apply(Tensor in, Shape shape) {
    return apply(in, shape, "ViewBackward0");
  }

  /** As {@link #apply(Tensor, Shape)}, recording under PyTorch's name for the calling op (e.g. UnsqueezeBackward0). */
  public static Tensor apply(Tensor in, Shape shape, String name) {
    if (shape.numel() != in.numel()) {
      throw new IllegalArgumentException(
          "shape '" + shape + "' is invalid for input of size " + in.numel());
    }
    Tensor out = in.aliasAs(shape);
    if (Graph.needsGraph(in)) {
      Graph.record(new View(in, name), out);
    }
    return out;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    return new Tensor[] {Tensor.wrap(gradOutputs[0].data(), inShape)};
  }
}
