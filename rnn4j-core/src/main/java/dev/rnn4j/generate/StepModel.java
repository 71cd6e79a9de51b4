package dev.rnn4j.generate;

/**
 * A model with explicit state that maps (one token per active sequence, state) to (next-token logits, new state):
 * what a recurrent language model does at one time step. {@link Decoder} drives it.
 *
 * <p>The state of a batch of {@code B} rows is opaque to the decoder; it only asks the model for a fresh one and to
 * gather rows of one ({@link #select}), which is how finished sequences leave the batch and how beam search
 * reorders and duplicates its hypotheses.
 *
 * @param <S> the state type, e.g. the hidden (and cell) tensors {@code [layers, B, H]}
 */
public interface StepModel<S> {
  /** Number of logits per row. */
  int vocabSize();

  /** The state before the first token, for {@code batchSize} rows. */
  S initialState(int batchSize);

  /**
   * Advances every row by one token.
   *
   * @param tokens one id per row
   * @param state the state of the same rows
   * @return logits {@code [B * vocabSize]} row-major and the new state
   */
  Output<S> step(long[] tokens, S state);

  /** The state of {@code rows} of {@code state}, in that order (rows may repeat). */
  S select(S state, int[] rows);

  /** Logits of one step and the state after it. */
  record Output<S>(float[] logits, S state) {}
}
