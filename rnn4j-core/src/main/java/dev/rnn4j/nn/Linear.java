package dev.rnn4j.nn;

import dev.rnn4j.autograd.op.LinearOp;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * {@code y = x W^T + b}, PyTorch's {@code nn.Linear}.
 *
 * <p>Input {@code (*, in)}, output {@code (*, out)}. Parameters: {@code weight} {@code (out, in)} and, with bias,
 * {@code bias} {@code (out)}, both initialised from U(-1/sqrt(in), 1/sqrt(in)), which is what PyTorch's
 * {@code kaiming_uniform_(a=sqrt(5))} default works out to.
 */
public final class Linear extends Module {
  private final int inFeatures;
  private final int outFeatures;
  private final Tensor weight; // (out, in)
  private final Tensor bias; // (out) or null

  /**
   * A layer from {@code inFeatures} to {@code outFeatures}, with a bias when {@code bias}, initialised from
   * {@code gen}; negative sizes are an {@link IllegalArgumentException}.
   */
  public Linear(int inFeatures, int outFeatures, boolean bias, Generator gen) {
    if (inFeatures < 0 || outFeatures < 0) {
      throw new IllegalArgumentException(
          "Linear sizes must be non-negative, got in=" + inFeatures + ", out=" + outFeatures);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    double bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.weight = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
    Init.uniform(weight, bound, gen);
    if (bias) {
      this.bias = registerParameter("bias", Tensor.zeros(outFeatures));
      Init.uniform(this.bias, bound, gen);
    } else {
      this.bias = null;
    }
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public Linear(int inFeatures, int outFeatures, boolean bias) {
    this(inFeatures, outFeatures, bias, Generator.defaultGenerator());
  }

  /** With a bias, as PyTorch's default. */
  public Linear(int inFeatures, int outFeatures, Generator gen) {
    this(inFeatures, outFeatures, true, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public Linear(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, Generator.defaultGenerator());
  }

  /**
   * {@code x W^T + b}: {@code (*, in)} to {@code (*, out)}; a last dimension other than {@code in} is an error naming
   * both.
   */
  public Tensor forward(Tensor x) {
    return LinearOp.apply(x, weight, bias);
  }

  /** The weight, {@code (out, in)}. */
  public Tensor weight() {
    return weight;
  }

  /** The bias, or {@code null}. */
  public Tensor bias() {
    return bias;
  }

  /** PyTorch: {@code in_features}. */
  public int inFeatures() {
    return inFeatures;
  }

  /** PyTorch: {@code out_features}. */
  public int outFeatures() {
    return outFeatures;
  }

  @Override
  public String toString() {
    return "Linear(in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null ? "True" : "False") + ")";
  }
}
