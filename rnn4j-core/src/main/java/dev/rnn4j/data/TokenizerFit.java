package dev.rnn4j.data;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fits a tokenizer on a text given in segments (see {@link TextPass}), with the same result as fitting it on the whole
 * text at once: {@link CharTokenizer#fit} and {@link WordTokenizer#fit} are this class fed one segment.
 */
public abstract class TokenizerFit {
  private TokenizerFit() {}

  /** Counts the next segment of the text (segments come in order and split no token). */
  public abstract void accept(String segment);

  /** The tokenizer fitted on every segment seen so far, the same as fitting it on their concatenation. */
  public abstract Tokenizer result();

  /** {@code "char"}: every distinct code point, sorted; {@code "word"}: the 50,000 most frequent words. */
  public static TokenizerFit of(String kind) {
    return switch (kind) {
      case "char" -> chars();
      case "word" -> words(1, 50_000);
      default -> throw new IllegalArgumentException("unknown tokenizer kind '" + kind + "' (expected char or word)");
    };
  }

  static TokenizerFit chars() {
    return new TokenizerFit() {
      private final BitSet seen = new BitSet();

      @Override
      public void accept(String segment) {
        for (int i = 0, n = segment.length(); i < n; ) {
          int cp = segment.codePointAt(i);
          seen.set(cp);
          i += Character.charCount(cp);
        }
      }

      @Override
      public Tokenizer result() {
        List<String> tokens = new ArrayList<>();
        seen.stream().forEach(cp -> tokens.add(new String(Character.toChars(cp))));
        return new CharTokenizer(new Vocabulary(tokens));
      }
    };
  }

  static TokenizerFit words(int minCount, int maxSize) {
    return new TokenizerFit() {
      private final Map<String, Integer> counts = new HashMap<>();
      private final Map<String, Integer> first = new HashMap<>();

      @Override
      public void accept(String segment) {
        for (String t : WordTokenizer.split(segment)) {
          counts.merge(t, 1, Integer::sum);
          first.putIfAbsent(t, first.size());
        }
      }

      @Override
      public Tokenizer result() {
        List<String> tokens = new ArrayList<>(counts.keySet());
        tokens.removeIf(t -> counts.get(t) < minCount);
        tokens.sort((a, b) -> counts.get(a).equals(counts.get(b)) ? first.get(a) - first.get(b)
            : counts.get(b) - counts.get(a));
        return new WordTokenizer(new Vocabulary(tokens.subList(0, Math.min(maxSize, tokens.size()))));
      }
    };
  }
}
