package dev.rnn4j.io;

import java.io.IOException;

/**
 * A {@code torch.save} file that cannot be read, or that asks for something a state dict never needs (a global
 * outside the allow-list, an unsupported pickle opcode). The message names the file, the part of it and the position.
 * An {@link IOException}, so {@code catch (IOException e)} around a load catches a bad file as well as a missing one.
 */
public final class TorchLoadException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An error described by {@code message}, which names the file, the part of it and the position. */
  public TorchLoadException(String message) {
    super(message);
  }

  /** As {@link #TorchLoadException(String)}, keeping the lower-level {@code cause} (e.g. a zip error). */
  public TorchLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
