package dev.rnn4j.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * A hand-built step model whose answers are known: the logits after token {@code t} are row {@code t} of a fixed
 * table (a bigram model), except that once a row has consumed {@code forceEosAfter} tokens its end-token logit is
 * raised far above the rest. The state is the per-row count of consumed tokens, so a decoder that reorders or drops
 * rows incorrectly changes the answers. Every step's batch size is recorded.
 */
final class TableModel implements StepModel<int[]> {
  final float[][] table;
  final int eos;
  final int forceEosAfter;
  final List<Integer> batchSizes = new ArrayList<>();

  TableModel(float[][] table, int eos, int forceEosAfter) {
    this.table = table;
    this.eos = eos;
    this.forceEosAfter = forceEosAfter;
  }

  @Override
  public int vocabSize() {
    return table[0].length;
  }

  @Override
  public int[] initialState(int batchSize) {
    return new int[batchSize];
  }

  @Override
  public Output<int[]> step(long[] tokens, int[] state) {
    if (tokens.length != state.length) {
      throw new AssertionError("batch of " + tokens.length + " tokens with a state of " + state.length + " rows");
    }
    batchSizes.add(tokens.length);
    int v = vocabSize();
    float[] logits = new float[tokens.length * v];
    int[] next = new int[state.length];
    for (int r = 0; r < tokens.length; r++) {
      System.arraycopy(table[(int) tokens[r]], 0, logits, r * v, v);
      next[r] = state[r] + 1;
      if (eos >= 0 && next[r] >= forceEosAfter) {
        logits[r * v + eos] = 100;
      }
    }
    return new Output<>(logits, next);
  }

  @Override
  public int[] select(int[] state, int[] rows) {
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = state[rows[i]];
    }
    return out;
  }
}
