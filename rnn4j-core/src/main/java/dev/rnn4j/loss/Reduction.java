package dev.rnn4j.loss;

import java.util.Locale;

/** How a loss combines its per-element values: PyTorch's {@code reduction='none'|'mean'|'sum'}. */
public enum Reduction {
  /** One loss per element, in the input's shape. */
  NONE,
  /** The mean over the elements that count: targets equal to the ignore index are left out of sum and count. */
  MEAN,
  /** The sum over the elements. */
  SUM;

  /** Parses PyTorch's spelling ({@code "mean"}); anything else is an error naming the valid values. */
  public static Reduction parse(String s) {
    for (Reduction r : values()) {
      if (r.name().toLowerCase(Locale.ROOT).equals(s)) {
        return r;
      }
    }
    throw new IllegalArgumentException(s + " is not a valid value for reduction (expected none, mean or sum)");
  }
}
