package dev.rnn4j.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokens of a text that a vocabulary does not hold, with how often each occurs, so that a command can name them
 * instead of silently scoring or feeding {@code <unk>}.
 *
 * @param tokens how many tokens the text has in all
 * @param counts each unknown token and its count, in order of first appearance
 */
public record Unknowns(long tokens, Map<String, Long> counts) {
  /** Counts the tokens of {@code text} that {@code tokenizer}'s vocabulary lacks. */
  public static Unknowns of(Tokenizer tokenizer, String text) {
    Counter c = new Counter(tokenizer);
    c.accept(text);
    return c.result();
  }

  /** Counts over a text given in segments (see {@link TextPass}), with the same result as {@link #of}. */
  public static final class Counter {
    private final Tokenizer tokenizer;
    private final Map<String, Long> counts = new LinkedHashMap<>();
    private long tokens;

    /** An empty count against {@code tokenizer}'s vocabulary. */
    public Counter(Tokenizer tokenizer) {
      this.tokenizer = tokenizer;
    }

    /** Adds the tokens of {@code segment}, tokenized on its own (a token never spans two segments). */
    public void accept(String segment) {
      if (tokenizer instanceof CharTokenizer c) { // one lookup per character, a string only for an unknown one
        for (int i = 0, n = segment.length(); i < n; tokens++) {
          int cp = segment.codePointAt(i);
          if (c.id(cp) == Vocabulary.UNK_ID) {
            counts.merge(new String(Character.toChars(cp)), 1L, Long::sum);
          }
          i += Character.charCount(cp);
        }
        return;
      }
      List<String> pieces = tokenizer.pieces(segment);
      for (String t : pieces) {
        if (tokenizer.vocabulary().id(t) == Vocabulary.UNK_ID) {
          counts.merge(t, 1L, Long::sum);
        }
      }
      tokens += pieces.size();
    }

    /** The counts so far, as a snapshot: later segments do not change it. */
    public Unknowns result() {
      return new Unknowns(tokens, new LinkedHashMap<>(counts));
    }
  }

  /** How many tokens are unknown. */
  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Whether the vocabulary holds every token of the text. */
  public boolean isEmpty() {
    return counts.isEmpty();
  }

  /** e.g. {@code 37 of 45 tokens are not in the vocabulary: 'é' (U+00E9) x12, 'ü' (U+00FC) x3}; at most 10 named. */
  public String describe() {
    List<Map.Entry<String, Long>> byCount = new ArrayList<>(counts.entrySet());
    byCount.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    StringBuilder sb = new StringBuilder();
    sb.append(total()).append(" of ").append(tokens).append(" tokens (").append(counts.size())
        .append(" distinct) are not in the vocabulary: ");
    for (int i = 0; i < Math.min(10, byCount.size()); i++) {
      sb.append(i == 0 ? "" : ", ").append(name(byCount.get(i).getKey())).append(" x").append(byCount.get(i).getValue());
    }
    if (byCount.size() > 10) {
      sb.append(", ...");
    }
    return sb.toString();
  }

  /** A token quoted, with its code point when it is one character (invisible ones are otherwise unreadable). */
  public static String name(String token) {
    if (token.codePointCount(0, token.length()) == 1) {
      int cp = token.codePointAt(0);
      String shown = Character.isISOControl(cp) || Character.isWhitespace(cp) ? "" : "'" + token + "' ";
      return shown + String.format("(U+%04X)", cp);
    }
    return "'" + token + "'";
  }
}
