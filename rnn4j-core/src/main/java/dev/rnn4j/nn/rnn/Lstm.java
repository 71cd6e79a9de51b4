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
 * {@link RnnBase}; every forward returns an {@link LstmOutput}, whose {@code cN()} is {@code c_n},
 * {@code (numLayers*D, B, H)}.
 */
public final class Lstm extends RnnBase {
  /** Parameters drawn from {@code gen}, which inter-layer dropout draws from too. The recommended form. */
  public Lstm(RnnConfig config, Generator gen) {
    super(RnnMode.LSTM, config, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, as {@code nn.LSTM(...)} draws from PyTorch's default. */
  public Lstm(RnnConfig config) {
    this(config, Generator.defaultGenerator());
  }

  /** Padded input with zero initial states. */
  public LstmOutput<Tensor> forward(Tensor input) {
    return (LstmOutput<Tensor>) forwardPadded(input, null, null);
  }

  /** Padded input; {@code h0} {@code (numLayers*D, B, H_out)}, {@code c0} {@code (numLayers*D, B, H)}, null = 0. */
  public LstmOutput<Tensor> forward(Tensor input, Tensor h0, Tensor c0) {
    return (LstmOutput<Tensor>) forwardPadded(input, h0, c0);
  }

  /** Packed input with zero initial states. */
  public LstmOutput<PackedSequence> forward(PackedSequence input) {
    return (LstmOutput<PackedSequence>) forwardPacked(input, null, null);
  }

  /** Packed input; states in the caller's batch order, null for zeros. */
  public LstmOutput<PackedSequence> forward(PackedSequence input, Tensor h0, Tensor c0) {
    return (LstmOutput<PackedSequence>) forwardPacked(input, h0, c0);
  }
}
