package dev.rnn4j.io;

import java.io.IOException;

/**
 * A safetensors file that cannot be read; the message names the file, the tensor and the offset at fault. An
 * {@link IOException}, so {@code catch (IOException e)} around a load catches a bad file as well as a missing one.
 */
public final class SafeTensorsException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An error described by {@code message}, which names the file and the place at fault. */
  public SafeTensorsException(String message) {
    super(message);
  }
}
