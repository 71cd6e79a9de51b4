package dev.rnn4j.data;

import dev.rnn4j.tensor.Tensor;

/**
 * Truncated backpropagation through time over one long token stream, as PyTorch's word_language_model example: the
 * stream is cut into {@code batchSize} contiguous columns (the tail that does not fill a column is dropped), and
 * chunk {@code i} holds steps {@code [i*bptt, (i+1)*bptt)} of every column. Column {@code b} of chunk {@code i+1}
 * continues column {@code b} of chunk {@code i}, so a model carries its (detached) state from one chunk to the next.
 */
public final class BpttBatcher {
  /** One chunk: {@code inputs} and {@code targets} int64 {@code [T, B]} time-major; targets are inputs shifted by one. */
  public record Chunk(Tensor inputs, Tensor targets) {}

  private final TokenStream stream;
  private final int batchSize;
  private final int bptt;
  private final long columnLength; // tokens per column

  /**
   * Chunks of {@code bptt} steps over {@code batchSize} columns of an in-memory token stream (copied).
   *
   * @throws IllegalArgumentException if {@code batchSize} or {@code bptt} is not positive, or the stream has fewer than
   *     two tokens per column
   */
  public BpttBatcher(int[] stream, int batchSize, int bptt) {
    this(TokenStream.of(stream.clone()), batchSize, bptt);
  }

  /** Chunks read from {@code stream} (e.g. a mapped token file) as each is built. */
  public BpttBatcher(TokenStream stream, int batchSize, int bptt) {
    if (batchSize <= 0 || bptt <= 0) {
      throw new IllegalArgumentException("batch size and bptt must be positive, got " + batchSize + " and " + bptt);
    }
    this.columnLength = stream.length() / batchSize;
    if (columnLength < 2) {
      throw new IllegalArgumentException(
          "a stream of " + stream.length() + " tokens is too short for " + batchSize + " columns (needs at least "
              + 2 * batchSize + ")");
    }
    if ((columnLength - 1 + bptt - 1) / bptt > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a stream of " + stream.length() + " tokens makes more than "
          + Integer.MAX_VALUE + " chunks of " + bptt + " steps x " + batchSize + " columns; raise --bptt or --batch-size");
    }
    this.stream = stream;
    this.batchSize = batchSize;
    this.bptt = bptt;
  }

  /** The stream the chunks are read from. */
  TokenStream stream() {
    return stream;
  }

  /** Steps per chunk. */
  public int bptt() {
    return bptt;
  }

  /** Columns, {@code B}. */
  public int batchSize() {
    return batchSize;
  }

  /** Chunks per pass over the stream. */
  public int numChunks() {
    return (int) ((columnLength - 1 + bptt - 1) / bptt);
  }

  /** Chunk {@code i} (the last may be shorter than {@code bptt}). */
  public Chunk chunk(int i) {
    if (i < 0 || i >= numChunks()) {
      throw new IllegalArgumentException("chunk " + i + " is out of range [0, " + numChunks() + ")");
    }
    long start = (long) i * bptt;
    return read(stream, 0, columnLength, batchSize, start, (int) Math.min(bptt, columnLength - 1 - start));
  }

  /**
   * Steps {@code [start, start + t)} of {@code batchSize} columns of {@code columnLength} tokens, the first column
   * starting at {@code offset} of {@code stream}: inputs and targets (shifted by one) {@code [t, B]} time-major.
   */
  static Chunk read(TokenStream stream, long offset, long columnLength, int batchSize, long start, int t) {
    long[] in = new long[t * batchSize];
    long[] tg = new long[t * batchSize];
    int[] column = new int[t + 1];
    for (int b = 0; b < batchSize; b++) {
      stream.read(offset + b * columnLength + start, column, 0, t + 1); // one read per column: t inputs, next target
      for (int k = 0; k < t; k++) {
        in[k * batchSize + b] = column[k];
        tg[k * batchSize + b] = column[k + 1];
      }
    }
    return new Chunk(Tensor.ofLongs(in, t, batchSize), Tensor.ofLongs(tg, t, batchSize));
  }
}
