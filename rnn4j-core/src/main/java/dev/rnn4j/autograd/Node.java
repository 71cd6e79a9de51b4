package dev.rnn4j.autograd;

import dev.rnn4j.tensor.GradFn;
import dev.rnn4j.tensor.Tensor;

/**
 * One recorded operation in the autograd graph: PyTorch's {@code grad_fn}. Each op is a final subclass that keeps its
 * forward computation ({@code apply}) and its backward computation side by side, saving in fields what backward
 * needs (see STYLE.md, "forward/backward pairs").
 *
 * <p>A node knows its inputs (the tensors it read) and produces {@link #numOutputs()} outputs. {@link #backward}
 * receives one gradient per output, {@code null} where an output received none (read it as zeros), and returns one
 * gradient per input, {@code null} where an input needs none. The engine ({@link Graph}) sums the gradients that
 * reach a tensor from several consumers, so an op never accumulates into its inputs itself.
 */
public abstract class Node extends GradFn {
  private Tensor[] inputs;

  /** A node that read {@code inputs} (copied; in the order its {@code backward} returns their gradients). */
  protected Node(Tensor... inputs) {
    this.inputs = inputs.clone();
  }

  /**
   * Gradients of the loss with respect to each input, given those with respect to each output.
   *
   * @param gradOutputs one per output, same shapes as the outputs; an entry may be {@code null} (zero)
   * @return one per input, same shape as that input, or {@code null} where the input needs no gradient
   */
  protected abstract Tensor[] backward(Tensor[] gradOutputs);

  /** How many tensors the op returned. */
  public int numOutputs() {
    return 1;
  }

  /** The tensors this op read, in the order its {@link #backward} returns their gradients. */
  public final Tensor[] inputs() {
    if (inputs == null) {
      throw new IllegalStateException(
          "the graph behind " + name() + " was freed by an earlier backward(); pass retainGraph=true to keep it");
    }
    return inputs;
  }

  /** Whether backward may still run (the graph was not freed). */
  public final boolean isAlive() {
    return inputs != null;
  }

  /** True when input {@code i} needs a gradient; ops may skip the work for the others. */
  protected final boolean needsGrad(int i) {
    Tensor t = inputs[i];
    return t != null && t.requiresGrad();
  }

  /** The node behind {@code t}, or {@code null} for a leaf. Every {@link GradFn} the engine records is a Node. */
  static Node of(Tensor t) {
    GradFn fn = t.gradFn();
    if (fn == null || fn instanceof Node) {
      return (Node) fn;
    }
    throw new IllegalStateException("grad_fn " + fn + " is a " + fn.getClass().getName() + ", not an autograd Node");
  }

  /** Records this node as the grad_fn of {@code output}, its output number {@code index} (for {@link Graph}). */
  final void recordOn(Tensor output, int index) {
    attachTo(output, index);
  }

  /** Adds {@code g} into the gradient of {@code t} (for {@link Graph}). */
  static void addGrad(Tensor t, Tensor g) {
    accumulateGrad(t, g);
  }

  /** Drops saved tensors once backward has run, so the graph's memory goes back to the heap. */
  final void free() {
    inputs = null;
    releaseSaved();
  }

  /** Clears the fields an op saved for backward. Override in ops that save tensors or arrays. */
  protected void releaseSaved() {}
}
