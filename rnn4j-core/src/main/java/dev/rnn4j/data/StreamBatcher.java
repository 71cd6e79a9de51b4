package dev.rnn4j.data;

import dev.rnn4j.tensor.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Truncated-BPTT batches over one token stream that differ from epoch to epoch, so that a model cannot learn the
 * chunks by heart (AWD-LSTM's recipe, Merity et al. 2017, plus a shuffle of documents and a random start):
 *
 * <ol>
 *   <li><b>Documents shuffled.</b> The stream is cut into documents at blank lines (see {@link #documentStarts}); each
 *       epoch joins them in a new random order. A stream without blank lines is one document.
 *   <li><b>Random start.</b> The first {@code offset} tokens, uniform in {@code [0, bptt)}, are skipped, so that the
 *       {@code B} columns (each {@code (length - offset) / B} tokens, as {@link BpttBatcher}) start at new places.
 *   <li><b>Varied chunk lengths.</b> Each chunk's length is drawn as AWD-LSTM does: a base of {@code bptt} with
 *       probability 0.95, else {@code bptt / 2}; then {@code round(N(base, sd))} with {@code sd = max(1, bptt / 16)},
 *       clamped to {@code [max(1, bptt / 4), 2 * bptt]} and to what is left of the columns.
 * </ol>
 *
 * <p>Every draw comes from the generator given to {@link #epoch}, in this order (permutation, offset, lengths), and
 * the epoch is planned whole when it starts: an epoch is a function of the generator's state at its start, so a
 * trainer that stores that state and the chunk index resumes exactly. {@link #fixed} gives the old behaviour (one
 * document, no offset, every chunk {@code bptt} long, no draw at all), equal to {@link BpttBatcher}'s chunks.
 */
public final class StreamBatcher implements StreamBatches {
  /** One epoch's chunks, planned whole; column {@code b} of chunk {@code i+1} continues that of chunk {@code i}. */
  public interface Epoch {
    /** Chunks in this epoch. */
    int numChunks();

    /** Chunk {@code i}, {@code 0 <= i < numChunks()}. */
    BpttBatcher.Chunk chunk(int i);

    /**
     * An epoch of {@code n} chunks, chunk {@code i} made by {@code chunk}; an index outside {@code [0, n)} is refused
     * with the range.
     *
     * @param n chunks in the epoch
     * @param chunk makes chunk {@code i}
     * @return the epoch
     */
    static Epoch of(int n, java.util.function.IntFunction<BpttBatcher.Chunk> chunk) {
      return new Epoch() {
        @Override
        public int numChunks() {
          return n;
        }

        @Override
        public BpttBatcher.Chunk chunk(int i) {
          if (i < 0 || i >= n) {
            throw new IllegalArgumentException("chunk " + i + " is out of range [0, " + n + ")");
          }
          return chunk.apply(i);
        }
      };
    }
  }

  private final TokenStream stream;
  private final long[] docStarts; // document k is [docStarts[k], docStarts[k+1]); the last entry is length()
  private final int batchSize;
  private final int bptt;
  private final boolean vary; // false: fixed()

  private StreamBatcher(TokenStream stream, long[] docStarts, int batchSize, int bptt, boolean vary) {
    if (batchSize <= 0 || bptt <= 0) {
      throw new IllegalArgumentException("batch size and bptt must be positive, got " + batchSize + " and " + bptt);
    }
    long maxOffset = vary ? bptt - 1 : 0;
    if ((stream.length() - maxOffset) / batchSize < 2) {
      throw new IllegalArgumentException("a stream of " + stream.length() + " tokens is too short for " + batchSize
          + " columns (needs at least " + (2L * batchSize + maxOffset) + ")");
    }
    if (stream.length() / batchSize / Math.max(1, bptt / 4) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a stream of " + stream.length() + " tokens makes more than "
          + Integer.MAX_VALUE + " chunks of " + bptt + " steps x " + batchSize + " columns; raise --bptt or --batch-size");
    }
    this.stream = stream;
    this.docStarts = docStarts;
    this.batchSize = batchSize;
    this.bptt = bptt;
    this.vary = vary;
  }

  /**
   * Epochs that vary: documents starting at {@code docStarts} (ascending, first 0, each below {@code stream.length()};
   * {@code null} or {@code {0}} for one document) shuffled, a random start and varied chunk lengths around
   * {@code bptt}.
   */
  public static StreamBatcher shuffled(TokenStream stream, long[] docStarts, int batchSize, int bptt) {
    long[] starts = docStarts == null || docStarts.length == 0 ? new long[] {0} : docStarts;
    if (starts[0] != 0) {
      throw new IllegalArgumentException("the first document must start at 0, got " + starts[0]);
    }
    for (int k = 1; k < starts.length; k++) {
      if (starts[k] <= starts[k - 1] || starts[k] >= stream.length()) {
        throw new IllegalArgumentException("document starts must ascend within [0, " + stream.length() + "), got "
            + starts[k - 1] + " then " + starts[k]);
      }
    }
    long[] withEnd = Arrays.copyOf(starts, starts.length + 1);
    withEnd[starts.length] = stream.length();
    return new StreamBatcher(stream, withEnd, batchSize, bptt, true);
  }

  /** The same chunks every epoch, exactly {@link BpttBatcher}'s over {@code stream} (runs from before shuffling). */
  public static StreamBatcher fixed(TokenStream stream, int batchSize, int bptt) {
    return new StreamBatcher(stream, new long[] {0, stream.length()}, batchSize, bptt, false);
  }

  /** The same chunks every epoch as {@code b}'s. */
  public static StreamBatcher fixed(BpttBatcher b) {
    return fixed(b.stream(), b.batchSize(), b.bptt());
  }

  /**
   * Where the documents of {@code stream} start: position 0, and every position just after a blank line (two
   * {@code newline} tokens with only {@code ignore} tokens, e.g. {@code '\r'}, between them), where the document so
   * far holds at least {@code minTokens} tokens (shorter paragraphs stay joined to the next one, which also bounds the
   * number of documents by {@code length / minTokens}). {@code newline < 0}: one document.
   */
  public static long[] documentStarts(TokenStream stream, int newline, int ignore, int minTokens) {
    List<Long> starts = new ArrayList<>();
    starts.add(0L);
    if (newline < 0) {
      return new long[] {0};
    }
    long n = stream.length();
    int[] buf = new int[1 << 16];
    boolean afterNewline = false;
    long last = 0;
    for (long from = 0; from < n; from += buf.length) {
      int len = (int) Math.min(buf.length, n - from);
      stream.read(from, buf, 0, len);
      for (int k = 0; k < len; k++) {
        int t = buf[k];
        if (t == newline) {
          long next = from + k + 1;
          if (afterNewline && next - last >= minTokens && next < n) {
            starts.add(next);
            last = next;
            afterNewline = false;
          } else {
            afterNewline = true;
          }
        } else if (t != ignore) {
          afterNewline = false;
        }
      }
    }
    long[] out = new long[starts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = starts.get(i);
    }
    return out;
  }

  /**
   * A stream split by documents: {@code validation} joins the held-out documents in file order; {@code train} joins
   * the others in file order, its documents starting at {@code trainStarts}.
   */
  public record Split(TokenStream train, long[] trainStarts, TokenStream validation) {}

  /**
   * Holds out {@code round(fraction * documents)} documents (at least 1) chosen by {@code gen}, so that validation
   * samples the whole file rather than its end (whose style may differ: a licence's closing disclaimer in capitals).
   *
   * @param docStarts as {@link #documentStarts} gives them; at least 2 documents
   */
  public static Split holdOut(TokenStream stream, long[] docStarts, double fraction, Generator gen) {
    int docs = docStarts.length;
    if (docs < 2 || !(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("holding out documents needs at least 2 documents and a fraction in (0, 1), "
          + "got " + docs + " and " + fraction);
    }
    long[] withEnd = Arrays.copyOf(docStarts, docs + 1);
    withEnd[docs] = stream.length();
    int nVal = (int) Math.max(1, Math.min(docs - 1, Math.round(fraction * docs)));
    int[] perm = Shuffle.permutation(docs, gen);
    boolean[] held = new boolean[docs];
    for (int k = 0; k < nVal; k++) {
      held[perm[k]] = true;
    }
    int[] train = new int[docs - nVal];
    int[] val = new int[nVal];
    for (int d = 0, t = 0, v = 0; d < docs; d++) {
      if (held[d]) {
        val[v++] = d;
      } else {
        train[t++] = d;
      }
    }
    Permuted tr = new Permuted(stream, withEnd, train);
    return new Split(tr, Arrays.copyOf(tr.cum, train.length), new Permuted(stream, withEnd, val));
  }

  /** Columns, {@code B}. */
  @Override
  public int batchSize() {
    return batchSize;
  }

  /** The mean chunk length asked for. */
  @Override
  public int bptt() {
    return bptt;
  }

  /** Documents the stream is cut into (1 for {@link #fixed}). */
  public int numDocuments() {
    return docStarts.length - 1;
  }

  /** Always true: column {@code b} of a chunk continues that of the chunk before. */
  @Override
  public boolean carriesState() {
    return true;
  }

  /** Whether epochs vary ({@link #shuffled}) or repeat ({@link #fixed}). */
  public boolean varies() {
    return vary;
  }

  /** About how many chunks an epoch has (exact for {@link #fixed}): what {@code --epochs} converts to steps with. */
  @Override
  public int chunksPerEpoch() {
    long column = stream.length() / batchSize;
    return (int) Math.max(1, (column - 1 + bptt - 1) / bptt);
  }

  /** Plans the next epoch, drawing from {@code gen} (nothing is drawn for {@link #fixed}). */
  @Override
  public Epoch epoch(Generator gen) {
    if (!vary) {
      return plan(stream, 0, null);
    }
    int docs = docStarts.length - 1;
    TokenStream view = stream;
    if (docs > 1) {
      int[] order = Shuffle.permutation(docs, gen);
      view = new Permuted(stream, docStarts, order);
    }
    long offset = gen.nextInt(bptt);
    return plan(view, offset, gen);
  }

  private Epoch plan(TokenStream view, long offset, Generator gen) {
    long column = (view.length() - offset) / batchSize;
    List<long[]> chunks = new ArrayList<>(); // {start within the column, length}
    double sd = Math.max(1, bptt / 16.0);
    int lo = Math.max(1, bptt / 4);
    for (long at = 0; at < column - 1; ) {
      int len = bptt;
      if (gen != null) {
        double base = gen.nextDouble() < 0.95 ? bptt : bptt / 2.0;
        len = (int) Math.max(lo, Math.min(2L * bptt, Math.round(base + sd * gen.nextGaussian())));
      }
      int t = (int) Math.min(len, column - 1 - at);
      chunks.add(new long[] {at, t});
      at += t;
    }
    TokenStream v = view;
    return Epoch.of(chunks.size(), i -> {
      long[] c = chunks.get(i);
      return BpttBatcher.read(v, offset, column, batchSize, c[0], (int) c[1]);
    });
  }

  /** The documents of a stream in another order, as one stream. */
  private static final class Permuted implements TokenStream {
    private final TokenStream all;
    private final long[] srcStart; // source start of the k-th document of the new order
    private final long[] cum; // cum[k]: where the k-th document starts in the new order; cum[docs] = length

    Permuted(TokenStream all, long[] docStarts, int[] order) {
      this.all = all;
      int docs = order.length;
      this.srcStart = new long[docs];
      this.cum = new long[docs + 1];
      for (int k = 0; k < docs; k++) {
        int d = order[k];
        srcStart[k] = docStarts[d];
        cum[k + 1] = cum[k] + docStarts[d + 1] - docStarts[d];
      }
    }

    @Override
    public long length() {
      return cum[cum.length - 1];
    }

    @Override
    public int get(long i) {
      int k = doc(i);
      return all.get(srcStart[k] + i - cum[k]);
    }

    @Override
    public void read(long from, int[] dst, int off, int len) {
      if (from < 0 || from + len > length()) {
        throw new IndexOutOfBoundsException("tokens [" + from + ", " + (from + len) + ") of a stream of " + length());
      }
      int k = len > 0 ? doc(from) : 0;
      while (len > 0) {
        int n = (int) Math.min(len, cum[k + 1] - from);
        all.read(srcStart[k] + from - cum[k], dst, off, n);
        from += n;
        off += n;
        len -= n;
        k++;
      }
    }

    private int doc(long i) {
      int k = Arrays.binarySearch(cum, i);
      return k >= 0 ? Math.min(k, srcStart.length - 1) : -k - 2;
    }
  }
}
