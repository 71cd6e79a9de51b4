package dev.rnn4j.data;

/** Random access to one long run of token ids, in memory or in a mapped token file; positions are {@code long}. */
public interface TokenStream {
  /** Tokens in the stream. */
  long length();

  /** The token at position {@code i}, {@code 0 <= i < length()}. */
  int get(long i);

  /** Tokens {@code [from, from + len)} into {@code dst[off...]}; a file-backed stream reads them in one call. */
  default void read(long from, int[] dst, int off, int len) {
    for (int k = 0; k < len; k++) {
      dst[off + k] = get(from + k);
    }
  }

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

      @Override
      public void read(long at, int[] dst, int off, int len) {
        if (at < 0 || at + len > to - from) {
          throw new IndexOutOfBoundsException("tokens [" + at + ", " + (at + len) + ") of a slice of " + (to - from));
        }
        all.read(from + at, dst, off, len);
      }
    };
  }
}
