package dev.rnn4j.nn.rnn;

import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * PyTorch's {@code nn.LSTM}, gates in PyTorch's order i, f, g, o:
 *
 * <pre>
 *   i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      f = sigmoid(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)         o = sigmoid(W_io x + b_io + W_ho h + b_ho)
 *   c' = f * c + i * g                              h' = o * tanh(c')
 * </pre>
 *
 * With {@code projSize > 0}, {@code h' = (o * tanh(c')) W_hr^T} of size {@code projSize}, {@code weight_hh} is
 * {@code (4H, projSize)} and each layer has a {@code weight_hr_l{k}} {@code (projSize, H)}. Inputs and outputs as in
 * {@link RnnBase}; {@code c_n} is {@code (numLayers*D, B, H)}.
 */
public final class Lstm extends RnnBase {
  public Lstm(RnnConfig config, Generator gen) {
    super(RnnMode.LSTM, config, gen);
  }

  /** Padded input with zero initial states. */
  public RnnOutput<Tensor> forward(Tensor input) {
    return forwardPadded(input, null, null);
  }

  /** Padded input; {@code h0} {@code (numLayers*D, B, H_out)}, {@code c0} {@code (numLayers*D, B, H)}, null = 0. */
  public RnnOutput<Tensor> forward(Tensor input, Tensor h0, Tensor c0) {
    return forwardPadded(input, h0, c0);
  }

  /** Packed input with zero initial states. */
  public RnnOutput<PackedSequence> forward(PackedSequence input) {
    return forwardPacked(input, null, null);
  }

  /** Packed input; states in the caller's batch order, null for zeros. */
  public RnnOutput<PackedSequence> forward(PackedSequence input, Tensor h0, Tensor c0) {
    return forwardPacked(input, h0, c0);
  }
}
