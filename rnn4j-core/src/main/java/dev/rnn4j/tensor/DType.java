package dev.rnn4j.tensor;

/** Element types. Floating tensors store {@code float[]}; integer and boolean tensors store {@code long[]}. */
public enum DType {
  /** 32-bit IEEE float: {@code torch.float32}. */
  FLOAT32("torch.float32"),
  /** 64-bit signed integer: {@code torch.int64}, the notebook's {@code LongTensor}. */
  INT64("torch.int64"),
  /** Boolean, the result of comparisons; stored as 0 and 1. */
  BOOL("torch.bool");

  private final String torchName;

  DType(String torchName) {
    this.torchName = torchName;
  }

  /** The name PyTorch prints, e.g. {@code torch.int64}. */
  public String torchName() {
    return torchName;
  }

  /** Whether the type stores {@code float[]} (PyTorch: {@code dtype.is_floating_point}). */
  public boolean isFloating() {
    return this == FLOAT32;
  }
}
