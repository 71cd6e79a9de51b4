package dev.rnn4j.loss;

import dev.rnn4j.tensor.Tensor;

/**
 * Loss functions with PyTorch 1.13's semantics ({@code torch.nn.functional.cross_entropy} and {@code nll_loss} with
 * class-index targets and no class weights). They work on any logits laid out as {@code (N, C, d...)}: a
 * {@code PackedSequence}'s {@code data} {@code (sum of lengths, C)} with the packed targets, or padded logits
 * flattened to {@code (N*L, C)} with padding targets set to {@code ignoreIndex}.
 */
public final class Losses {
  /** PyTorch's default {@code ignore_index}. */
  public static final long DEFAULT_IGNORE_INDEX = -100;

  private Losses() {}

  /** {@code cross_entropy(input, target)} with PyTorch's defaults (mean, ignore -100, no smoothing). */
  public static Tensor crossEntropy(Tensor input, Tensor target) {
    return CrossEntropyOp.apply(input, target, DEFAULT_IGNORE_INDEX, Reduction.MEAN, 0.0);
  }

  /** {@code cross_entropy(input, target, ignore_index=, reduction=, label_smoothing=)}; see {@link CrossEntropyOp}. */
  public static Tensor crossEntropy(
      Tensor input, Tensor target, long ignoreIndex, Reduction reduction, double labelSmoothing) {
    return CrossEntropyOp.apply(input, target, ignoreIndex, reduction, labelSmoothing);
  }

  /** {@code nll_loss(input, target)} with PyTorch's defaults. */
  public static Tensor nllLoss(Tensor logProbs, Tensor target) {
    return NllLossOp.apply(logProbs, target, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
  }

  /** {@code nll_loss(input, target, ignore_index=, reduction=)}. */
  public static Tensor nllLoss(Tensor logProbs, Tensor target, long ignoreIndex, Reduction reduction) {
    return NllLossOp.apply(logProbs, target, ignoreIndex, reduction);
  }
}
