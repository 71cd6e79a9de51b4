package dev.rnn4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One token per Unicode code point. {@link #fit} takes the code points of a text in code-point order. */
public final class CharTokenizer implements Tokenizer {
  private final Vocabulary vocab;
  private final int[] bmpIds; // id of each code point below U+10000 (UNK when absent): encoding a big file is a lookup
  private final Map<Integer, Integer> otherIds = new HashMap<>();

  /**
   * A tokenizer over {@code vocab}, whose ordinary tokens are single code points; other code points encode to
   * {@code <unk>}.
   *
   * @throws IllegalArgumentException if an ordinary token of {@code vocab} is not exactly one code point
   */
  public CharTokenizer(Vocabulary vocab) {
    bmpIds = new int[1 << 16];
    Arrays.fill(bmpIds, Vocabulary.UNK_ID);
    List<String> ordinary = vocab.ordinaryTokens();
    for (int i = 0; i < ordinary.size(); i++) {
      String t = ordinary.get(i);
      if (t.codePointCount(0, t.length()) != 1) {
        throw new IllegalArgumentException("a character vocabulary holds single characters, got '" + t + "'");
      }
      int cp = t.codePointAt(0);
      if (cp < bmpIds.length) {
        bmpIds[cp] = Vocabulary.NUM_SPECIAL + i;
      } else {
        otherIds.put(cp, Vocabulary.NUM_SPECIAL + i);
      }
    }
    this.vocab = vocab;
  }

  /** The vocabulary of every distinct code point of {@code text}, sorted. */
  public static CharTokenizer fit(String text) {
    TokenizerFit f = TokenizerFit.chars();
    f.accept(text);
    return (CharTokenizer) f.result();
  }

  /** The id of code point {@code cp}, {@code <unk>} when the vocabulary lacks it. */
  int id(int cp) {
    return cp < bmpIds.length ? bmpIds[cp] : otherIds.getOrDefault(cp, Vocabulary.UNK_ID);
  }

  @Override
  public Vocabulary vocabulary() {
    return vocab;
  }

  @Override
  public int[] encode(String text) {
    int[] out = new int[text.length()];
    int k = 0;
    for (int i = 0, n = text.length(); i < n; ) {
      int cp = text.codePointAt(i);
      out[k++] = id(cp);
      i += Character.charCount(cp);
    }
    return k == out.length ? out : Arrays.copyOf(out, k);
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
