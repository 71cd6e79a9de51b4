package dev.rnn4j.io;

import java.io.IOException;

/**
 * A file that starts like none of the state-dict formats rnn4j reads (safetensors, {@code torch.save} zip or legacy).
 * The message names the file and shows its first bytes.
 */
public final class UnknownFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An error described by {@code message}, which names the file and shows its first bytes. */
  public UnknownFormatException(String message) {
    super(message);
  }
}
