package dev.rnn4j.optim;

import dev.rnn4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * AdamW: Adam with decoupled weight decay, {@code θ = θ (1 - γ λ)} before the Adam step, as PyTorch 1.13's
 * {@code torch.optim.AdamW}. Its defaults differ from Adam's only in {@code weight_decay = 1e-2}.
 */
public final class AdamW extends Adam {
  /** lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2, no AMSGrad. */
  public static Options defaults() {
    return new Options(1e-3, 0.9, 0.999, 1e-8, 1e-2, false);
  }

  /**
   * One group of {@code params} with {@code o.lr()} and {@code o.weightDecay()}; pass {@link #defaults()} for
   * PyTorch's AdamW defaults ({@link Adam.Options#defaults()} has weight decay 0). PyTorch: {@code torch.optim.AdamW}.
   */
  public AdamW(Map<String, Tensor> params, Options o) {
    super(List.of(new ParamGroup(params, o.lr(), o.weightDecay())), o, true);
  }

  /** Per-group learning rate and weight decay; the other hyper-parameters come from {@code o}. */
  public AdamW(List<ParamGroup> groups, Options o) {
    super(groups, o, true);
  }
}
