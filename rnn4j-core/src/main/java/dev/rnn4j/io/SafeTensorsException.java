package dev.rnn4j.io;

/** A safetensors file that cannot be read; the message names the file, the tensor and the offset at fault. */
public final class SafeTensorsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SafeTensorsException(String message) {
    super(message);
  }
}
