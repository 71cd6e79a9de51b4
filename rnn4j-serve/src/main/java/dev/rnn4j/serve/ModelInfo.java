package dev.rnn4j.serve;

import com.google.gson.JsonObject;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;

/**
 * What {@code GET /v1/model} says about where the model came from: the checkpoint it was read from and its training
 * step (null and -1 for a model built in code).
 */
public record ModelInfo(String checkpoint, long step) {
  /** A model that did not come from a checkpoint. */
  public static ModelInfo inMemory() {
    return new ModelInfo(null, -1);
  }

  JsonObject toJson(LanguageModel model, Tokenizer tokenizer) {
    LanguageModelConfig c = model.config();
    JsonObject o = new JsonObject();
    o.addProperty("cell", c.modelType());
    o.addProperty("vocab_size", c.vocabSize());
    o.addProperty("embedding_size", c.embeddingSize());
    o.addProperty("hidden_size", c.hiddenSize());
    o.addProperty("num_layers", c.numLayers());
    o.addProperty("proj_size", c.projSize());
    long params = 0;
    for (var t : model.parameters()) {
      params += t.numel();
    }
    o.addProperty("parameters", params);
    o.addProperty("tokenizer", tokenizer.kind());
    if (checkpoint != null) {
      o.addProperty("checkpoint", checkpoint);
    }
    if (step >= 0) {
      o.addProperty("checkpoint_step", step);
    }
    return o;
  }
}
