package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.train.TrainConfig;
import dev.rnn4j.train.Trainer;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cluster: Spark's {@code local-cluster[2,1,1024]} mode starts a standalone master and two workers inside this
 * JVM, and each worker launches its executor as a separate JVM, so tasks, broadcasts and results cross process
 * boundaries as on a cluster. The executors' class path is this test's, and their {@code SPARK_HOME} a temporary
 * directory with the layout Spark's launcher looks for (an empty {@code jars/}): no Spark distribution is needed.
 * Stopping the session stops the workers, which kill their executors.
 */
@Timeout(420)
class ClusterTest {
  static SparkSession spark;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    String sparkHome = System.getenv("SPARK_HOME"); // set by the module's surefire configuration
    if (sparkHome == null) {
      throw new IllegalStateException("ClusterTest needs SPARK_HOME (the build sets it to target/spark-home)");
    }
    Path home = Path.of(sparkHome);
    Fixtures.stopLocal(); // one SparkContext per JVM: the local-mode classes' session must go first
    Files.createDirectories(home.resolve("jars"));
    spark = SparkSession.builder()
        .master("local-cluster[2,1,1024]")
        .appName("rnn4j-spark-cluster-test")
        .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .config("spark.executor.extraJavaOptions", "--add-modules jdk.incubator.vector -Xss1m")
        .config("spark.executor.memory", "768m")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    // the workers start their executors asynchronously: wait for both (the driver is listed too)
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the two executors did not register within 180 s");
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void executorsAreSeparateJvms() {
    String driver = ManagementFactory.getRuntimeMXBean().getName();
    List<Integer> parts = List.of(0, 1, 2, 3, 4, 5, 6, 7);
    Set<String> jvms = new TreeSet<>(JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(parts, parts.size())
        .map(i -> ManagementFactory.getRuntimeMXBean().getName())
        .collect());
    assertEquals(2, jvms.size(), "executor JVMs: " + jvms);
    assertFalse(jvms.contains(driver));
  }

  @Test
  void scoringOnTheClusterEqualsLocalScoring() throws Exception {
    Path ck = tmp.resolve("checkpoint");
    LanguageModel model = Fixtures.writeCheckpoint(ck, "gru", 5);
    List<String> texts = Fixtures.texts(300, 17);
    StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create(i, texts.get(i)));
    }
    RnnScorer scorer = new RnnScorer();
    scorer.setCheckpoint(ck.toString()).setBatchSize(16);
    List<Row> out = new ArrayList<>(scorer.transform(spark.createDataFrame(rows, schema).repartition(4)).collectAsList());
    out.sort(java.util.Comparator.comparingInt(r -> r.getInt(0)));
    Tokenizer tok = Fixtures.tokenizer();
    List<int[]> seqs = new ArrayList<>();
    for (String t : texts) {
      seqs.add(tok.encode(t));
    }
    double[] local = RnnScorer.lossSums(model, seqs, 16);
    for (int i = 0; i < texts.size(); i++) {
      assertEquals(local[i] / (seqs.get(i).length + 1), out.get(i).getDouble(2), 1e-5, texts.get(i));
    }
    // an executor JVM reads the checkpoint once however many of the 4 tasks it ran (one of them may have run none)
    Set<String> reads = new TreeSet<>(JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(List.of(0, 1, 2, 3, 4, 5, 6, 7), 8)
        .map(i -> ManagementFactory.getRuntimeMXBean().getName() + " read " + ModelStore.reads())
        .collect());
    assertEquals(2, reads.size(), reads.toString());
    assertTrue(reads.stream().allMatch(r -> r.endsWith(" read 1") || r.endsWith(" read 0")), reads.toString());
    assertTrue(reads.stream().anyMatch(r -> r.endsWith(" read 1")), reads.toString());
    double[] eval = Trainer.validationLoss(model, new LengthBatcher(seqs, 64));
    double total = 0;
    for (Row r : out) {
      total += r.getDouble(2) * r.getInt(4);
    }
    assertEquals(eval[0], total / eval[1], 1e-6);
  }

  @Test
  void trainingOnTheClusterEqualsSingleJvmTraining() throws Exception {
    Tokenizer tok = Fixtures.tokenizer();
    List<int[]> train = new ArrayList<>();
    for (String t : Fixtures.texts(40, 23)) {
      train.add(tok.encode(t));
    }
    LanguageModelConfig mc = new LanguageModelConfig("gru", tok.vocabulary().size(), 8, 16, 1, 0, 0);
    TrainConfig tc = new TrainConfig(20, 8, "adam", 1e-2, 0, "cosine", 3, 1e-4, 0.5, 0, 0, 4);
    LanguageModel a = SparkTrainerTest.single(mc, tc, train, tok, tmp.resolve("single"));
    Generator g = new Generator(tc.seed());
    LanguageModel b = new LanguageModel(mc, g);
    SparkTrainer t = new SparkTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()), b, g, train, null, tc,
        tok, tmp.resolve("cluster"), new JsonObject(), 2);
    try {
      t.run(tc.steps(), null);
    } finally {
      t.close();
    }
    double diff = SparkTrainerTest.maxDiff(a.namedParameters(), b.namedParameters());
    assertTrue(diff < 1e-5, "after 20 steps on the cluster the parameters differ by " + diff);
    assertTrue(new File(tmp.resolve("cluster/checkpoint/model.safetensors").toString()).isFile());
  }
}
