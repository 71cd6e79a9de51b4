package dev.rnn4j.data;

import dev.rnn4j.tensor.Generator;
import java.util.Arrays;
import java.util.List;

/**
 * Groups variable-length sequences into batches of similar length, so that packed batches carry almost no padding.
 * Each epoch shuffles the sequences (seeded), sorts them stably by length (so equal lengths come in random order),
 * cuts the sorted list into batches of {@code batchSize} and shuffles the order of the batches. Every batch is sorted
 * by decreasing length, ready for {@code enforce_sorted} packing.
 */
public final class LengthBatcher {
  private final List<int[]> sequences;
  private final int[] lossFrom; // per sequence, or null
  private final int batchSize;

  public LengthBatcher(List<int[]> sequences, int batchSize) {
    this(sequences, null, batchSize);
  }

  /**
   * @param lossFrom per sequence, the first target position the loss counts (earlier targets become
   *     {@code <pad>}); null counts every target
   */
  public LengthBatcher(List<int[]> sequences, int[] lossFrom, int batchSize) {
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("the corpus has no sequences");
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    if (lossFrom != null && lossFrom.length != sequences.size()) {
      throw new IllegalArgumentException(
          "expected one loss start per sequence (" + sequences.size() + "), got " + lossFrom.length);
    }
    this.sequences = List.copyOf(sequences);
    this.lossFrom = lossFrom == null ? null : lossFrom.clone();
    this.batchSize = batchSize;
  }

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
    int n = sequences.size();
    Integer[] order = new Integer[n];
    int[] perm = Shuffle.permutation(n, gen);
    for (int i = 0; i < n; i++) {
      order[i] = perm[i];
    }
    Arrays.sort(order, (a, b) -> sequences.get(b).length - sequences.get(a).length); // stable: longest first
    int[] batchOrder = Shuffle.permutation(numBatches(), gen);
    return lazyBatches(order, batchOrder);
  }

  /** Batch {@code batchOrder[i]} of the sequences in {@code order}, cut into {@code batchSize} runs, built on demand. */
  private List<SequenceBatch> lazyBatches(Integer[] order, int[] batchOrder) {
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

  /** All sequences in fixed batches, no shuffling (for evaluation), each built when it is read. */
  public List<SequenceBatch> inOrder() {
    int n = sequences.size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> sequences.get(b).length - sequences.get(a).length);
    int[] identity = new int[numBatches()];
    for (int i = 0; i < identity.length; i++) {
      identity[i] = i;
    }
    return lazyBatches(order, identity);
  }
}
