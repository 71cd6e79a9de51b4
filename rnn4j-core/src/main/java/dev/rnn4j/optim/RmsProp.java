package dev.rnn4j.optim;

import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * RMSprop (Hinton's lecture 6e; centered variant of Graves, 2013) with PyTorch 1.13's update
 * ({@code torch.optim.RMSprop}, single-tensor path), per element:
 *
 * <pre>
 *   g = g + weight_decay * p
 *   s = α s + (1 - α) g²
 *   centered:  a = α a + (1 - α) g;   avg = √(s - a²) + ε      otherwise avg = √s + ε
 *   momentum:  b = μ b + g / avg;     p = p - lr b              otherwise p = p - lr g / avg
 * </pre>
 */
public final class RmsProp extends Optimizer {
  /** Hyper-parameters; {@link #defaults()} are PyTorch's. */
  public record Options(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
    /**
     * Checks the values with PyTorch's messages: {@code lr}, {@code eps}, {@code momentum}, {@code weightDecay} and
     * {@code alpha} must not be negative; otherwise {@link IllegalArgumentException}.
     */
    public Options {
      checkNonNegative("learning rate", lr);
      checkNonNegative("epsilon value", eps);
      checkNonNegative("momentum value", momentum);
      checkNonNegative("weight_decay value", weightDecay);
      checkNonNegative("alpha value", alpha);
    }

    /** lr 1e-2, alpha 0.99, eps 1e-8, weight decay 0, momentum 0, not centered. */
    public static Options defaults() {
      return new Options(1e-2, 0.99, 1e-8, 0, 0, false);
    }
  }

  private final Options o;

  /**
   * One group of {@code params} with {@code o.lr()} and {@code o.weightDecay()}. PyTorch: {@code torch.optim.RMSprop}.
   */
  public RmsProp(Map<String, Tensor> params, Options o) {
    this(List.of(new ParamGroup(params, o.lr(), o.weightDecay())), o);
  }

  /** Per-group learning rate and weight decay; the other hyper-parameters come from {@code o}. */
  public RmsProp(List<ParamGroup> groups, Options o) {
    super(groups);
    this.o = o;
  }

  @Override
  protected void update(float[] p, float[] grad, Map<String, Tensor> state, Shape shape, ParamGroup group) {
    nextStep(state); // kept for parity with PyTorch's state; the update does not use it
    float[] s = buffer(state, "square_avg", shape);
    float[] a = o.centered() ? buffer(state, "grad_avg", shape) : null;
    float[] b = o.momentum() > 0 ? buffer(state, "momentum_buffer", shape) : null;
    float lr = (float) group.lr();
    float wd = (float) group.weightDecay();
    float alpha = (float) o.alpha();
    float oneMinusAlpha = (float) (1 - o.alpha());
    float eps = (float) o.eps();
    float mom = (float) o.momentum();
    for (int i = 0; i < p.length; i++) {
      float g = grad[i];
      if (wd != 0) {
        g = g + wd * p[i]; // g = g + λ θ
      }
      s[i] = s[i] * alpha + oneMinusAlpha * (g * g); // v = α v + (1 - α) g²
      float avg;
      if (a != null) {
        a[i] = a[i] * alpha + oneMinusAlpha * g; // g_ave = α g_ave + (1 - α) g
        avg = (float) Math.sqrt(s[i] - a[i] * a[i]); // √(v - g_ave²)
      } else {
        avg = (float) Math.sqrt(s[i]); // √v
      }
      avg = avg + eps; // + ε
      if (b != null) {
        b[i] = b[i] * mom + g / avg; // b = μ b + g / avg
        p[i] = p[i] - lr * b[i]; // θ = θ - γ b
      } else {
        p[i] = p[i] - lr * (g / avg); // θ = θ - γ g / avg
      }
    }
  }
}
