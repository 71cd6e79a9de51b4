package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.Tensor;
import java.util.Objects;

/**
 * What {@link Lstm} returns: PyTorch's {@code output, (h_n, c_n)}. {@code output} and {@code h_n} as in
 * {@link RnnOutput}; {@code c_n} is the final cell state.
 *
 * @param <O> {@code Tensor} or {@code PackedSequence}, matching the input
 */
public final class LstmOutput<O> extends RnnOutput<O> {
  private final Tensor cN;

  /** {@code cN} is {@code (numLayers*D, B, H)} (unbatched: {@code (numLayers*D, H)}), in the caller's batch order. */
  public LstmOutput(O output, Tensor hN, Tensor cN) {
    super(output, hN);
    this.cN = Objects.requireNonNull(cN, "cN");
  }

  /** The final cell state of every layer and direction: PyTorch's {@code c_n}. Never null. */
  public Tensor cN() {
    return cN;
  }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && cN.equals(((LstmOutput<?>) o).cN);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + cN.hashCode();
  }

  @Override
  public String toString() {
    return "LstmOutput[output=" + output() + ", hN=" + hN() + ", cN=" + cN + "]";
  }
}
