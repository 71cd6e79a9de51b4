package dev.rnn4j.model;

import com.google.gson.JsonObject;
import java.util.Locale;

/**
 * What builds a {@link LanguageModel}: the recurrent layer type and sizes. Written to {@code config.json} together
 * with the parameter naming scheme, so a checkpoint says how to read it.
 *
 * @param modelType {@code rnn} (tanh), {@code lstm} or {@code gru}
 * @param vocabSize tokens, {@code V}
 * @param embeddingSize {@code E}
 * @param hiddenSize {@code H}
 * @param numLayers stacked recurrent layers
 * @param dropout between recurrent layers and on the last layer's output (training only)
 * @param projSize LSTM projection size (0 = none)
 * @param embeddingDropout dropout on the embedding output, before the recurrent layer (training only), as
 *     {@code self.drop(self.encoder(input))} in PyTorch's word_language_model; 0 = none
 * @param tieWeights the decoder uses the embedding's weight ({@code decoder.weight = embedding.weight}, Press and Wolf
 *     2017), so the checkpoint holds {@code embedding.weight} and {@code decoder.bias} only; needs the embedding size
 *     to equal the decoder's input size ({@link #outputSize()})
 */
public record LanguageModelConfig(
    String modelType, int vocabSize, int embeddingSize, int hiddenSize, int numLayers, double dropout, int projSize,
    double embeddingDropout, boolean tieWeights) {
  /** The parameter names the model registers, in order (also written to config.json). */
  public static final String NAMING =
      "embedding.weight (V, E); rnn.weight_ih_l{k}, rnn.weight_hh_l{k}, rnn.bias_ih_l{k}, rnn.bias_hh_l{k}"
          + " [, rnn.weight_hr_l{k}] as torch.nn.RNN/LSTM/GRU; decoder.weight (V, H_out) (absent when tie_weights:"
          + " embedding.weight is used), decoder.bias (V)";

  /**
   * Lower-cases {@code modelType} and checks every value; an unknown type or a size out of range is an
   * {@link IllegalArgumentException} naming it.
   */
  public LanguageModelConfig {
    modelType = modelType.toLowerCase(Locale.ROOT);
    if (!modelType.equals("rnn") && !modelType.equals("lstm") && !modelType.equals("gru")) {
      throw new IllegalArgumentException("model type must be rnn, lstm or gru, got '" + modelType + "'");
    }
    positive("vocabulary size", vocabSize);
    positive("embedding size", embeddingSize);
    positive("hidden size", hiddenSize);
    positive("number of layers", numLayers);
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    if (!(embeddingDropout >= 0 && embeddingDropout < 1)) {
      throw new IllegalArgumentException("embedding dropout must be in [0, 1), got " + embeddingDropout);
    }
    if (projSize < 0 || (projSize > 0 && !modelType.equals("lstm"))) {
      throw new IllegalArgumentException("projSize must be 0, or positive for lstm only; got " + projSize + " for " + modelType);
    }
    if (projSize >= hiddenSize) {
      throw new IllegalArgumentException("projSize has to be smaller than hiddenSize " + hiddenSize + ", got " + projSize);
    }
    if (tieWeights && embeddingSize != (projSize > 0 ? projSize : hiddenSize)) {
      throw new IllegalArgumentException("tied weights need the embedding size to equal the decoder's input size ("
          + (projSize > 0 ? "proj size " + projSize : "hidden size " + hiddenSize) + "), got embedding size "
          + embeddingSize);
    }
    int gates = modelType.equals("lstm") ? 4 : modelType.equals("gru") ? 3 : 1;
    long out = projSize > 0 ? projSize : hiddenSize;
    long largest = Math.max(Math.max((long) vocabSize * embeddingSize, (long) vocabSize * out),
        (long) gates * hiddenSize * Math.max(Math.max(embeddingSize, hiddenSize), out));
    if (largest > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a " + modelType + " with vocabulary " + vocabSize + ", embedding "
          + embeddingSize + " and hidden size " + hiddenSize + " needs a weight of " + largest + " elements; at most "
          + (Integer.MAX_VALUE - 8) + " fit in one tensor (lower the sizes)");
    }
  }

  /** Without embedding dropout or tied weights (the configuration of checkpoints from before those fields). */
  public LanguageModelConfig(
      String modelType, int vocabSize, int embeddingSize, int hiddenSize, int numLayers, double dropout, int projSize) {
    this(modelType, vocabSize, embeddingSize, hiddenSize, numLayers, dropout, projSize, 0, false);
  }

  private static void positive(String what, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
  }

  /** Size of each step's output, {@code projSize} when set, else {@code hiddenSize}. */
  public int outputSize() {
    return projSize > 0 ? projSize : hiddenSize;
  }

  /**
   * The configuration as written to {@code config.json}, with snake_case keys, the architecture name and
   * {@link #NAMING}.
   */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("architecture", "rnn4j.LanguageModel");
    o.addProperty("model_type", modelType);
    o.addProperty("vocab_size", vocabSize);
    o.addProperty("embedding_size", embeddingSize);
    o.addProperty("hidden_size", hiddenSize);
    o.addProperty("num_layers", numLayers);
    o.addProperty("dropout", dropout);
    o.addProperty("proj_size", projSize);
    o.addProperty("embedding_dropout", embeddingDropout);
    o.addProperty("tie_weights", tieWeights);
    o.addProperty("parameter_names", NAMING);
    return o;
  }

  /**
   * Reads {@link #toJson()}'s output; a missing or malformed field is an error naming it, except
   * {@code embedding_dropout} and {@code tie_weights}, which default to 0 and false (checkpoints written before them).
   */
  public static LanguageModelConfig fromJson(JsonObject o) {
    if (!o.has("architecture") || !o.get("architecture").getAsString().equals("rnn4j.LanguageModel")) {
      throw new IllegalArgumentException(
          "config.json does not describe an rnn4j.LanguageModel (architecture = " + o.get("architecture") + ")");
    }
    try {
      return new LanguageModelConfig(
          o.get("model_type").getAsString(), o.get("vocab_size").getAsInt(), o.get("embedding_size").getAsInt(),
          o.get("hidden_size").getAsInt(), o.get("num_layers").getAsInt(), o.get("dropout").getAsDouble(),
          o.get("proj_size").getAsInt(), o.has("embedding_dropout") ? o.get("embedding_dropout").getAsDouble() : 0,
          o.has("tie_weights") && o.get("tie_weights").getAsBoolean());
    } catch (NullPointerException | UnsupportedOperationException | IllegalStateException | NumberFormatException e) {
      throw new IllegalArgumentException("config.json is missing a field or has a malformed one: " + o);
    }
  }
}
