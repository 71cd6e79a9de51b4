package dev.rnn4j.optim;

import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with PyTorch 1.13's update ({@code torch.optim.SGD}, single-tensor path), per element:
 *
 * <pre>
 *   d = g + weight_decay * p
 *   b = d                                  (first step)
 *   b = momentum * b + (1 - dampening) * d (later steps)
 *   d = d + momentum * b  (nesterov)  or  d = b
 *   p = p - lr * d
 * </pre>
 */
public final class Sgd extends Optimizer {
  /** Hyper-parameters, PyTorch's defaults except {@code lr}, which SGD requires. */
  public record Options(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
    /**
     * Checks the values with PyTorch's messages: {@code lr}, {@code momentum} and {@code weightDecay} must not be
     * negative, and Nesterov needs a positive momentum and zero dampening; otherwise {@link IllegalArgumentException}.
     */
    public Options {
      checkNonNegative("learning rate", lr);
      checkNonNegative("momentum value", momentum);
      checkNonNegative("weight_decay value", weightDecay);
      if (nesterov && (momentum <= 0 || dampening != 0)) {
        throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
      }
    }

    /** Plain SGD at {@code lr}: no momentum, dampening, weight decay or Nesterov. */
    public static Options of(double lr) {
      return new Options(lr, 0, 0, 0, false);
    }
  }

  private final Options o;

  /** One group of {@code params} with {@code o.lr()} and {@code o.weightDecay()}. PyTorch: {@code torch.optim.SGD}. */
  public Sgd(Map<String, Tensor> params, Options o) {
    this(List.of(new ParamGroup(params, o.lr(), o.weightDecay())), o);
  }

  /** Per-group learning rate and weight decay; the other hyper-parameters come from {@code o}. */
  public Sgd(List<ParamGroup> groups, Options o) {
    super(groups);
    this.o = o;
  }

  @Override
  protected void update(float[] p, float[] grad, Map<String, Tensor> state, Shape shape, ParamGroup group) {
    float lr = (float) group.lr();
    float wd = (float) group.weightDecay();
    float mom = (float) o.momentum();
    float keep = (float) (1 - o.dampening());
    boolean first = !state.containsKey("momentum_buffer");
    float[] b = mom != 0 ? buffer(state, "momentum_buffer", shape) : null;
    for (int i = 0; i < p.length; i++) {
      float d = grad[i];
      if (wd != 0) {
        d = d + wd * p[i]; // d = g + λ p
      }
      if (mom != 0) {
        b[i] = first ? d : b[i] * mom + keep * d; // b = μ b + (1 - τ) d; b₁ = d
        d = o.nesterov() ? d + mom * b[i] : b[i]; // Nesterov: d + μ b; else b
      }
      p[i] = p[i] - lr * d; // p = p - γ d
    }
  }
}
