package dev.rnn4j.cli;

import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads a trained model for generate/eval, turning every mismatch into one line naming the checkpoint. */
final class Checkpoints {
  private Checkpoints() {}

  record Loaded(Path dir, Checkpoint.Contents contents, LanguageModel model, Tokenizer tokenizer) {}

  /** {@code dir} itself, or {@code dir/checkpoint} when given a run directory. */
  static Path locate(Path dir) throws NoSuchFileException {
    if (Checkpoint.exists(dir)) {
      return dir;
    }
    if (Checkpoint.exists(dir.resolve("checkpoint"))) {
      return dir.resolve("checkpoint");
    }
    throw new NoSuchFileException(
        dir + (Files.exists(dir) ? " holds no checkpoint (no config.json in it or in its checkpoint/)" : " does not exist"));
  }

  static Loaded load(Path dir) throws IOException {
    return load(dir, false);
  }

  /** Loads the model; non-finite weights are refused unless {@code allowNonFinite}. */
  static Loaded load(Path dir, boolean allowNonFinite) throws IOException {
    Path d = locate(dir);
    Checkpoint.Contents c = Checkpoint.read(d);
    LanguageModelConfig cfg;
    try {
      cfg = LanguageModelConfig.fromJson(c.config());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot use checkpoint " + d + ": " + e.getMessage());
    }
    Tokenizer tok = Tokenizer.fromJson(c.vocabJson());
    if (tok.vocabulary().size() != cfg.vocabSize()) {
      throw new IllegalArgumentException("checkpoint " + d + ": vocab.json has " + tok.vocabulary().size()
          + " tokens but config.json says vocab_size " + cfg.vocabSize());
    }
    LanguageModel model = new LanguageModel(cfg, new Generator(0));
    try {
      model.loadStateDict(c.model(), true);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("checkpoint " + d + " does not fit the " + cfg.modelType()
          + " model its config.json describes: " + e.getMessage().replace("\n\t", " ").replace('\n', ' '));
    }
    java.util.List<String> bad = dev.rnn4j.train.Trainer.nonFinite(c.model());
    if (!bad.isEmpty() && !allowNonFinite) {
      throw new IllegalArgumentException("checkpoint " + d + " holds non-finite weights (NaN or infinity in "
          + bad.size() + " tensors: " + String.join(", ", bad.subList(0, Math.min(4, bad.size())))
          + (bad.size() > 4 ? ", ..." : "") + "); its outputs would be meaningless. Pass --allow-nonfinite to use it anyway");
    }
    model.eval();
    return new Loaded(d, c, model, tok);
  }
}
