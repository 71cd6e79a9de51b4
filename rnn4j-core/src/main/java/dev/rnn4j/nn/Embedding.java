package dev.rnn4j.nn;

import dev.rnn4j.autograd.op.EmbeddingOp;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * A lookup table of {@code num} vectors of size {@code dim}: PyTorch's {@code nn.Embedding}.
 *
 * <p>Input: int64 ids of any shape {@code (*)}; output {@code (*, dim)}. Parameter {@code weight} {@code (num, dim)}
 * from N(0, 1). With a padding index, that row starts at zero and never receives a gradient. An id outside
 * {@code [0, num)} is an error naming the id and the vocabulary size.
 */
public final class Embedding extends Module {
  private final int num;
  private final int dim;
  private final int paddingIdx; // -1 for none
  private final Tensor weight; // (num, dim)

  /** {@code paddingIdx} may be negative (counted from the end, as in PyTorch) or {@code null} for none. */
  public Embedding(int num, int dim, Integer paddingIdx, Generator gen) {
    if (num <= 0 || dim < 0) {
      throw new IllegalArgumentException("Embedding needs num > 0 and dim >= 0, got num=" + num + ", dim=" + dim);
    }
    int pad = -1;
    if (paddingIdx != null) {
      if (paddingIdx >= num || paddingIdx < -num) {
        throw new IllegalArgumentException(
            "Padding_idx must be within num_embeddings: got " + paddingIdx + " for " + num + " embeddings");
      }
      pad = paddingIdx < 0 ? paddingIdx + num : paddingIdx;
    }
    this.num = num;
    this.dim = dim;
    this.paddingIdx = pad;
    this.weight = registerParameter("weight", Tensor.zeros(num, dim));
    Init.normal(weight, gen);
    if (pad >= 0) {
      java.util.Arrays.fill(weight.data(), pad * dim, (pad + 1) * dim, 0f);
      weight.markModified();
    }
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public Embedding(int num, int dim, Integer paddingIdx) {
    this(num, dim, paddingIdx, Generator.defaultGenerator());
  }

  /** No padding index; {@code weight} drawn from N(0, 1) with {@code gen}. PyTorch: {@code nn.Embedding(num, dim)}. */
  public Embedding(int num, int dim, Generator gen) {
    this(num, dim, null, gen);
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public Embedding(int num, int dim) {
    this(num, dim, Generator.defaultGenerator());
  }

  /**
   * Looks up each id: {@code (*)} int64 to {@code (*, dim)}. An id outside {@code [0, num)} or a non-int64 input is an
   * {@link IllegalArgumentException}.
   */
  public Tensor forward(Tensor ids) {
    return EmbeddingOp.apply(weight, ids, paddingIdx);
  }

  /** The table, {@code (num, dim)}, a parameter registered as {@code weight}. */
  public Tensor weight() {
    return weight;
  }

  /** {@code num}; PyTorch: {@code num_embeddings}. */
  public int numEmbeddings() {
    return num;
  }

  /** {@code dim}; PyTorch: {@code embedding_dim}. */
  public int embeddingDim() {
    return dim;
  }

  /** The padding row, or -1. */
  public int paddingIdx() {
    return paddingIdx;
  }

  @Override
  public String toString() {
    return "Embedding(" + num + ", " + dim + (paddingIdx >= 0 ? ", padding_idx=" + paddingIdx : "") + ")";
  }
}
