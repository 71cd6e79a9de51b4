package dev.rnn4j.nn.rnn;

/** The recurrence a layer runs, with its number of gates (rows of {@code weight_ih} per hidden unit). */
public enum RnnMode {
  /** {@code h' = tanh(W_ih x + b_ih + W_hh h + b_hh)}. */
  RNN_TANH(1, "RNN"),
  /** {@code h' = relu(W_ih x + b_ih + W_hh h + b_hh)}. */
  RNN_RELU(1, "RNN"),
  /** Gates i, f, g, o. */
  LSTM(4, "LSTM"),
  /** Gates r, z, n with {@code n = tanh(W_in x + b_in + r * (W_hn h + b_hn))}. */
  GRU(3, "GRU");

  private final int gates;
  private final String torchName;

  RnnMode(int gates, String torchName) {
    this.gates = gates;
    this.torchName = torchName;
  }

  /** Gate blocks stacked in {@code weight_ih}/{@code weight_hh}: 1, 4 or 3. */
  public int gates() {
    return gates;
  }

  /** PyTorch's class name: {@code RNN}, {@code LSTM} or {@code GRU}. */
  public String torchName() {
    return torchName;
  }
}
