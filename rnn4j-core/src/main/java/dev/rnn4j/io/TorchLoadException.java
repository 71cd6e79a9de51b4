package dev.rnn4j.io;

/**
 * A {@code torch.save} file that cannot be read, or that asks for something a state dict never needs (a global
 * outside the allow-list, an unsupported pickle opcode). The message names the file, the part of it and the position.
 */
public final class TorchLoadException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public TorchLoadException(String message) {
    super(message);
  }

  public TorchLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
