package dev.rnn4j.model;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.StepModel;
import dev.rnn4j.nn.Dropout;
import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.Module;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.LstmOutput;
import dev.rnn4j.nn.rnn.Rnn;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.nn.rnn.RnnOutput;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * A recurrent language model: {@code Embedding -> Dropout -> RNN/LSTM/GRU -> Dropout -> Linear}, the notebook's GRU
 * language model and PyTorch's word_language_model, with the state dict names {@code embedding.weight},
 * {@code rnn.weight_ih_l0}, ..., {@code decoder.weight}, {@code decoder.bias}. The first dropout has
 * {@link LanguageModelConfig#embeddingDropout()}, the second (and the one between recurrent layers)
 * {@link LanguageModelConfig#dropout()}; both are {@code nn.Dropout} (each element zeroed with probability p in
 * training, the rest scaled by {@code 1/(1-p)}; the identity in eval mode). With
 * {@link LanguageModelConfig#tieWeights()} the decoder multiplies by {@code embedding.weight} and has no weight of its
 * own; its gradient is the sum of both uses, as in PyTorch after {@code decoder.weight = encoder.weight}.
 *
 * <p>Legend: {@code T} steps, {@code B} batch, {@code E} embedding size, {@code H_out} the recurrent output size,
 * {@code V} vocabulary, {@code N} packed rows. Training runs packed batches ({@link #forwardPacked}), so no step is
 * computed on padding; generation runs one step at a time through {@link StepModel} with explicit state.
 */
public final class LanguageModel extends Module implements StepModel<LanguageModel.State> {
  /** The recurrent state: {@code h (numLayers, B, H_out)} and, for LSTM, {@code c (numLayers, B, H)}. */
  public record State(Tensor h, Tensor c) {
    /** The same values cut off from the graph (truncated backpropagation through time). */
    public State detach() {
      return new State(h.detach(), c == null ? null : c.detach());
    }
  }

  /** The packed outputs of a forward pass and the final state (caller's batch order). */
  public record PackedOutput(Tensor logits, State state) {}

  /**
   * The padded outputs of {@link #forward(Tensor, int[], State)}.
   *
   * @param logits {@code [T, B, V]} in the caller's batch order, zero at padded steps
   * @param state the final state, in the caller's batch order
   */
  public record PaddedOutput(Tensor logits, State state) {}

  private final LanguageModelConfig config;
  private final Embedding embedding;
  private final RnnBase rnn;
  private final Dropout embDrop;
  private final Dropout drop;
  private final Module decoder; // Linear, or TiedDecoder with tieWeights

  /** Builds the model with every parameter drawn from {@code gen}; dropout later draws from it too. */
  public LanguageModel(LanguageModelConfig config, Generator gen) {
    this.config = config;
    this.embedding = registerModule(
        "embedding", new Embedding(config.vocabSize(), config.embeddingSize(), Vocabulary.PAD_ID, gen));
    RnnConfig rc = RnnConfig.builder(config.embeddingSize(), config.hiddenSize())
        .numLayers(config.numLayers())
        .dropout(config.numLayers() > 1 ? config.dropout() : 0)
        .projSize(config.projSize())
        .build();
    this.rnn = registerModule("rnn", switch (config.modelType()) {
      case "lstm" -> new Lstm(rc, gen);
      case "gru" -> new Gru(rc, gen);
      default -> new Rnn(rc, gen);
    });
    this.drop = new Dropout(config.dropout(), gen); // no parameters: not registered, follows train()/eval() below
    this.embDrop = new Dropout(config.embeddingDropout(), gen);
    this.decoder = registerModule("decoder", config.tieWeights()
        ? new TiedDecoder(embedding.weight(), config.outputSize(), gen)
        : new Linear(config.outputSize(), config.vocabSize(), gen));
  }

  /** Draws from {@link Generator#defaultGenerator()}, for tutorial code; the form with a generator is recommended. */
  public LanguageModel(LanguageModelConfig config) {
    this(config, Generator.defaultGenerator());
  }

  /** The configuration the model was built from. */
  public LanguageModelConfig config() {
    return config;
  }

  @Override
  public Module train(boolean mode) {
    super.train(mode);
    if (drop != null) {
      drop.train(mode);
      embDrop.train(mode);
    }
    return this;
  }

  private boolean isLstm() {
    return rnn instanceof Lstm;
  }

  /**
   * Logits for a sorted padded batch of token ids, computed on the packed rows only. For a batch in any order, use
   * {@link #forward(Tensor, int[], State)}.
   *
   * @param inputs int64 {@code [T, B]} time-major, examples sorted by decreasing length
   * @param lengths per example, non-increasing
   * @param state initial state or {@code null} for zeros
   * @return logits {@code [N, V]} in packed order, and the final state
   */
  public PackedOutput forwardPacked(Tensor inputs, int[] lengths, State state) {
    Run r = run(inputs, lengths, state, true);
    return new PackedOutput(r.logits().data(), r.state());
  }

  /**
   * Logits for a padded batch of token ids in any order, PyTorch's {@code pack_padded_sequence(...,
   * enforce_sorted=False)} followed by {@code pad_packed_sequence}: the recurrent layer runs on the packed rows only
   * (no step is computed on padding), and the logits come back padded, in the caller's batch order.
   *
   * @param inputs int64 {@code [T, B]} time-major, padded after each sequence, in any order of lengths
   * @param lengths per example, each between 0 and {@code T}
   * @param state initial state in the caller's batch order, or {@code null} for zeros
   * @return logits {@code [T, B, V]} (zero where {@code t >= lengths[b]}) and the final state, both in the caller's
   *     batch order
   */
  public PaddedOutput forward(Tensor inputs, int[] lengths, State state) {
    Run r = run(inputs, lengths, state, false);
    Tensor logits = Packing.padPackedSequence(r.logits(), false, 0f, inputs.size(0)).output(); // (T, B, V)
    return new PaddedOutput(logits, r.state());
  }

  /** Packed logits (the packing's batch order recorded in them) and the final state in the caller's order. */
  private record Run(PackedSequence logits, State state) {}

  private Run run(Tensor inputs, int[] lengths, State state, boolean enforceSorted) {
    if (inputs.dim() != 2) {
      throw new IllegalArgumentException(
          "LanguageModel expects token ids of shape [T, B] (time-major), got " + inputs.shape());
    }
    Tensor emb = embDrop.forward(embedding.forward(inputs)); // (T, B, E)
    PackedSequence packed = Packing.packPaddedSequence(emb, lengths, false, enforceSorted);
    Tensor h0 = state == null ? null : state.h();
    Tensor c0 = state == null ? null : state.c();
    RnnOutput<PackedSequence> out;
    if (rnn instanceof Lstm l) {
      out = l.forward(packed, h0, c0);
    } else if (rnn instanceof Gru g) {
      out = g.forward(packed, h0);
    } else {
      out = ((Rnn) rnn).forward(packed, h0);
    }
    Tensor hidden = drop.forward(out.output().data()); // (N, H_out)
    Tensor cN = out instanceof LstmOutput<PackedSequence> lo ? lo.cN() : null;
    Tensor logits = decoder instanceof Linear lin ? lin.forward(hidden) : ((TiedDecoder) decoder).forward(hidden);
    return new Run(out.output().withData(logits), new State(out.hN(), cN)); // (N, V)
  }

  /** Logits for a full padded batch {@code [T, B]} (every column of length T, e.g. a BPTT chunk): {@code [T*B, V]}. */
  public PackedOutput forwardFull(Tensor inputs, State state) {
    int[] lengths = new int[inputs.size(1)];
    java.util.Arrays.fill(lengths, inputs.size(0));
    return forwardPacked(inputs, lengths, state); // equal lengths: packed order is time-major, as the padded layout
  }

  @Override
  public int vocabSize() {
    return config.vocabSize();
  }

  @Override
  public State initialState(int batchSize) {
    Tensor h = Tensor.zeros(config.numLayers(), batchSize, config.outputSize());
    Tensor c = isLstm() ? Tensor.zeros(config.numLayers(), batchSize, config.hiddenSize()) : null;
    return new State(h, c);
  }

  /** One step for generation (no graph is recorded): tokens {@code [B]} to logits {@code [B * V]}. */
  @Override
  public Output<State> step(long[] tokens, State state) {
    try (GradMode g = GradMode.disable()) {
      Tensor ids = Tensor.ofLongs(tokens, 1, tokens.length);
      int[] lengths = new int[tokens.length];
      java.util.Arrays.fill(lengths, 1);
      PackedOutput out = forwardPacked(ids, lengths, state);
      return new Output<>(out.logits().data(), out.state());
    }
  }

  @Override
  public State select(State state, int[] rows) {
    return new State(selectRows(state.h(), rows), state.c() == null ? null : selectRows(state.c(), rows));
  }

  /** Rows {@code rows} of dim 1 of a {@code (layers, B, X)} tensor. */
  private static Tensor selectRows(Tensor t, int[] rows) {
    int layers = t.size(0);
    int b = t.size(1);
    int x = t.size(2);
    float[] src = t.data();
    float[] dst = new float[layers * rows.length * x];
    for (int l = 0; l < layers; l++) {
      for (int i = 0; i < rows.length; i++) {
        if (rows[i] < 0 || rows[i] >= b) {
          throw new IllegalArgumentException("row " + rows[i] + " out of range for a state of batch " + b);
        }
        System.arraycopy(src, (l * b + rows[i]) * x, dst, (l * rows.length + i) * x, x);
      }
    }
    return Tensor.wrap(dst, new Shape(layers, rows.length, x));
  }

  @Override
  public String toString() {
    return "LanguageModel(" + embedding + ", " + embDrop + ", " + rnn + ", " + drop + ", " + decoder + ")";
  }

  /**
   * The decoder of a model with tied weights: {@code x E^T + b} with the embedding's weight {@code E (V, H_out)}
   * (registered by the embedding, not here) and its own bias, initialised as {@code nn.Linear}'s.
   */
  private static final class TiedDecoder extends Module {
    private final Tensor weight; // (V, H_out), the embedding's
    private final Tensor bias; // (V)

    TiedDecoder(Tensor embeddingWeight, int inFeatures, Generator gen) {
      this.weight = embeddingWeight;
      this.bias = registerParameter("bias", Tensor.zeros(embeddingWeight.size(0)));
      dev.rnn4j.nn.Init.uniform(bias, 1 / Math.sqrt(inFeatures), gen);
    }

    Tensor forward(Tensor x) {
      return dev.rnn4j.autograd.op.LinearOp.apply(x, weight, bias);
    }

    @Override
    public String toString() {
      return "Linear(in_features=" + weight.size(1) + ", out_features=" + weight.size(0) + ", bias=True, tied to "
          + "embedding.weight)";
    }
  }
}
