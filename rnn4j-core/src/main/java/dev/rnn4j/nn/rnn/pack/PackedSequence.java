package dev.rnn4j.nn.rnn.pack;

import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A batch of variable-length sequences stored without padding: PyTorch's {@code PackedSequence}.
 *
 * <p>{@code data} holds the steps time-major: first step 0 of every sequence that has one, then step 1, and so on,
 * with the sequences in decreasing order of length. {@code batchSizes[t]} counts the sequences that have a step
 * {@code t}. For example, given the sequences {@code abc} and {@code x}, {@code data} holds {@code axbc} and
 * {@code batchSizes} is {@code [2, 1, 1]}: batch sizes count elements per step, not sequence lengths.
 *
 * <p>{@code sortedIndices[j]} is the caller's batch index of the {@code j}-th longest sequence, and
 * {@code unsortedIndices} is its inverse; both are {@code null} when the caller's batch was already sorted (PyTorch's
 * {@code enforce_sorted=True}).
 *
 * <p>Beyond PyTorch, sequences of length zero are allowed: they have no rows in {@code data}, so the batch can be
 * larger than {@code batchSizes[0]}. The packing functions then always record the indices, whose length is the batch
 * size.
 *
 * <p>Only the functions of {@link Packing} (and a recurrent layer, for its output) create these, as in PyTorch: the
 * constructor is package-private, and it checks every invariant. The arrays are copied in and out, so an instance is
 * immutable.
 */
public final class PackedSequence {
  private final Tensor data; // (N, *) where N = sum(batchSizes)
  private final int[] batchSizes; // (T) positive and non-increasing
  private final int[] sortedIndices; // (B) or null
  private final int[] unsortedIndices; // (B) or null, the inverse permutation of sortedIndices

  PackedSequence(Tensor data, int[] batchSizes, int[] sortedIndices, int[] unsortedIndices) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(batchSizes, "batchSizes");
    batchSizes = batchSizes.clone();
    sortedIndices = sortedIndices == null ? null : sortedIndices.clone();
    unsortedIndices = unsortedIndices == null ? null : unsortedIndices.clone();
    if (data.dim() < 1) {
      throw new IllegalArgumentException("PackedSequence data must have at least 1 dim (N, *), got " + data.shape());
    }
    long total = 0;
    for (int t = 0; t < batchSizes.length; t++) {
      if (batchSizes[t] <= 0) {
        throw new IllegalArgumentException(
            "batch_sizes must be positive, got " + batchSizes[t] + " at step " + t + " in "
                + Arrays.toString(batchSizes));
      }
      if (t > 0 && batchSizes[t] > batchSizes[t - 1]) {
        throw new IllegalArgumentException(
            "batch_sizes must be non-increasing, got " + batchSizes[t - 1] + " then " + batchSizes[t] + " at step "
                + t + " in " + Arrays.toString(batchSizes));
      }
      total += batchSizes[t];
    }
    if (total != data.size(0)) {
      throw new IllegalArgumentException(
          "batch_sizes sum to " + total + " but data has " + data.size(0) + " rows (shape " + data.shape() + ")");
    }
    if ((sortedIndices == null) != (unsortedIndices == null)) {
      throw new IllegalArgumentException("sorted_indices and unsorted_indices must both be given or both be None");
    }
    if (sortedIndices != null) {
      int b = sortedIndices.length;
      if (unsortedIndices.length != b) {
        throw new IllegalArgumentException(
            "sorted_indices has " + b + " entries but unsorted_indices has " + unsortedIndices.length);
      }
      if (batchSizes.length > 0 && batchSizes[0] > b) {
        throw new IllegalArgumentException(
            "batch_sizes[0] = " + batchSizes[0] + " exceeds the batch size " + b + " given by sorted_indices");
      }
      for (int j = 0; j < b; j++) {
        int s = sortedIndices[j];
        if (s < 0 || s >= b || unsortedIndices[s] != j) {
          throw new IllegalArgumentException(
              "unsorted_indices must be the inverse permutation of sorted_indices, got "
                  + Arrays.toString(sortedIndices) + " and " + Arrays.toString(unsortedIndices));
        }
      }
    }
    this.data = data;
    this.batchSizes = batchSizes;
    this.sortedIndices = sortedIndices;
    this.unsortedIndices = unsortedIndices;
  }

  /** The packed steps, {@code (N, *)}. */
  public Tensor data() {
    return data;
  }

  /** A copy of the batch sizes. */
  public int[] batchSizes() {
    return batchSizes.clone();
  }

  /** A copy of the sorted indices, or {@code null}. */
  public int[] sortedIndices() {
    return sortedIndices == null ? null : sortedIndices.clone();
  }

  /** A copy of the unsorted indices, or {@code null}. */
  public int[] unsortedIndices() {
    return unsortedIndices == null ? null : unsortedIndices.clone();
  }

  /** Number of sequences (zero-length ones included). */
  public int batchSize() {
    if (sortedIndices != null) {
      return sortedIndices.length;
    }
    return batchSizes.length == 0 ? 0 : batchSizes[0];
  }

  /** Number of steps of the longest sequence. */
  public int maxLength() {
    return batchSizes.length;
  }

  /** The sequence lengths in sorted order (longest first), zero-length sequences included at the end. */
  public int[] sortedLengths() {
    int[] len = new int[batchSize()];
    for (int bs : batchSizes) {
      for (int j = 0; j < bs; j++) {
        len[j]++;
      }
    }
    return len;
  }

  /** The sequence lengths in the caller's batch order. */
  public int[] lengths() {
    int[] sorted = sortedLengths();
    if (sortedIndices == null) {
      return sorted;
    }
    int[] len = new int[sorted.length];
    for (int j = 0; j < sorted.length; j++) {
      len[sortedIndices[j]] = sorted[j];
    }
    return len;
  }

  /** {@code batch_sizes} as PyTorch holds it: an int64 tensor. */
  public Tensor batchSizesTensor() {
    return longs(batchSizes);
  }

  /** The same batch structure with other data (e.g. a layer's output), checked like any new instance. */
  public PackedSequence withData(Tensor newData) {
    return new PackedSequence(newData, batchSizes, sortedIndices, unsortedIndices);
  }

  /** True when {@code other} has the same batch structure (batch sizes and indices), whatever its data. */
  public boolean sameStructure(PackedSequence other) {
    return Arrays.equals(batchSizes, other.batchSizes)
        && Arrays.equals(sortedIndices, other.sortedIndices)
        && Arrays.equals(unsortedIndices, other.unsortedIndices);
  }

  /** Equal structure and data contents (dtype, shape and every element). */
  @Override
  public boolean equals(Object o) {
    return o instanceof PackedSequence p && sameStructure(p) && data.contentEquals(p.data);
  }

  @Override
  public int hashCode() {
    int h = Arrays.hashCode(batchSizes);
    h = 31 * h + Arrays.hashCode(sortedIndices);
    h = 31 * h + Arrays.hashCode(unsortedIndices);
    h = 31 * h + data.shape().hashCode();
    return 31 * h + Arrays.hashCode(data.toFloatArray());
  }

  /** PyTorch's repr: {@code PackedSequence(data=tensor(...), batch_sizes=tensor([...]), sorted_indices=None, ...)}. */
  @Override
  public String toString() {
    return "PackedSequence(data=" + data + ", batch_sizes=" + longs(batchSizes) + ", sorted_indices="
        + (sortedIndices == null ? "None" : longs(sortedIndices).toString()) + ", unsorted_indices="
        + (unsortedIndices == null ? "None" : longs(unsortedIndices).toString()) + ")";
  }

  private static Tensor longs(int[] v) {
    long[] l = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      l[i] = v[i];
    }
    return Tensor.ofLongs(l);
  }
}
