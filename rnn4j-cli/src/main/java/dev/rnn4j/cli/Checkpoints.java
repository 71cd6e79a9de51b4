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

  /**
   * The checkpoint {@code dir} names. A checkpoint directory (one holding config.json, such as {@code run/checkpoint}
   * or {@code run/best}) is used as it is; a run directory gives its {@code best/} (the lowest validation loss) when
   * it has one, else its {@code checkpoint/} (the latest).
   */
  static Path locate(Path dir) throws NoSuchFileException {
    if (Checkpoint.exists(dir)) {
      return dir;
    }
    if (Checkpoint.exists(dir.resolve("best"))) {
      return dir.resolve("best");
    }
    if (Checkpoint.exists(dir.resolve("checkpoint"))) {
      return dir.resolve("checkpoint");
    }
    throw new NoSuchFileException(dir + (Files.exists(dir)
        ? " holds no checkpoint (no config.json in it or in its best/ or checkpoint/)" : " does not exist"));
  }

  /** Tells the user, on {@code err}, that a run directory {@code given} was read from its best/. */
  static void noteBest(Path given, Loaded l, java.io.PrintWriter err) {
    if (!l.dir().equals(given) && l.dir().getFileName().toString().equals("best")) {
      err.println("using " + l.dir() + " (the lowest validation loss; give " + given.resolve("checkpoint")
          + " for the latest)");
      err.flush();
    }
  }

  /**
   * The token ids a generation starts from: {@code <bos>} then the prompt for a model trained on sequences; for a
   * model trained on one stream ({@code --bptt}), which never saw {@code <bos>}, the prompt itself, or a newline when
   * the prompt is empty (and the vocabulary has one).
   */
  static int[] promptIds(Loaded l, int[] prompt) {
    com.google.gson.JsonObject ts = l.contents().trainerState();
    com.google.gson.JsonObject extra = ts == null ? null : ts.getAsJsonObject("extra");
    boolean stream = extra != null && extra.has("bptt") && extra.get("bptt").getAsInt() > 0;
    int newline = RunData.singleId(l.tokenizer(), "\n");
    if (stream && (prompt.length > 0 || newline >= 0)) {
      return prompt.length > 0 ? prompt.clone() : new int[] {newline};
    }
    int[] p = new int[prompt.length + 1];
    p[0] = dev.rnn4j.data.Vocabulary.BOS_ID;
    System.arraycopy(prompt, 0, p, 1, prompt.length);
    return p;
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
