package dev.rnn4j.data;

import java.util.ArrayList;
import java.util.List;

/** Turns a text into training sequences: one per non-blank line, long lines cut into pieces of at most maxLen tokens. */
public final class TextCorpus {
  private TextCorpus() {}

  /**
   * One sequence of ids per non-blank line of {@code text}, lines longer than {@code maxLen} tokens cut into
   * consecutive pieces; a non-positive {@code maxLen} is an {@link IllegalArgumentException}.
   */
  public static List<int[]> lines(String text, Tokenizer tokenizer, int maxLen) {
    if (maxLen <= 0) {
      throw new IllegalArgumentException("maximum sequence length must be positive, got " + maxLen);
    }
    List<int[]> out = new ArrayList<>();
    for (String line : text.split("\r?\n")) {
      if (line.isBlank()) {
        continue;
      }
      int[] ids = tokenizer.encode(line);
      for (int lo = 0; lo < ids.length; lo += maxLen) {
        out.add(java.util.Arrays.copyOfRange(ids, lo, Math.min(ids.length, lo + maxLen)));
      }
    }
    return out;
  }
}
