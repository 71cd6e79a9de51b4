package dev.rnn4j.nn.rnn.pack;

/**
 * The keyword arguments of PyTorch's {@code pack_padded_sequence}, named: {@code batch_first} (input is
 * {@code (B, L, *)} instead of {@code (L, B, *)}) and {@code enforce_sorted} (lengths must be non-increasing; when
 * false the batch is sorted and the order recorded, so states come back in the caller's order). {@link #DEFAULT} is
 * PyTorch's {@code batch_first=False, enforce_sorted=True}; change one with the method of the same name:
 *
 * <pre>{@code
 * // pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
 * Packing.packPaddedSequence(x, lengths, PackOptions.DEFAULT.batchFirst(true).enforceSorted(false));
 * }</pre>
 *
 * @param batchFirst {@code batch_first}: the padded input is {@code (B, L, *)}
 * @param enforceSorted {@code enforce_sorted}: the lengths must be non-increasing
 */
public record PackOptions(boolean batchFirst, boolean enforceSorted) {
  /** PyTorch's defaults: time-major input, lengths sorted by decreasing length. */
  public static final PackOptions DEFAULT = new PackOptions(false, true);

  /** These options with {@code batch_first} set to {@code on}. */
  public PackOptions batchFirst(boolean on) {
    return new PackOptions(on, enforceSorted);
  }

  /** These options with {@code enforce_sorted} set to {@code on}. */
  public PackOptions enforceSorted(boolean on) {
    return new PackOptions(batchFirst, on);
  }
}
