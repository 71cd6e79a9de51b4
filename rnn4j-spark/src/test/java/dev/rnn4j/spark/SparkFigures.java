package dev.rnn4j.spark;

import com.google.gson.JsonObject;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.train.TrainConfig;
import dev.rnn4j.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The figures of BENCHMARKS.md's Spark section (not a test; run by hand, see there): scoring rows/s on a
 * local-cluster of two executors against rnn4j's evaluation in one JVM, and a training step on the cluster against
 * the single-JVM step, with the gradient exchange's share. Arguments: rows, training steps, hidden size.
 */
public final class SparkFigures {
  private SparkFigures() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int hidden = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    Path tmp = Files.createTempDirectory("rnn4j-spark-figures");
    Path home = Path.of(System.getenv("SPARK_HOME"));
    Files.createDirectories(home.resolve("jars"));
    List<String> texts = new ArrayList<>();
    Generator g = new Generator(1);
    String alphabet = "abcdefghijklmnopqrstuvwxyz .,ABCDEFGHIJ";
    for (int i = 0; i < rows; i++) {
      StringBuilder sb = new StringBuilder();
      int len = 20 + g.nextInt(80);
      for (int k = 0; k < len; k++) {
        sb.append(alphabet.charAt(g.nextInt(alphabet.length())));
      }
      texts.add(sb.toString());
    }
    Tokenizer tok = CharTokenizer.fit(alphabet);
    LanguageModelConfig mc = new LanguageModelConfig("gru", tok.vocabulary().size(), 32, hidden, 1, 0, 0);
    LanguageModel model = new LanguageModel(mc, new Generator(2));
    model.eval();
    Path ck = tmp.resolve("checkpoint");
    Checkpoint.write(ck, new Checkpoint.Contents(model.stateDict(), mc.toJson(), tok.toJson(), Map.of(), null));
    List<int[]> seqs = new ArrayList<>();
    for (String t : texts) {
      seqs.add(tok.encode(t));
    }
    long tokens = seqs.stream().mapToLong(s -> s.length + 1).sum();
    System.out.printf("model: GRU emb 32 hidden %d vocab %d, %,d parameters; %d rows, %,d tokens%n", hidden,
        mc.vocabSize(), model.parameterCount(), rows, tokens);

    // one JVM: what rnn4j eval computes, batches of 64
    Trainer.validationLoss(model, new LengthBatcher(seqs.subList(0, Math.min(200, rows)), 64)); // warm-up
    long t0 = System.nanoTime();
    Trainer.validationLoss(model, new LengthBatcher(seqs, 64));
    double single = (System.nanoTime() - t0) / 1e9;
    System.out.printf("score, one JVM (rnn4j eval): %.2f s, %.0f rows/s%n", single, rows / single);

    SparkSession spark = SparkSession.builder()
        .master("local-cluster[2,1,1024]")
        .appName("rnn4j-spark-figures")
        .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .config("spark.executor.extraJavaOptions", "--add-modules jdk.incubator.vector -Xss1m")
        .config("spark.executor.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    try {
      while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3) {
        Thread.sleep(100);
      }
      StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
      List<Row> data = new ArrayList<>();
      for (int i = 0; i < rows; i++) {
        data.add(RowFactory.create(i, texts.get(i)));
      }
      var df = spark.createDataFrame(data, schema).repartition(2).cache();
      df.count();
      RnnScorer scorer = new RnnScorer();
      scorer.setCheckpoint(ck.toString()).setBatchSize(64);
      scorer.transform(df.limit(200)).count(); // warm-up: executors read the checkpoint and JIT the kernels
      t0 = System.nanoTime();
      long n = scorer.transform(df).filter("loss is not null").count();
      double cluster = (System.nanoTime() - t0) / 1e9;
      System.out.printf("score, cluster of 2 executors x 1 core: %.2f s, %.0f rows/s (%d rows)%n", cluster,
          n / cluster, n);

      // training: batch 64, the single-JVM Trainer against SparkTrainer with 2 shards
      List<int[]> train = seqs.subList(0, Math.min(rows, 640));
      TrainConfig tc = new TrainConfig(steps + 2, 64, "adam", 1e-3, 0, "constant", 0, 0, 1.0, 0, 0, 3);
      Generator g1 = new Generator(3);
      LanguageModel m1 = new LanguageModel(mc, g1);
      Trainer tr = new Trainer(m1, g1, new LengthBatcher(train, 64), null, tc, tok, tmp.resolve("single"), null,
          new JsonObject());
      tr.run(2, null);
      t0 = System.nanoTime();
      tr.run(steps + 2, null);
      double singleStep = (System.nanoTime() - t0) / 1e9 / steps;
      Generator g2 = new Generator(3);
      LanguageModel m2 = new LanguageModel(mc, g2);
      SparkTrainer st = new SparkTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()), m2, g2, train, null,
          tc, tok, tmp.resolve("spark"), new JsonObject(), 2);
      st.run(2, null);
      SparkTrainer.Timing warm = st.timing();
      st.run(steps + 2, null);
      SparkTrainer.Timing all = st.timing();
      st.close();
      double stepS = (all.stepSeconds() - warm.stepSeconds()) / steps;
      double exch = (all.exchangeSeconds() - warm.exchangeSeconds()) / steps;
      System.out.printf("train step, one JVM: %.3f s (batch 64, %.2f ms per row)%n", singleStep,
          1000 * singleStep / 64);
      System.out.printf("train step, cluster 2 shards: %.3f s, of which gradient exchange %.3f s (%.0f%%); "
          + "%,d bytes of gradient per shard%n", stepS, exch, 100 * exch / stepS, 4 * m2.parameterCount());
    } finally {
      spark.stop();
    }
  }
}
