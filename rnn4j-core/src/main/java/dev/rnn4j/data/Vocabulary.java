package dev.rnn4j.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Token strings and their ids. The first four ids are the special tokens, always in this order: {@code <pad>} = 0 (so
 * padding is the embedding's {@code padding_idx} and the loss's ignore index), {@code <bos>} = 1, {@code <eos>} = 2,
 * {@code <unk>} = 3. Ordinary tokens follow in the order given.
 */
public final class Vocabulary {
  /** Padding; id {@link #PAD_ID}. */
  public static final String PAD = "<pad>";
  /** Beginning of a sequence; id {@link #BOS_ID}. */
  public static final String BOS = "<bos>";
  /** End of a sequence; id {@link #EOS_ID}. */
  public static final String EOS = "<eos>";
  /** Any token not in the vocabulary; id {@link #UNK_ID}. */
  public static final String UNK = "<unk>";
  /** Id of {@code <pad>}: the embedding's {@code padding_idx} and the loss's {@code ignore_index}. */
  public static final int PAD_ID = 0;
  /** Id of {@code <bos>}, the first input of every training example. */
  public static final int BOS_ID = 1;
  /** Id of {@code <eos>}, the last target of every training example. */
  public static final int EOS_ID = 2;
  /** Id of {@code <unk>}, what {@link #id} returns for an unknown token. */
  public static final int UNK_ID = 3;
  /** How many special tokens precede the ordinary ones; the first ordinary id. */
  public static final int NUM_SPECIAL = 4;

  private final List<String> tokens;
  private final Map<String, Integer> ids = new HashMap<>();

  /** Builds a vocabulary of the specials followed by {@code ordinary} (duplicates and specials are rejected). */
  public Vocabulary(List<String> ordinary) {
    List<String> all = new ArrayList<>(List.of(PAD, BOS, EOS, UNK));
    all.addAll(ordinary);
    for (int i = 0; i < all.size(); i++) {
      String t = all.get(i);
      if (t == null || t.isEmpty()) {
        throw new IllegalArgumentException("vocabulary token " + i + " is empty");
      }
      if (ids.putIfAbsent(t, i) != null) {
        throw new IllegalArgumentException("vocabulary token '" + t + "' appears twice (ids " + ids.get(t) + " and " + i + ")");
      }
    }
    this.tokens = Collections.unmodifiableList(all);
  }

  /** Number of tokens, specials included. */
  public int size() {
    return tokens.size();
  }

  /** The id of {@code token}, or {@link #UNK_ID} when it is not in the vocabulary. */
  public int id(String token) {
    return ids.getOrDefault(token, UNK_ID);
  }

  /** Whether {@code token} has an id of its own (specials included). */
  public boolean contains(String token) {
    return ids.containsKey(token);
  }

  /** The token of {@code id}; an id out of range is an error naming the valid range. */
  public String token(int id) {
    if (id < 0 || id >= tokens.size()) {
      throw new IllegalArgumentException("token id " + id + " is out of range for a vocabulary of " + tokens.size());
    }
    return tokens.get(id);
  }

  /** Whether {@code id} is one of the four special tokens. */
  public static boolean isSpecial(int id) {
    return id >= 0 && id < NUM_SPECIAL;
  }

  /** Every token, specials first. */
  public List<String> tokens() {
    return tokens;
  }

  /** The ordinary tokens (without the specials), as a constructor argument rebuilds this vocabulary. */
  public List<String> ordinaryTokens() {
    return tokens.subList(NUM_SPECIAL, tokens.size());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vocabulary v && v.tokens.equals(tokens);
  }

  @Override
  public int hashCode() {
    return tokens.hashCode();
  }
}
