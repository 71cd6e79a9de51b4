package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.TrainConfig;
import dev.rnn4j.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(300)
@org.junit.jupiter.api.extension.ExtendWith(LocalSpark.class)
class SparkTrainerTest {
  static SparkSession spark;
  @TempDir static Path tmp;

  @BeforeAll
  static void start(SparkSession session) {
    spark = session;
  }


  static List<int[]> corpus(Tokenizer tok, int n, long seed) {
    List<int[]> seqs = new ArrayList<>();
    for (String t : Fixtures.texts(n, seed)) {
      seqs.add(tok.encode(t));
    }
    return seqs;
  }

  /** The largest absolute difference between two models' parameters of the same name. */
  static double maxDiff(Map<String, Tensor> a, Map<String, Tensor> b) {
    assertEquals(a.keySet(), b.keySet());
    double d = 0;
    for (String k : a.keySet()) {
      float[] x = a.get(k).data();
      float[] y = b.get(k).data();
      for (int i = 0; i < x.length; i++) {
        d = Math.max(d, Math.abs(x[i] - y[i]));
      }
    }
    return d;
  }

  /** Trains {@code steps} with rnn4j's single-JVM Trainer and returns the model. */
  static LanguageModel single(LanguageModelConfig mc, TrainConfig tc, List<int[]> train, Tokenizer tok, Path out)
      throws Exception {
    Generator g = new Generator(tc.seed());
    LanguageModel m = new LanguageModel(mc, g);
    new Trainer(m, g, new LengthBatcher(train, tc.batchSize()), null, tc, tok, out, null, new JsonObject())
        .run(tc.steps(), null);
    return m;
  }

  static LanguageModel distributed(
      LanguageModelConfig mc, TrainConfig tc, List<int[]> train, Tokenizer tok, Path out, int shards)
      throws Exception {
    Generator g = new Generator(tc.seed());
    LanguageModel m = new LanguageModel(mc, g);
    SparkTrainer t = new SparkTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()), m, g, train, null, tc,
        tok, out, new JsonObject(), shards);
    try {
      t.run(tc.steps(), null);
    } finally {
      t.close();
    }
    return m;
  }

  @Test
  void fiftyStepsEqualSingleJvmTraining() throws Exception {
    Tokenizer tok = Fixtures.tokenizer();
    List<int[]> train = corpus(tok, 45, 21);
    LanguageModelConfig mc = new LanguageModelConfig("gru", tok.vocabulary().size(), 8, 16, 2, 0, 0);
    // clipping at 0.5 is active on most steps here, so the global norm is what is clipped
    TrainConfig tc = new TrainConfig(50, 8, "adam", 1e-2, 0, "cosine", 5, 1e-4, 0.5, 0, 0, 5);
    LanguageModel a = single(mc, tc, train, tok, tmp.resolve("single"));
    LanguageModel b = distributed(mc, tc, train, tok, tmp.resolve("spark"), 2);
    double moved = maxDiff(new LanguageModel(mc, new Generator(5)).namedParameters(), a.namedParameters());
    double diff = maxDiff(a.namedParameters(), b.namedParameters());
    assertTrue(moved > 0.05, "training moved the parameters by " + moved);
    assertTrue(diff < 1e-5, "after 50 steps the parameters differ by " + diff);
    // the checkpoint is the CLI's: it loads and continues with rnn4j's own Trainer
    Checkpoint.Contents c = Checkpoint.read(tmp.resolve("spark/checkpoint"));
    assertEquals(50, c.trainerState().get("step").getAsLong());
    assertTrue(maxDiff(c.model(), b.stateDict()) == 0);
    assertEquals(Checkpoint.read(tmp.resolve("single/checkpoint")).optimizer().keySet(), c.optimizer().keySet());
  }

  @Test
  void anUnevenSplitAndAResumeGiveTheSameParameters() throws Exception {
    Tokenizer tok = Fixtures.tokenizer();
    List<int[]> train = corpus(tok, 30, 8);
    LanguageModelConfig mc = new LanguageModelConfig("lstm", tok.vocabulary().size(), 6, 12, 1, 0, 0);
    TrainConfig tc = new TrainConfig(12, 7, "adamw", 5e-3, 0.01, "constant", 0, 0, 1.0, 0, 0, 3);
    LanguageModel a = single(mc, tc, train, tok, tmp.resolve("single2"));
    // 3 shards of a batch of 7, stopped after 5 steps and continued by a new trainer from the checkpoint
    Path out = tmp.resolve("spark2");
    Generator g = new Generator(tc.seed());
    LanguageModel m = new LanguageModel(mc, g);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    SparkTrainer first = new SparkTrainer(sc, m, g, train, null, tc, tok, out, new JsonObject(), 3);
    first.run(5, null);
    first.close();
    Generator g2 = new Generator(99);
    LanguageModel m2 = new LanguageModel(mc, g2);
    SparkTrainer second = new SparkTrainer(sc, m2, g2, train, null, tc, tok, out, new JsonObject(), 3);
    second.resume(Checkpoint.read(out.resolve("checkpoint")));
    assertEquals(5, second.step());
    second.run(tc.steps(), null);
    second.close();
    double diff = maxDiff(a.namedParameters(), m2.namedParameters());
    assertTrue(diff < 1e-5, "after 12 steps the parameters differ by " + diff);
  }
}
