package dev.rnn4j.spark;

import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Small models, texts and Spark sessions the tests share. */
final class Fixtures {
  private Fixtures() {}

  static final String ALPHABET = "abcdefghij klmnop.";

  /** A character tokenizer over {@link #ALPHABET}. */
  static Tokenizer tokenizer() {
    return CharTokenizer.fit(ALPHABET);
  }

  /** A GRU language model with seeded random weights, written as a checkpoint into {@code dir}. */
  static LanguageModel writeCheckpoint(Path dir, String type, long seed) throws IOException {
    Tokenizer tok = tokenizer();
    LanguageModelConfig cfg = new LanguageModelConfig(type, tok.vocabulary().size(), 8, 16, 1, 0, 0);
    LanguageModel m = new LanguageModel(cfg, new Generator(seed));
    m.eval();
    Checkpoint.write(dir, new Checkpoint.Contents(m.stateDict(), cfg.toJson(), tok.toJson(), Map.of(), null));
    return m;
  }

  /** {@code n} texts of varied length (1 to 40 characters) over the alphabet, from a seeded stream. */
  static List<String> texts(int n, long seed) {
    Generator g = new Generator(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 1 + g.nextInt(40);
      StringBuilder sb = new StringBuilder();
      for (int k = 0; k < len; k++) {
        sb.append(ALPHABET.charAt(g.nextInt(ALPHABET.length())));
      }
      out.add(sb.toString());
    }
    return out;
  }

  private static SparkSession shared;

  /** Stops the shared session when JUnit closes its root store, at the end of the test run. */
  private static final class StopAtEnd implements org.junit.jupiter.api.extension.ExtensionContext.Store.CloseableResource,
      AutoCloseable {
    @Override
    public void close() {
      stopLocal();
    }
  }

  /**
   * The local[2] session every local-mode test class shares (starting Spark costs seconds); stopped when the test run
   * ends, or earlier by {@link #stopLocal} (a JVM runs one SparkContext at a time).
   */
  static synchronized SparkSession local(org.junit.jupiter.api.extension.ExtensionContext context) {
    if (shared == null) {
      shared = spark("local[2]");
      context.getRoot().getStore(org.junit.jupiter.api.extension.ExtensionContext.Namespace.GLOBAL)
          .getOrComputeIfAbsent(StopAtEnd.class, k -> new StopAtEnd());
    }
    return shared;
  }

  /** Stops the shared local session, if one runs. */
  static synchronized void stopLocal() {
    if (shared != null) {
      shared.stop();
      shared = null;
    }
  }

  /** A Spark session of {@code master} without UI; the caller stops it. */
  static SparkSession spark(String master) {
    return SparkSession.builder()
        .master(master)
        .appName("rnn4j-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
  }
}
