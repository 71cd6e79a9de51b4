package dev.rnn4j.data;

import java.util.List;

/**
 * Read access to a numbered collection of token sequences, in memory ({@link #of(List)}) or in a mapped token file
 * ({@link TokenFile#sequences()}): what {@link LengthBatcher} needs, without holding every sequence as an array.
 */
public interface TokenSequences {
  /** Number of sequences. */
  int size();

  /** Tokens in sequence {@code i}. */
  int length(int i);

  /** A fresh array of the tokens of sequence {@code i}. */
  int[] get(int i);

  /** The sequences of {@code list} (not copied: the caller keeps them unchanged). */
  static TokenSequences of(List<int[]> list) {
    return new TokenSequences() {
      @Override
      public int size() {
        return list.size();
      }

      @Override
      public int length(int i) {
        return list.get(i).length;
      }

      @Override
      public int[] get(int i) {
        return list.get(i);
      }
    };
  }

  /** Sequences {@code indices[0], indices[1], ...} of this collection, renumbered from 0 ({@code indices} not copied). */
  default TokenSequences subset(int[] indices) {
    TokenSequences all = this;
    int[] idx = indices;
    return new TokenSequences() {
      @Override
      public int size() {
        return idx.length;
      }

      @Override
      public int length(int i) {
        return all.length(idx[i]);
      }

      @Override
      public int[] get(int i) {
        return all.get(idx[i]);
      }
    };
  }
}
