package dev.rnn4j.data;

/** Random access to one long run of token ids, in memory or in a mapped token file; positions are {@code long}. */
public interface TokenStream {
  long length();

  int get(long i);

  /** The tokens of {@code ids} (not copied). */
  static TokenStream of(int[] ids) {
    return new TokenStream() {
      @Override
      public long length() {
        return ids.length;
      }

      @Override
      public int get(long i) {
        return ids[Math.toIntExact(i)];
      }
    };
  }

  /** Positions {@code [from, to)} of this stream, renumbered from 0. */
  default TokenStream slice(long from, long to) {
    if (from < 0 || from > to || to > length()) {
      throw new IllegalArgumentException("slice [" + from + ", " + to + ") is out of range [0, " + length() + "]");
    }
    TokenStream all = this;
    return new TokenStream() {
      @Override
      public long length() {
        return to - from;
      }

      @Override
      public int get(long i) {
        return all.get(from + i);
      }
    };
  }
}
