package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
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

@Timeout(300)
@org.junit.jupiter.api.extension.ExtendWith(LocalSpark.class)
class RnnScorerTest {
  static SparkSession spark;
  @TempDir static Path tmp;
  static Path ck;
  static LanguageModel model;

  @BeforeAll
  static void start(SparkSession session) throws Exception {
    ck = tmp.resolve("run/checkpoint");
    model = Fixtures.writeCheckpoint(ck, "gru", 7);
    spark = session;
  }

  @AfterAll
  static void stop() {
    ModelStore.clear();
  }

  static Dataset<Row> frame(List<String> texts, int partitions) {
    StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create(i, texts.get(i)));
    }
    return spark.createDataFrame(rows, schema).repartition(partitions);
  }

  @Test
  void scoresEqualRnn4jsOwnEvaluation() {
    List<String> texts = Fixtures.texts(150, 3);
    RnnScorer scorer = new RnnScorer();
    scorer.setCheckpoint(tmp.resolve("run").toString()).setBatchSize(8);
    List<Row> out = scorer.transform(frame(texts, 3)).orderBy("id").collectAsList();
    Tokenizer tok = Fixtures.tokenizer();
    double total = 0;
    long tokens = 0;
    List<int[]> seqs = new ArrayList<>();
    for (Row r : out) {
      String text = r.getString(1);
      int[] ids = tok.encode(text);
      seqs.add(ids);
      // each row against rnn4j eval of that text alone
      double[] alone = Trainer.validationLoss(model, new LengthBatcher(List.of(ids), 1));
      assertEquals(alone[0], r.getDouble(2), 1e-5, text);
      assertEquals(Math.exp(alone[0]), r.getDouble(3), 1e-4);
      assertEquals(ids.length + 1, r.getInt(4));
      assertEquals((long) alone[1], r.getInt(4));
      assertEquals(0, r.getInt(5));
      total += r.getDouble(2) * r.getInt(4);
      tokens += r.getInt(4);
    }
    double[] eval = Trainer.validationLoss(model, new LengthBatcher(seqs, 64)); // what `rnn4j eval` prints
    assertEquals(eval[1], tokens);
    assertEquals(eval[0], total / tokens, 1e-6);
  }

  @Test
  void nullEmptyAndOverLongTextsGiveNullAndAreCounted() {
    List<String> texts = Arrays.asList("abc", null, "", "a".repeat(30), "xyz abc", "b");
    RnnScorer scorer = new RnnScorer();
    scorer.setCheckpoint(ck.toString()).setMaxLen(20);
    // collect without a sort: a sort runs the rows twice (once to sample its ranges), counting every skip twice
    List<Row> out = new ArrayList<>(scorer.transform(frame(texts, 2)).collectAsList());
    out.sort(java.util.Comparator.comparingInt(r -> r.getInt(0)));
    assertEquals(6, out.size());
    for (int i : new int[] {1, 2, 3}) {
      for (int c = 2; c < 6; c++) {
        assertNull(out.get(i).get(c), "row " + i + " column " + c);
      }
    }
    assertEquals(4, out.get(0).getInt(4)); // "abc" and <eos>
    assertEquals(8, out.get(4).getInt(4));
    assertEquals(3, out.get(4).getInt(5)); // x, y, z are not in the alphabet
    Map<String, org.apache.spark.util.LongAccumulator> c = scorer.counters();
    assertEquals(1L, c.get("null").value());
    assertEquals(1L, c.get("empty").value());
    assertEquals(1L, c.get("tooLong").value());
  }

  @Test
  void aMissingCheckpointFailsOnTheDriverWithOneMessage() {
    RnnScorer scorer = new RnnScorer();
    scorer.setCheckpoint(tmp.resolve("nowhere").toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> scorer.transform(frame(List.of("abc"), 1)));
    assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void aVocabularyMismatchFailsOnTheDriver() throws Exception {
    Path bad = tmp.resolve("bad");
    Fixtures.writeCheckpoint(bad, "gru", 1);
    Files.writeString(bad.resolve(Checkpoint.VOCAB), "{\"kind\":\"char\",\"tokens\":[\"a\",\"b\"]}");
    RnnScorer scorer = new RnnScorer();
    scorer.setCheckpoint(bad.toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> scorer.transform(frame(List.of("abc"), 1)));
    assertTrue(e.getMessage().contains("vocabulary mismatch") && e.getMessage().contains("vocab_size"), e.getMessage());
  }

  @Test
  void savedAndLoadedInAPipeline() throws Exception {
    RnnScorer scorer = new RnnScorer();
    scorer.setCheckpoint(ck.toString()).setBatchSize(5).setMaxLen(33);
    scorer.setLossCol("nll");
    Pipeline p = new Pipeline().setStages(new PipelineStage[] {scorer});
    Dataset<Row> df = frame(Fixtures.texts(20, 9), 2);
    PipelineModel fitted = p.fit(df);
    String where = tmp.resolve("pipeline").toString();
    fitted.write().overwrite().save(where);
    PipelineModel back = PipelineModel.load(where);
    RnnScorer loaded = (RnnScorer) back.stages()[0];
    assertEquals(ck.toString(), loaded.getOrDefault(loaded.checkpoint()));
    assertEquals(33, loaded.getOrDefault(loaded.maxLen()));
    assertEquals("nll", loaded.getOrDefault(loaded.lossCol()));
    List<Row> a = fitted.transform(df).orderBy("id").collectAsList();
    List<Row> b = back.transform(df).orderBy("id").collectAsList();
    assertEquals(a, b);
    assertEquals("nll", back.transform(df).schema().fieldNames()[2]);
  }

  @Test
  void theCheckpointIsReadOncePerJvm() {
    ModelStore.clear();
    long before = ModelStore.reads();
    RnnScorer scorer = new RnnScorer();
    scorer.setCheckpoint(ck.toString());
    // two jobs of 4 tasks each, two of them at a time, in the one JVM of local mode (driver and executor)
    assertEquals(40, scorer.transform(frame(Fixtures.texts(40, 1), 4)).count());
    assertEquals(40, scorer.transform(frame(Fixtures.texts(40, 2), 4)).collectAsList().size());
    assertEquals(1, ModelStore.reads() - before);
    assertEquals(1, ModelStore.size());
  }
}
