package dev.rnn4j.nn.rnn;

import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * PyTorch's {@code nn.RNN}: an Elman network, {@code h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)} with
 * {@code act} tanh or relu, stacked and optionally bidirectional. Parameters, inputs and outputs as in
 * {@link RnnBase}; {@code weight_ih_l{k}} is {@code (H, H_in)} for layer 0. Every forward returns an {@link RnnOutput},
 * which has no {@code c_n}.
 */
public final class Rnn extends RnnBase {
  /** A tanh RNN. */
  public Rnn(RnnConfig config, Generator gen) {
    this(config, "tanh", gen);
  }

  /** A tanh RNN drawing from {@link Generator#defaultGenerator()}, as {@code nn.RNN(...)} from PyTorch's default. */
  public Rnn(RnnConfig config) {
    this(config, "tanh", Generator.defaultGenerator());
  }

  /** {@code nonlinearity} {@code "tanh"} or {@code "relu"}, drawing from {@link Generator#defaultGenerator()}. */
  public Rnn(RnnConfig config, String nonlinearity) {
    this(config, nonlinearity, Generator.defaultGenerator());
  }

  /** {@code nonlinearity} is {@code "tanh"} or {@code "relu"}, as in PyTorch. */
  public Rnn(RnnConfig config, String nonlinearity, Generator gen) {
    super(modeOf(nonlinearity), config, gen);
  }

  private static RnnMode modeOf(String nonlinearity) {
    return switch (nonlinearity) {
      case "tanh" -> RnnMode.RNN_TANH;
      case "relu" -> RnnMode.RNN_RELU;
      default -> throw new IllegalArgumentException(
          "Unknown nonlinearity '" + nonlinearity + "'. Select from 'tanh' or 'relu'.");
    };
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
