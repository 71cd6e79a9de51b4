package dev.rnn4j.nn.rnn.pack;

/** Where {@link Packing#padSequence} puts the padding: after each sequence (PyTorch's default) or before it. */
public enum PaddingSide {
  LEFT,
  RIGHT
}
