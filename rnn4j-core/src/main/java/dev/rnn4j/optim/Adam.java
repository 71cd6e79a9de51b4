package dev.rnn4j.optim;

import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) and AdamW (Loshchilov and Hutter, 2019) with PyTorch 1.13's update rules
 * ({@code torch.optim.Adam} / {@code AdamW}, single-tensor path). Adam adds weight decay to the gradient; AdamW
 * decays the parameter directly ({@code decoupled}). See {@link AdamW} for the AdamW defaults.
 */
public class Adam extends Optimizer {
  /** Hyper-parameters; {@link #defaults()} are PyTorch's Adam defaults. */
  public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
    /**
     * Checks the values with PyTorch's messages: {@code lr}, {@code eps} and {@code weightDecay} must not be negative,
     * each beta must be in [0, 1); otherwise {@link IllegalArgumentException}.
     */
    public Options {
      checkNonNegative("learning rate", lr);
      checkNonNegative("epsilon value", eps);
      checkNonNegative("weight_decay value", weightDecay);
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("Invalid beta parameter at index 0: " + beta1);
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("Invalid beta parameter at index 1: " + beta2);
      }
    }

    /** lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0, no AMSGrad. */
    public static Options defaults() {
      return new Options(1e-3, 0.9, 0.999, 1e-8, 0, false);
    }

    /** A copy with learning rate {@code v}. */
    public Options withLr(double v) {
      return new Options(v, beta1, beta2, eps, weightDecay, amsgrad);
    }

    /** A copy with weight decay {@code v} (added to the gradient: L2, not AdamW's decoupled decay). */
    public Options withWeightDecay(double v) {
      return new Options(lr, beta1, beta2, eps, v, amsgrad);
    }
  }

  private final Options o;
  private final boolean decoupled;

  /**
   * One group of {@code params} (named, as {@code namedParameters()} gives them) with {@code o.lr()} and
   * {@code o.weightDecay()}. PyTorch: {@code torch.optim.Adam(model.parameters(), lr=..., ...)}.
   */
  public Adam(Map<String, Tensor> params, Options o) {
    this(List.of(new ParamGroup(params, o.lr(), o.weightDecay())), o, false);
  }

  /** For {@link AdamW}: {@code decoupled} decays the parameter instead of adding the decay to the gradient. */
  protected Adam(List<ParamGroup> groups, Options o, boolean decoupled) {
    super(groups);
    this.o = o;
    this.decoupled = decoupled;
  }

  /**
   * Per-group learning rate and weight decay; the other hyper-parameters come from {@code o}. PyTorch: a list of
   * {@code param_groups} dicts.
   */
  public Adam(List<ParamGroup> groups, Options o) {
    this(groups, o, false);
  }

  @Override
  protected final void update(float[] p, float[] grad, Map<String, Tensor> state, Shape shape, ParamGroup group) {
    long t = nextStep(state); // t = t + 1
    float[] m = buffer(state, "exp_avg", shape);
    float[] v = buffer(state, "exp_avg_sq", shape);
    float[] vMax = o.amsgrad() ? buffer(state, "max_exp_avg_sq", shape) : null;
    double lr = group.lr();
    float wd = (float) group.weightDecay();
    float b1 = (float) o.beta1();
    float b2 = (float) o.beta2();
    float oneMinusB1 = (float) (1 - o.beta1());
    float oneMinusB2 = (float) (1 - o.beta2());
    double bc1 = 1 - Math.pow(o.beta1(), t); // 1 - β₁ᵗ
    double bc2 = 1 - Math.pow(o.beta2(), t); // 1 - β₂ᵗ
    float stepSize = (float) (lr / bc1); // γ / (1 - β₁ᵗ)
    float bc2Sqrt = (float) Math.sqrt(bc2); // √(1 - β₂ᵗ)
    float eps = (float) o.eps();
    float decay = (float) (1 - lr * group.weightDecay());
    for (int i = 0; i < p.length; i++) {
      float g = grad[i];
      if (wd != 0) {
        if (decoupled) {
          p[i] = p[i] * decay; // AdamW: θ = θ (1 - γ λ)
        } else {
          g = g + wd * p[i]; // Adam: g = g + λ θ
        }
      }
      m[i] = m[i] * b1 + oneMinusB1 * g; // m = β₁ m + (1 - β₁) g
      v[i] = v[i] * b2 + oneMinusB2 * (g * g); // v = β₂ v + (1 - β₂) g²
      float vUse = v[i];
      if (vMax != null) {
        vMax[i] = Math.max(vMax[i], v[i]); // AMSGrad: v̂max = max(v̂max, v)
        vUse = vMax[i];
      }
      float denom = (float) Math.sqrt(vUse) / bc2Sqrt + eps; // √v / √(1 - β₂ᵗ) + ε
      p[i] = p[i] - stepSize * (m[i] / denom); // θ = θ - γ / (1 - β₁ᵗ) · m / denom
    }
  }
}
