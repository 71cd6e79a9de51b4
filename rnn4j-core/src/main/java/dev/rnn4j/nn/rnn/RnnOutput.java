package dev.rnn4j.nn.rnn;

import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.tensor.Tensor;
import java.util.Objects;

/**
 * What {@link Rnn} and {@link Gru} return: PyTorch's {@code output, h_n}. {@link Lstm} returns the subtype
 * {@link LstmOutput}, which adds {@code c_n}; so the types say which layer has a cell state, and an LSTM result still
 * fits an {@code RnnOutput} variable where only {@code output} and {@code h_n} matter.
 *
 * @param <O> {@code Tensor} or {@code PackedSequence}, matching the input
 */
public sealed class RnnOutput<O> permits LstmOutput {
  private final O output;
  private final Tensor hN;

  /**
   * @param output a {@link Tensor} {@code (L, B, D*H_out)} (batch-first: {@code (B, L, D*H_out)}; unbatched:
   *     {@code (L, D*H_out)}) for padded input, or a {@link PackedSequence} for packed input
   * @param hN {@code (numLayers*D, B, H_out)} (unbatched: {@code (numLayers*D, H_out)}), in the caller's batch order;
   *     {@code batchFirst} never applies to it
   */
  public RnnOutput(O output, Tensor hN) {
    this.output = Objects.requireNonNull(output, "output");
    this.hN = Objects.requireNonNull(hN, "hN");
  }

  /** The outputs of the last layer at every step: PyTorch's {@code output}. */
  public O output() {
    return output;
  }

  /** The final hidden state of every layer and direction: PyTorch's {@code h_n}. */
  public Tensor hN() {
    return hN;
  }

  /** The result for one recurrent layer type: {@link LstmOutput} when {@code cN} is given, else {@code RnnOutput}. */
  static <O> RnnOutput<O> of(O output, Tensor hN, Tensor cN) {
    return cN == null ? new RnnOutput<>(output, hN) : new LstmOutput<>(output, hN, cN);
  }

  @Override
  public boolean equals(Object o) {
    return o != null && o.getClass() == getClass() && output.equals(((RnnOutput<?>) o).output)
        && hN.equals(((RnnOutput<?>) o).hN);
  }

  @Override
  public int hashCode() {
    return Objects.hash(output, hN);
  }

  @Override
  public String toString() {
    return "RnnOutput[output=" + output + ", hN=" + hN + "]";
  }
}
