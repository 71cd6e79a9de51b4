package dev.rnn4j.nn.rnn;

import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * PyTorch's {@code nn.GRU}, gates in PyTorch's order r, z, n:
 *
 * <pre>
 *   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
 *   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *   h' = (1 - z) * n + z * h
 * </pre>
 *
 * {@code weight_ih_l{k}} is {@code (W_ir|W_iz|W_in)}, {@code (3H, H_in)} for layer 0. Inputs and outputs as in
 * {@link RnnBase}; every forward returns an {@link RnnOutput}, which has no {@code c_n}.
 */
public final class Gru extends RnnBase {
  /** Parameters drawn from {@code gen}, which inter-layer dropout draws from too. The recommended form. */
  public Gru(RnnConfig config, Generator gen) {
    super(RnnMode.GRU, config, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, as {@code nn.GRU(...)} draws from PyTorch's default. */
  public Gru(RnnConfig config) {
    this(config, Generator.defaultGenerator());
  }

  /** Padded input with zero initial state. */
  public RnnOutput<Tensor> forward(Tensor input) {
    return forwardPadded(input, null, null);
  }

  /** Padded input; {@code h0} {@code (numLayers*D, B, H)} or null for zeros. */
  public RnnOutput<Tensor> forward(Tensor input, Tensor h0) {
    return forwardPadded(input, h0, null);
  }

  /** Packed input with zero initial state. */
  public RnnOutput<PackedSequence> forward(PackedSequence input) {
    return forwardPacked(input, null, null);
  }

  /** Packed input; {@code h0} in the caller's batch order, or null for zeros. */
  public RnnOutput<PackedSequence> forward(PackedSequence input, Tensor h0) {
    return forwardPacked(input, h0, null);
  }
}
