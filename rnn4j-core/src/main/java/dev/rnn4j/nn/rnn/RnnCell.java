package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/** PyTorch's {@code nn.RNNCell}: {@code h' = act(W_ih x + b_ih + W_hh h + b_hh)}, act tanh or relu. */
public final class RnnCell extends CellBase {
  /** Tanh with biases, as PyTorch's default; weights from U(-1/sqrt(H), 1/sqrt(H)) drawn with {@code gen}. */
  public RnnCell(int inputSize, int hiddenSize, Generator gen) {
    this(inputSize, hiddenSize, true, "tanh", gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public RnnCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, Generator.defaultGenerator());
  }

  /** {@code nonlinearity} is {@code "tanh"} or {@code "relu"}. */
  public RnnCell(int inputSize, int hiddenSize, boolean bias, String nonlinearity, Generator gen) {
    super(modeOf(nonlinearity), inputSize, hiddenSize, bias, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public RnnCell(int inputSize, int hiddenSize, boolean bias, String nonlinearity) {
    this(inputSize, hiddenSize, bias, nonlinearity, Generator.defaultGenerator());
  }

  private static RnnMode modeOf(String nonlinearity) {
    return switch (nonlinearity) {
      case "tanh" -> RnnMode.RNN_TANH;
      case "relu" -> RnnMode.RNN_RELU;
      default -> throw new IllegalArgumentException(
          "Unknown nonlinearity: " + nonlinearity + ". Select from 'tanh' or 'relu'.");
    };
  }

  /** {@code x} {@code (B, H_in)} or {@code (H_in)}; {@code h} of matching rank or null for zeros. Returns h'. */
  public Tensor forward(Tensor x, Tensor h) {
    return step(x, h, null)[0];
  }

  /** One step from a zero hidden state. */
  public Tensor forward(Tensor x) {
    return forward(x, null);
  }
}
