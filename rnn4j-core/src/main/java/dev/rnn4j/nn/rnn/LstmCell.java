package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/** PyTorch's {@code nn.LSTMCell}: one step of {@link Lstm}'s recurrence, gates i, f, g, o. */
public final class LstmCell extends CellBase {
  /** An LSTM state pair: {@code h} and {@code c}, both {@code (B, H)} or {@code (H)}. */
  public record State(Tensor h, Tensor c) {}

  /** With biases, as PyTorch's default; weights from U(-1/sqrt(H), 1/sqrt(H)) drawn with {@code gen}. */
  public LstmCell(int inputSize, int hiddenSize, Generator gen) {
    this(inputSize, hiddenSize, true, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public LstmCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, Generator.defaultGenerator());
  }

  /**
   * {@code bias} adds {@code bias_ih} and {@code bias_hh}; weights from U(-1/sqrt(H), 1/sqrt(H)) drawn with
   * {@code gen}.
   */
  public LstmCell(int inputSize, int hiddenSize, boolean bias, Generator gen) {
    super(RnnMode.LSTM, inputSize, hiddenSize, bias, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public LstmCell(int inputSize, int hiddenSize, boolean bias) {
    this(inputSize, hiddenSize, bias, Generator.defaultGenerator());
  }

  /** {@code x} {@code (B, H_in)} or {@code (H_in)}; {@code h}, {@code c} of matching rank or null for zeros. */
  public State forward(Tensor x, Tensor h, Tensor c) {
    Tensor[] r = step(x, h, c);
    return new State(r[0], r[1]);
  }

  /** One step from zero {@code h} and {@code c}. */
  public State forward(Tensor x) {
    return forward(x, null, null);
  }
}
