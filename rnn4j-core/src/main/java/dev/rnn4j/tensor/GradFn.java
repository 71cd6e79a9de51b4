package dev.rnn4j.tensor;

/**
 * The operation that produced a tensor, PyTorch's {@code grad_fn}: what {@link Tensor#gradFn()} returns and what
 * {@code grad_fn=<...>} prints. The autograd layer's {@code dev.rnn4j.autograd.Node} is its one implementation; this
 * class only carries the name and the two hooks through which the backward engine writes a tensor's autograd fields,
 * which are not public on {@link Tensor}.
 */
public abstract class GradFn {
  /** For {@code dev.rnn4j.autograd.Node}. */
  protected GradFn() {}

  /** The name PyTorch prints, e.g. {@code AddBackward0}. */
  public abstract String name();

  /** Engine hook: makes this node the {@code grad_fn} of {@code output}, its output number {@code index}. */
  protected final void attachTo(Tensor output, int index) {
    output.setGradFn(this, index);
  }

  /** Engine hook: adds {@code g} into {@code t.grad()} (allocating it on first use). */
  protected static void accumulateGrad(Tensor t, Tensor g) {
    t.accumulateGrad(g);
  }

  @Override
  public String toString() {
    return "<" + name() + ">";
  }
}
