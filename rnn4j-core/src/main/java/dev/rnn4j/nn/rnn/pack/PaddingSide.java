package dev.rnn4j.nn.rnn.pack;

/** Where {@link Packing#padSequence} puts the padding: after each sequence (PyTorch's default) or before it. */
public enum PaddingSide {
  /**
   * Padding before each sequence, so all sequences end at the last step (PyTorch after 1.13:
   * {@code padding_side='left'}).
   */
  LEFT,
  /** Padding after each sequence, PyTorch's default. */
  RIGHT
}
