/**
 * Losses: PyTorch's {@code torch.nn.functional.cross_entropy} and {@code nll_loss}, with {@code ignore_index} and
 * {@link dev.rnn4j.loss.Reduction} ({@code reduction=}). Start with {@link dev.rnn4j.loss.Losses}.
 */
package dev.rnn4j.loss;
