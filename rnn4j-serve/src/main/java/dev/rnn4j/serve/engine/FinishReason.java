package dev.rnn4j.serve.engine;

import java.util.Locale;

/** Why a completion ended; {@link #wireName()} is the name the HTTP API uses. */
public enum FinishReason {
  /** Its text ended with one of the request's stop strings (included in the text). */
  STOP,
  /** The model produced the end token (not included). */
  EOS,
  /** It reached {@code max_new_tokens}. */
  LENGTH,
  /** Its client went away, or the server shut down before it ended. */
  CANCELLED,
  /** The request's deadline passed. */
  TIMEOUT,
  /** The server failed to decode it (logged); the other rows go on. */
  ERROR;

  /** Lower case, as in JSON. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
