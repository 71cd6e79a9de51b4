package dev.rnn4j.nn;

import dev.rnn4j.autograd.op.DropoutOp;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * PyTorch's {@code nn.Dropout}: in training, zeroes each element with probability {@code p} and scales the rest by
 * {@code 1/(1-p)}; in evaluation, the identity (the input itself is returned).
 */
public final class Dropout extends Module {
  private final double p;
  private final Generator gen;

  /**
   * Zeroes with probability {@code p}, drawing masks from {@code gen}; {@code p} outside [0, 1] is an
   * {@link IllegalArgumentException} with PyTorch's message.
   */
  public Dropout(double p, Generator gen) {
    if (p < 0 || p > 1 || Double.isNaN(p)) {
      throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
    }
    this.p = p;
    this.gen = gen;
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public Dropout(double p) {
    this(p, Generator.defaultGenerator());
  }

  /**
   * In training, {@code x} with each element zeroed with probability {@code p} and the rest scaled by
   * {@code 1/(1-p)}; in evaluation or with {@code p = 0}, {@code x} itself.
   */
  public Tensor forward(Tensor x) {
    if (!isTraining() || p == 0) {
      return x;
    }
    return DropoutOp.apply(x, p, gen);
  }

  /** The drop probability. */
  public double p() {
    return p;
  }

  @Override
  public String toString() {
    return "Dropout(p=" + p + ", inplace=False)";
  }
}
