package dev.rnn4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** One token per Unicode code point. {@link #fit} takes the code points of a text in code-point order. */
public final class CharTokenizer implements Tokenizer {
  private final Vocabulary vocab;

  public CharTokenizer(Vocabulary vocab) {
    for (String t : vocab.ordinaryTokens()) {
      if (t.codePointCount(0, t.length()) != 1) {
        throw new IllegalArgumentException("a character vocabulary holds single characters, got '" + t + "'");
      }
    }
    this.vocab = vocab;
  }

  /** The vocabulary of every distinct code point of {@code text}, sorted. */
  public static CharTokenizer fit(String text) {
    TreeSet<Integer> cps = new TreeSet<>();
    text.codePoints().forEach(cps::add);
    List<String> tokens = new ArrayList<>();
    for (int cp : cps) {
      tokens.add(new String(Character.toChars(cp)));
    }
    return new CharTokenizer(new Vocabulary(tokens));
  }

  @Override
  public Vocabulary vocabulary() {
    return vocab;
  }

  @Override
  public int[] encode(String text) {
    return text.codePoints().map(cp -> vocab.id(new String(Character.toChars(cp)))).toArray();
  }

  @Override
  public List<String> pieces(String text) {
    List<String> out = new ArrayList<>();
    text.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
    return out;
  }

  @Override
  public String piece(int id) {
    return Vocabulary.isSpecial(id) ? "" : vocab.token(id);
  }

  @Override
  public String kind() {
    return "char";
  }
}
