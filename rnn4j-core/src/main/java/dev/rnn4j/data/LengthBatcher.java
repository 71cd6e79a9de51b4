package dev.rnn4j.data;

import dev.rnn4j.tensor.Generator;
import java.util.List;

/**
 * Groups variable-length sequences into batches of similar length, so that packed batches carry almost no padding.
 * Each epoch shuffles the sequences (seeded), sorts them stably by length (so equal lengths come in random order),
 * cuts the sorted list into batches of {@code batchSize} and shuffles the order of the batches. Every batch is sorted
 * by decreasing length, ready for {@code enforce_sorted} packing. The sequences may live in a mapped token file: an
 * epoch holds only an int per sequence, and each batch reads its sequences when it is built.
 */
public final class LengthBatcher {
  private final TokenSequences sequences;
  private final int[] lossFrom; // per sequence, or null
  private final int batchSize;
  private final int maxLength;

  /**
   * Batches of {@code batchSize} over in-memory token sequences (copied as a list; the arrays are not copied), every
   * target counted by the loss.
   *
   * @throws IllegalArgumentException if there are no sequences or {@code batchSize} is not positive
   */
  public LengthBatcher(List<int[]> sequences, int batchSize) {
    this(sequences, null, batchSize);
  }

  /**
   * Batches of {@code batchSize} over {@code sequences} (e.g. a mapped token file), each sequence read when its batch
   * is built; every target counted by the loss.
   *
   * @throws IllegalArgumentException if there are no sequences or {@code batchSize} is not positive
   */
  public LengthBatcher(TokenSequences sequences, int batchSize) {
    this(sequences, null, batchSize);
  }

  /**
   * @param lossFrom per sequence, the first target position the loss counts (earlier targets become
   *     {@code <pad>}); null counts every target
   */
  public LengthBatcher(List<int[]> sequences, int[] lossFrom, int batchSize) {
    this(TokenSequences.of(List.copyOf(sequences)), lossFrom, batchSize);
  }

  private LengthBatcher(TokenSequences sequences, int[] lossFrom, int batchSize) {
    if (sequences.size() == 0) {
      throw new IllegalArgumentException("the corpus has no sequences");
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    if (lossFrom != null && lossFrom.length != sequences.size()) {
      throw new IllegalArgumentException(
          "expected one loss start per sequence (" + sequences.size() + "), got " + lossFrom.length);
    }
    this.sequences = sequences;
    this.lossFrom = lossFrom == null ? null : lossFrom.clone();
    this.batchSize = batchSize;
    int max = 0;
    for (int i = 0; i < sequences.size(); i++) {
      max = Math.max(max, sequences.length(i));
    }
    this.maxLength = max;
  }

  /** Sequences in the corpus, over all batches. */
  public int numSequences() {
    return sequences.size();
  }

  /** Batches per epoch. */
  public int numBatches() {
    return (sequences.size() + batchSize - 1) / batchSize;
  }

  /**
   * One epoch of batches, drawing every random choice from {@code gen} now. The batches themselves are built lazily,
   * one per {@code get}, so an epoch costs an index per sequence rather than every batch's tensors at once.
   */
  public List<SequenceBatch> epoch(Generator gen) {
    int[] order = longestFirst(Shuffle.permutation(sequences.size(), gen));
    int[] batchOrder = Shuffle.permutation(numBatches(), gen);
    return lazyBatches(order, batchOrder);
  }

  /** Batch {@code batchOrder[i]} of the sequences in {@code order}, cut into {@code batchSize} runs, built on demand. */
  private List<SequenceBatch> lazyBatches(int[] order, int[] batchOrder) {
    int n = order.length;
    return new java.util.AbstractList<>() {
      @Override
      public SequenceBatch get(int i) {
        int lo = batchOrder[i] * batchSize;
        int hi = Math.min(n, lo + batchSize);
        int[][] seqs = new int[hi - lo][];
        int[] src = new int[hi - lo];
        for (int k = lo; k < hi; k++) {
          src[k - lo] = order[k];
          seqs[k - lo] = sequences.get(order[k]);
        }
        return SequenceBatch.of(seqs, lossFromOf(src), src);
      }

      @Override
      public int size() {
        return batchOrder.length;
      }
    };
  }

  private int[] lossFromOf(int[] src) {
    if (lossFrom == null) {
      return null;
    }
    int[] out = new int[src.length];
    for (int i = 0; i < src.length; i++) {
      out[i] = lossFrom[src[i]];
    }
    return out;
  }

  /**
   * {@code items} sorted stably by decreasing sequence length (a counting sort: equal lengths keep their order in
   * {@code items}, as a stable comparison sort would), in place.
   */
  private int[] longestFirst(int[] items) {
    int[] start = new int[maxLength + 2]; // start[maxLength - len + 1] counts, then prefix sums: where len begins
    for (int i : items) {
      start[maxLength - sequences.length(i) + 1]++;
    }
    for (int k = 1; k < start.length; k++) {
      start[k] += start[k - 1];
    }
    int[] sorted = new int[items.length];
    for (int i : items) {
      sorted[start[maxLength - sequences.length(i)]++] = i;
    }
    System.arraycopy(sorted, 0, items, 0, items.length);
    return items;
  }

  /** All sequences in fixed batches, no shuffling (for evaluation), each built when it is read. */
  public List<SequenceBatch> inOrder() {
    int n = sequences.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    longestFirst(order);
    int[] identity = new int[numBatches()];
    for (int i = 0; i < identity.length; i++) {
      identity[i] = i;
    }
    return lazyBatches(order, identity);
  }
}
