package dev.rnn4j.data;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * Batches of independent windows of one token stream, each trained from a zero state: the plain character-level
 * recipe (karpathy's char-rnn and min-char-rnn, PyTorch's tutorials). Every batch holds {@code batchSize} windows of
 * {@code bptt + 1} tokens (inputs and targets shifted by one) whose starts are uniform over {@code [0, length - bptt)}
 * and drawn afresh for every batch; no state is handed from one batch to the next. Windows may cross document
 * boundaries, as they do in a joined text.
 *
 * <p>Against {@link StreamBatcher}: a model trained this way learns to start from nothing, which is how a prompt is
 * answered and how a window from a zero state is scored, and a short run sees the whole text rather than the
 * beginnings of {@code B} columns; it never learns to use context older than {@code bptt} tokens.
 *
 * <p><b>Reproducible.</b> An epoch ({@link #chunksPerEpoch} batches, about one pass's worth of tokens) draws one long
 * from the generator when it is planned; batch {@code i} of it is a function of that long and {@code i} alone
 * (its starts come from a generator seeded with the {@code i}-th output of a SplitMix64 sequence started at that long).
 * So the generator's state at an epoch's start and the batch index fix every window, and nothing proportional to the
 * stream is held in memory.
 */
public final class WindowBatcher implements StreamBatches {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private final TokenStream stream;
  private final int batchSize;
  private final int bptt;

  /**
   * Windows of {@code bptt + 1} tokens of {@code stream}, {@code batchSize} per batch.
   *
   * @throws IllegalArgumentException if {@code batchSize} or {@code bptt} is not positive, or the stream is shorter
   *     than one window
   */
  public WindowBatcher(TokenStream stream, int batchSize, int bptt) {
    if (batchSize <= 0 || bptt <= 0) {
      throw new IllegalArgumentException("batch size and bptt must be positive, got " + batchSize + " and " + bptt);
    }
    if (stream.length() < bptt + 1L) {
      throw new IllegalArgumentException("a stream of " + stream.length() + " tokens is too short for windows of "
          + bptt + " steps (needs at least " + (bptt + 1L) + ")");
    }
    this.stream = stream;
    this.batchSize = batchSize;
    this.bptt = bptt;
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public int bptt() {
    return bptt;
  }

  /** Always false: every window starts from a zero state. */
  @Override
  public boolean carriesState() {
    return false;
  }

  /** Positions a window may start at: {@code [0, length - bptt)}. */
  public long numStarts() {
    return stream.length() - bptt;
  }

  /** Batches of an epoch: as many as hold about the stream's length in predicted tokens, at least 1. */
  @Override
  public int chunksPerEpoch() {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, stream.length() / ((long) batchSize * bptt)));
  }

  /** Plans the next epoch: draws one long from {@code gen}, which fixes every window of the epoch. */
  @Override
  public StreamBatcher.Epoch epoch(Generator gen) {
    long epochSeed = gen.nextLong();
    int n = chunksPerEpoch();
    return StreamBatcher.Epoch.of(n, i -> read(starts(epochSeed, i)));
  }

  /** The window starts of batch {@code i} of the epoch whose drawn long is {@code epochSeed}. */
  long[] starts(long epochSeed, int i) {
    Generator g = new Generator(mix(epochSeed + (i + 1L) * GOLDEN_GAMMA));
    long[] s = new long[batchSize];
    for (int b = 0; b < batchSize; b++) {
      s[b] = g.nextLong(0, numStarts());
    }
    return s;
  }

  /** Windows starting at {@code starts} (one per column): inputs and targets {@code [bptt, starts.length]}. */
  BpttBatcher.Chunk read(long[] starts) {
    int cols = starts.length;
    long[] in = new long[bptt * cols];
    long[] tg = new long[bptt * cols];
    int[] w = new int[bptt + 1];
    for (int b = 0; b < cols; b++) {
      stream.read(starts[b], w, 0, bptt + 1);
      for (int k = 0; k < bptt; k++) {
        in[k * cols + b] = w[k];
        tg[k * cols + b] = w[k + 1];
      }
    }
    return new BpttBatcher.Chunk(Tensor.ofLongs(in, bptt, cols), Tensor.ofLongs(tg, bptt, cols));
  }

  /**
   * The consecutive windows of {@code stream} as a scorer reads them: window {@code k} predicts tokens
   * {@code [k*bptt + 1, (k+1)*bptt]} from tokens {@code [k*bptt, (k+1)*bptt)}, each from a zero state; the
   * {@code (length - 1) / bptt} whole windows, {@code batchSize} to a chunk (the last chunk may have fewer columns).
   * A stream shorter than one window ({@code 2 <= length <= bptt}) is one window of {@code length - 1} steps.
   */
  public static StreamBatcher.Epoch consecutive(TokenStream stream, int batchSize, int bptt) {
    if (batchSize <= 0 || bptt <= 0) {
      throw new IllegalArgumentException("batch size and bptt must be positive, got " + batchSize + " and " + bptt);
    }
    if (stream.length() < 2) {
      throw new IllegalArgumentException("a stream of " + stream.length() + " tokens holds no window (needs at least 2)");
    }
    bptt = (int) Math.min(bptt, stream.length() - 1);
    long windows = (stream.length() - 1) / bptt;
    if ((windows + batchSize - 1) / batchSize > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a stream of " + stream.length() + " tokens makes more than "
          + Integer.MAX_VALUE + " batches of " + batchSize + " windows of " + bptt + "; raise --bptt or --batch-size");
    }
    WindowBatcher reader = new WindowBatcher(stream, batchSize, bptt);
    int step = bptt;
    int n = (int) ((windows + batchSize - 1) / batchSize);
    return StreamBatcher.Epoch.of(n, i -> {
      long first = (long) i * batchSize;
      long[] starts = new long[(int) Math.min(batchSize, windows - first)];
      for (int b = 0; b < starts.length; b++) {
        starts[b] = (first + b) * step;
      }
      return reader.read(starts);
    });
  }

  /** SplitMix64's output function. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
