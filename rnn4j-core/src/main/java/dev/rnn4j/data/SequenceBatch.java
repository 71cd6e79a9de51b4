package dev.rnn4j.data;

import dev.rnn4j.tensor.Tensor;

/**
 * A batch of language-model examples sorted by decreasing length, ready to pack (PyTorch's
 * {@code pack_padded_sequence(..., enforce_sorted=True)}). Example {@code b} is the sequence {@code s}: its inputs
 * are {@code <bos> s} and its targets {@code s <eos>} (see {@link #of} for masking), both of length {@code lengths[b] = |s| + 1}.
 *
 * <p>Legend: {@code T} the longest length, {@code B} the batch size.
 *
 * @param inputs int64 {@code [T, B]} time-major, {@code <pad>} after each example's end
 * @param targets int64 {@code [T, B]} time-major, {@code <pad>} (= the loss's ignore index) after each end
 * @param lengths per example, non-increasing
 * @param batchSizes per step {@code t}: how many examples are longer than {@code t} (the packed layout's
 *     {@code batch_sizes})
 * @param packedTargets int64 {@code [sum(lengths)]}: the targets in packed order (step by step, then example), to
 *     compare with a packed output's {@code data}
 * @param sourceIndices which corpus sequence each example is
 */
public record SequenceBatch(
    Tensor inputs, Tensor targets, int[] lengths, int[] batchSizes, Tensor packedTargets, int[] sourceIndices) {

  /** Number of examples, {@code B}. */
  public int batchSize() {
    return lengths.length;
  }

  /** Number of predicted tokens (= rows of the packed data). */
  public int numTokens() {
    return packedTargets.numel();
  }

  /**
   * Builds the batch of {@code seqs} (already sorted by decreasing length). Targets before {@code lossFrom[b]} (the
   * prompt part of a sequence, e.g. the question of a question/answer pair) are {@code <pad>}, so the loss ignores
   * them; {@code lossFrom} may be null (every target counts).
   */
  static SequenceBatch of(int[][] seqs, int[] lossFrom, int[] sourceIndices) {
    int b = seqs.length;
    int[] lengths = new int[b];
    for (int i = 0; i < b; i++) {
      lengths[i] = seqs[i].length + 1;
      if (i > 0 && lengths[i] > lengths[i - 1]) {
        throw new IllegalArgumentException("sequences must be sorted by decreasing length");
      }
    }
    int t = lengths[0];
    long[] in = new long[t * b];
    long[] tg = new long[t * b];
    int[] batchSizes = new int[t];
    int total = 0;
    for (int i = 0; i < b; i++) {
      total += lengths[i];
      for (int k = 0; k < lengths[i]; k++) {
        in[k * b + i] = k == 0 ? Vocabulary.BOS_ID : seqs[i][k - 1];
        boolean masked = lossFrom != null && k < lossFrom[i];
        tg[k * b + i] = masked ? Vocabulary.PAD_ID : k == lengths[i] - 1 ? Vocabulary.EOS_ID : seqs[i][k];
        batchSizes[k]++;
      }
    }
    long[] packed = new long[total];
    int r = 0;
    for (int k = 0; k < t; k++) {
      for (int i = 0; i < batchSizes[k]; i++) {
        packed[r++] = tg[k * b + i];
      }
    }
    return new SequenceBatch(
        Tensor.ofLongs(in, t, b), Tensor.ofLongs(tg, t, b), lengths, batchSizes, Tensor.ofLongs(packed, total),
        sourceIndices);
  }
}
