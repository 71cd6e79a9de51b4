package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/** PyTorch's {@code nn.GRUCell}: one step of {@link Gru}'s recurrence, gates r, z, n. */
public final class GruCell extends CellBase {
  /** With biases, as PyTorch's default; weights from U(-1/sqrt(H), 1/sqrt(H)) drawn with {@code gen}. */
  public GruCell(int inputSize, int hiddenSize, Generator gen) {
    this(inputSize, hiddenSize, true, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public GruCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, Generator.defaultGenerator());
  }

  /**
   * {@code bias} adds {@code bias_ih} and {@code bias_hh}; weights from U(-1/sqrt(H), 1/sqrt(H)) drawn with
   * {@code gen}.
   */
  public GruCell(int inputSize, int hiddenSize, boolean bias, Generator gen) {
    super(RnnMode.GRU, inputSize, hiddenSize, bias, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public GruCell(int inputSize, int hiddenSize, boolean bias) {
    this(inputSize, hiddenSize, bias, Generator.defaultGenerator());
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
