package dev.rnn4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Words and punctuation marks as tokens: a token is a run of letters/digits/underscore or a single other non-space
 * character; whitespace separates tokens and is not kept, so {@link #decode} joins tokens with single spaces.
 */
public final class WordTokenizer implements Tokenizer {
  private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}_]+|[^\\s\\p{L}\\p{N}_]");
  private final Vocabulary vocab;

  /** A tokenizer over {@code vocab}; tokens of {@link #split} that it lacks encode to {@code <unk>}. */
  public WordTokenizer(Vocabulary vocab) {
    this.vocab = vocab;
  }

  /** Splits {@code text} into word and punctuation tokens. */
  public static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  /**
   * The vocabulary of the tokens of {@code text} seen at least {@code minCount} times, most frequent first (ties in
   * first-seen order), at most {@code maxSize} ordinary tokens; the rest become {@code <unk>}.
   */
  public static WordTokenizer fit(String text, int minCount, int maxSize) {
    TokenizerFit f = TokenizerFit.words(minCount, maxSize);
    f.accept(text);
    return (WordTokenizer) f.result();
  }

  @Override
  public Vocabulary vocabulary() {
    return vocab;
  }

  @Override
  public int[] encode(String text) {
    return split(text).stream().mapToInt(vocab::id).toArray();
  }

  @Override
  public List<String> pieces(String text) {
    return split(text);
  }

  @Override
  public String piece(int id) {
    return Vocabulary.isSpecial(id) ? "" : vocab.token(id);
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      if (Vocabulary.isSpecial(id)) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(vocab.token(id));
    }
    return sb.toString();
  }

  @Override
  public String kind() {
    return "word";
  }
}
