package dev.rnn4j.nn.rnn.pack;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch's {@code torch.nn.utils.rnn}: packing padded batches into {@link PackedSequence}s and back. Every function
 * is differentiable with respect to its float tensors (each is one copy through an index map and one autograd node).
 *
 * <p>Legend: {@code L} padded length, {@code T} longest sequence, {@code B} batch, {@code *} feature dims, {@code N}
 * total number of valid steps.
 *
 * <p>Beyond PyTorch, sequences of length zero are accepted everywhere: they have no rows in the packed data and pad
 * to all-padding. The packed result then records the batch order (sorted/unsorted indices) even when the input was
 * sorted, so the batch size is never lost.
 */
public final class Packing {
  private Packing() {}

  /** The result of {@link #padPackedSequence}: the padded batch and the lengths (int64, caller's order). */
  public record Padded(Tensor output, Tensor lengths) {}

  /**
   * {@code pack_padded_sequence(input, lengths)} with PyTorch's defaults: {@code input} time-major {@code (L, B, *)},
   * {@code lengths} (int64, one per sequence) sorted by decreasing length.
   */
  public static PackedSequence packPaddedSequence(Tensor input, Tensor lengths) {
    return packPaddedSequence(input, lengths, PackOptions.DEFAULT);
  }

  /** {@code pack_padded_sequence(input, lengths)} with lengths as an int array, PyTorch's defaults. */
  public static PackedSequence packPaddedSequence(Tensor input, int[] lengths) {
    return packPaddedSequence(input, lengths, PackOptions.DEFAULT);
  }

  /** {@code pack_padded_sequence(input, lengths, batch_first=..., enforce_sorted=...)}, the options named. */
  public static PackedSequence packPaddedSequence(Tensor input, Tensor lengths, PackOptions options) {
    return packPaddedSequence(input, lengths, options.batchFirst(), options.enforceSorted());
  }

  /** {@code pack_padded_sequence(input, lengths, batch_first=..., enforce_sorted=...)} with int lengths. */
  public static PackedSequence packPaddedSequence(Tensor input, int[] lengths, PackOptions options) {
    return packPaddedSequence(input, lengths, options.batchFirst(), options.enforceSorted());
  }

  /**
   * {@code pack_padded_sequence(input, lengths, batch_first, enforce_sorted)} with lengths as an int64 tensor, the
   * arguments in PyTorch's positional order. Kept for existing code; {@link PackOptions} names them.
   */
  public static PackedSequence packPaddedSequence(
      Tensor input, Tensor lengths, boolean batchFirst, boolean enforceSorted) {
    if (lengths.dim() != 1) {
      throw new IllegalArgumentException(
          "'lengths' argument should be a 1D int64 tensor, but got a " + lengths.dim() + "D tensor of shape "
              + lengths.shape());
    }
    long[] l = lengths.toLongArray();
    int[] li = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      if (l[i] < 0 || l[i] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "sequence lengths must be in [0, " + Integer.MAX_VALUE + "], got " + l[i] + " for sequence " + i);
      }
      li[i] = (int) l[i];
    }
    return packPaddedSequence(input, li, batchFirst, enforceSorted);
  }

  /**
   * Packs a padded batch, {@code (L, B, *)} or with {@code batchFirst} {@code (B, L, *)}, given each sequence's
   * length. With {@code enforceSorted} the lengths must be non-increasing; otherwise the batch is sorted here and the
   * permutation recorded in the result. Arguments in PyTorch's positional order; {@link PackOptions} names them.
   */
  public static PackedSequence packPaddedSequence(
      Tensor input, int[] lengths, boolean batchFirst, boolean enforceSorted) {
    if (input.dim() < 2) {
      throw new IllegalArgumentException(
          "pack_padded_sequence expects input of shape " + (batchFirst ? "(B, L, *)" : "(L, B, *)")
              + " with at least 2 dims, got " + input.shape());
    }
    if (input.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("pack_padded_sequence expects a float32 input, got " + input.dtype());
    }
    int padLen = input.size(batchFirst ? 1 : 0);
    int batch = input.size(batchFirst ? 0 : 1);
    if (lengths.length != batch) {
      throw new IllegalArgumentException(
          "Expected `len(lengths)` to be equal to batch_size, but got " + lengths.length + " (batch_size=" + batch
              + ")");
    }
    boolean hasZero = false;
    for (int b = 0; b < batch; b++) {
      if (lengths[b] < 0) {
        throw new IllegalArgumentException(
            "sequence lengths must be non-negative, got " + lengths[b] + " for sequence " + b);
      }
      if (lengths[b] > padLen) {
        throw new IllegalArgumentException(
            "sequence " + b + " has length " + lengths[b] + " but the padded input has only " + padLen
                + " steps (input shape " + input.shape() + (batchFirst ? ", batch_first" : "") + ")");
      }
      hasZero |= lengths[b] == 0;
    }
    int[] sorted = null;
    if (enforceSorted) {
      for (int b = 1; b < batch; b++) {
        if (lengths[b] > lengths[b - 1]) {
          throw new IllegalArgumentException(
              "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True (got "
                  + Arrays.toString(lengths) + "). You can pass `enforce_sorted=False` to pack_padded_sequence "
                  + "and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.");
        }
      }
      if (hasZero) {
        sorted = identity(batch);
      }
    } else {
      sorted = sortDescending(lengths);
    }
    int[] perm = sorted == null ? identity(batch) : sorted;
    int[] sortedLen = new int[batch];
    for (int j = 0; j < batch; j++) {
      sortedLen[j] = lengths[perm[j]];
    }
    int[] batchSizes = batchSizesOf(sortedLen);
    int n = 0;
    for (int bs : batchSizes) {
      n += bs;
    }
    int width = rowWidth(input, 2);
    int[] src = new int[n];
    int i = 0;
    for (int t = 0; t < batchSizes.length; t++) {
      for (int j = 0; j < batchSizes[t]; j++) {
        int b = perm[j];
        src[i++] = batchFirst ? b * padLen + t : t * batch + b;
      }
    }
    Tensor data = RowGather.apply("PackPaddedSequenceBackward0", input, width, src, rowShape(input, 2, n), 0f);
    return new PackedSequence(data, batchSizes, sorted, sorted == null ? null : inverse(sorted));
  }

  /** {@code pad_packed_sequence(sequence)}: time-major, padding 0, padded to the longest sequence. */
  public static Padded padPackedSequence(PackedSequence packed) {
    return padPackedSequence(packed, false, 0f, null);
  }

  /**
   * Pads a packed batch back to {@code (T, B, *)} (or {@code (B, T, *)} with {@code batchFirst}) in the caller's
   * batch order. {@code totalLength}, when not {@code null}, pads to that many steps instead of {@code T}.
   */
  public static Padded padPackedSequence(
      PackedSequence packed, boolean batchFirst, float paddingValue, Integer totalLength) {
    int[] bs = packed.batchSizes();
    int maxLen = bs.length;
    int outLen = maxLen;
    if (totalLength != null) {
      if (totalLength < maxLen) {
        throw new IllegalArgumentException(
            "Expected total_length to be at least the length of the longest sequence in input, but got "
                + "total_length=" + totalLength + " and max sequence length being " + maxLen);
      }
      outLen = totalLength;
    }
    int batch = packed.batchSize();
    int[] unsorted = packed.unsortedIndices();
    int[] sortedLen = packed.sortedLengths();
    int[] offset = new int[maxLen + 1];
    for (int t = 0; t < maxLen; t++) {
      offset[t + 1] = offset[t] + bs[t];
    }
    Tensor data = packed.data();
    int width = rowWidth(data, 1);
    int[] src = new int[outLen * batch];
    long[] lengths = new long[batch];
    for (int b = 0; b < batch; b++) {
      int j = unsorted == null ? b : unsorted[b];
      lengths[b] = sortedLen[j];
      for (int t = 0; t < outLen; t++) {
        int row = batchFirst ? b * outLen + t : t * batch + b;
        src[row] = t < sortedLen[j] ? offset[t] + j : -1;
      }
    }
    int[] dims = new int[data.dim() + 1];
    dims[0] = batchFirst ? batch : outLen;
    dims[1] = batchFirst ? outLen : batch;
    for (int d = 1; d < data.dim(); d++) {
      dims[d + 1] = data.size(d);
    }
    Tensor out = RowGather.apply("PadPackedSequenceBackward0", data, width, src, new Shape(dims), paddingValue);
    return new Padded(out, Tensor.ofLongs(lengths));
  }

  /** {@code pad_sequence(sequences)}: time-major, padding 0 on the right; float32 or int64 (token ids) sequences. */
  public static Tensor padSequence(List<Tensor> sequences) {
    return padSequence(sequences, false, 0f, PaddingSide.RIGHT);
  }

  /**
   * Stacks sequences of shape {@code (L_i, *)} into {@code (T, B, *)} (or {@code (B, T, *)}), padding each to the
   * longest with {@code paddingValue}, after the sequence ({@link PaddingSide#RIGHT}) or before it. The sequences are
   * all float32 (the result is differentiable) or all int64, such as token ids (then {@code paddingValue} must be a
   * whole number).
   */
  public static Tensor padSequence(
      List<Tensor> sequences, boolean batchFirst, float paddingValue, PaddingSide side) {
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("pad_sequence received an empty list of sequences");
    }
    Tensor first = sequences.get(0);
    if (first.dim() < 1 || (first.dtype() != DType.FLOAT32 && first.dtype() != DType.INT64)) {
      throw new IllegalArgumentException(
          "pad_sequence expects float32 or int64 sequences of shape (L_i, *); sequence 0 is " + first.shape() + " "
              + first.dtype());
    }
    int batch = sequences.size();
    int[] len = new int[batch];
    int maxLen = 0;
    for (int b = 0; b < batch; b++) {
      Tensor s = sequences.get(b);
      if (s.dim() != first.dim() || s.dtype() != first.dtype()) {
        throw new IllegalArgumentException(
            "pad_sequence expects sequences of one dtype and rank; sequence 0 is " + first.shape() + " "
                + first.dtype() + ", sequence " + b + " is " + s.shape() + " " + s.dtype());
      }
      for (int d = 1; d < s.dim(); d++) {
        if (s.size(d) != first.size(d)) {
          throw new IllegalArgumentException(
              "pad_sequence expects every sequence to have trailing shape " + trailing(first) + ", but sequence "
                  + b + " has shape " + s.shape());
        }
      }
      len[b] = s.size(0);
      maxLen = Math.max(maxLen, len[b]);
    }
    if (first.dtype() == DType.INT64) {
      return padLongs(sequences, len, maxLen, batchFirst, paddingValue, side);
    }
    Tensor all = batch == 1 ? first : Tensor.cat(sequences, 0); // (sum L_i, *)
    int width = rowWidth(first, 1);
    int[] src = new int[maxLen * batch];
    int start = 0;
    for (int b = 0; b < batch; b++) {
      int shift = side == PaddingSide.LEFT ? maxLen - len[b] : 0;
      for (int t = 0; t < maxLen; t++) {
        int k = t - shift; // step of sequence b at padded position t
        int row = batchFirst ? b * maxLen + t : t * batch + b;
        src[row] = k >= 0 && k < len[b] ? start + k : -1;
      }
      start += len[b];
    }
    int[] dims = new int[first.dim() + 1];
    dims[0] = batchFirst ? batch : maxLen;
    dims[1] = batchFirst ? maxLen : batch;
    for (int d = 1; d < first.dim(); d++) {
      dims[d + 1] = first.size(d);
    }
    return RowGather.apply("PadSequenceBackward0", all, width, src, new Shape(dims), paddingValue);
  }

  /** {@link #padSequence} for int64 sequences (not differentiable, like PyTorch's integer tensors). */
  private static Tensor padLongs(
      List<Tensor> sequences, int[] len, int maxLen, boolean batchFirst, float paddingValue, PaddingSide side) {
    long pad = (long) paddingValue;
    if (pad != paddingValue) {
      throw new IllegalArgumentException(
          "pad_sequence: padding value " + paddingValue + " is not a whole number, so it cannot pad int64 sequences");
    }
    Tensor first = sequences.get(0);
    int batch = sequences.size();
    int width = rowWidth(first, 1);
    long[] out = new long[maxLen * batch * width];
    Arrays.fill(out, pad);
    for (int b = 0; b < batch; b++) {
      long[] src = sequences.get(b).toLongArray();
      int shift = side == PaddingSide.LEFT ? maxLen - len[b] : 0;
      for (int k = 0; k < len[b]; k++) {
        int t = k + shift;
        int row = batchFirst ? b * maxLen + t : t * batch + b;
        System.arraycopy(src, k * width, out, row * width, width);
      }
    }
    int[] dims = new int[first.dim() + 1];
    dims[0] = batchFirst ? batch : maxLen;
    dims[1] = batchFirst ? maxLen : batch;
    for (int d = 1; d < first.dim(); d++) {
      dims[d + 1] = first.size(d);
    }
    return Tensor.wrap(out, new Shape(dims), DType.INT64);
  }

  /** {@code pack_sequence(sequences)} with PyTorch's default {@code enforce_sorted=True}. */
  public static PackedSequence packSequence(List<Tensor> sequences) {
    return packSequence(sequences, true);
  }

  /** {@code pack_sequence(sequences, enforce_sorted)}: sequences of shape {@code (L_i, *)}. */
  public static PackedSequence packSequence(List<Tensor> sequences, boolean enforceSorted) {
    Tensor padded = padSequence(sequences, false, 0f, PaddingSide.RIGHT);
    int[] len = new int[sequences.size()];
    for (int b = 0; b < len.length; b++) {
      len[b] = sequences.get(b).size(0);
    }
    return packPaddedSequence(padded, len, false, enforceSorted);
  }

  /** {@code unpad_sequence(padded, lengths, batch_first)}: the valid part of each sequence, {@code (L_i, *)}. */
  public static List<Tensor> unpadSequence(Tensor padded, Tensor lengths, boolean batchFirst) {
    if (padded.dim() < 2) {
      throw new IllegalArgumentException(
          "unpad_sequence expects a padded batch with at least 2 dims, got " + padded.shape());
    }
    int batch = padded.size(batchFirst ? 0 : 1);
    int padLen = padded.size(batchFirst ? 1 : 0);
    long[] l = lengths.toLongArray();
    if (lengths.dim() != 1 || l.length != batch) {
      throw new IllegalArgumentException(
          "unpad_sequence expects " + batch + " lengths (one per sequence), got shape " + lengths.shape());
    }
    List<Tensor> out = new ArrayList<>(batch);
    for (int b = 0; b < batch; b++) {
      if (l[b] < 0 || l[b] > padLen) {
        throw new IllegalArgumentException(
            "length " + l[b] + " of sequence " + b + " is outside [0, " + padLen + "] for padded shape "
                + padded.shape());
      }
      Tensor seq = padded.select(batchFirst ? 0 : 1, b);
      out.add(seq.narrow(0, 0, (int) l[b]));
    }
    return out;
  }

  /** {@code unpack_sequence(packed)}: the sequences of a packed batch, in the caller's order. */
  public static List<Tensor> unpackSequence(PackedSequence packed) {
    Padded p = padPackedSequence(packed, true, 0f, null);
    return unpadSequence(p.output(), p.lengths(), true);
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** Batch sizes of lengths sorted in decreasing order (zeros count nowhere). */
  static int[] batchSizesOf(int[] sortedLen) {
    int maxLen = sortedLen.length == 0 ? 0 : sortedLen[0];
    int[] bs = new int[maxLen];
    for (int len : sortedLen) {
      for (int t = 0; t < len; t++) {
        bs[t]++;
      }
    }
    return bs;
  }

  /** A stable descending sort of the lengths: the permutation {@code sorted[j]} = caller's index. */
  private static int[] sortDescending(int[] lengths) {
    Integer[] idx = new Integer[lengths.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Integer.compare(lengths[b], lengths[a]));
    int[] r = new int[idx.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = idx[i];
    }
    return r;
  }

  static int[] inverse(int[] perm) {
    int[] inv = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      inv[perm[i]] = i;
    }
    return inv;
  }

  private static int[] identity(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  /** Product of the dims from {@code from} on. */
  private static int rowWidth(Tensor t, int from) {
    int w = 1;
    for (int d = from; d < t.dim(); d++) {
      w *= t.size(d);
    }
    return w;
  }

  /** {@code (rows, t.shape[from:])}. */
  private static Shape rowShape(Tensor t, int from, int rows) {
    int[] dims = new int[t.dim() - from + 1];
    dims[0] = rows;
    for (int d = from; d < t.dim(); d++) {
      dims[d - from + 1] = t.size(d);
    }
    return new Shape(dims);
  }

  private static String trailing(Tensor t) {
    return Arrays.toString(Arrays.copyOfRange(t.shape().dims(), 1, t.dim()));
  }
}
