package dev.rnn4j.data;

import dev.rnn4j.tensor.Generator;

/**
 * Batches of fixed-width chunks over one token stream, planned an epoch at a time from a generator: what the trainer's
 * stream modes read. {@link StreamBatcher} cuts the stream into columns whose state carries from chunk to chunk;
 * {@link WindowBatcher} draws independent windows, each from a zero state.
 */
public interface StreamBatches {
  /** Columns of a batch, {@code B}. */
  int batchSize();

  /** Steps of a chunk (the mean, where they vary). */
  int bptt();

  /** About how many batches an epoch has: what {@code --epochs} converts to steps with. */
  int chunksPerEpoch();

  /** Plans the next epoch, drawing from {@code gen}; the same generator state gives the same epoch. */
  StreamBatcher.Epoch epoch(Generator gen);

  /** Whether column {@code b} of a chunk continues column {@code b} of the one before (then the trainer carries the state). */
  boolean carriesState();
}
