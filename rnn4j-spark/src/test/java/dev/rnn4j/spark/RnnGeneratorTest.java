package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.model.LanguageModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
class RnnGeneratorTest {
  static SparkSession spark;
  @TempDir static Path tmp;
  static Path ck;
  static LanguageModel model;

  @BeforeAll
  static void start(SparkSession session) throws Exception {
    ck = tmp.resolve("checkpoint");
    model = Fixtures.writeCheckpoint(ck, "lstm", 11);
    spark = session;
  }

  @AfterAll
  static void stop() {
    ModelStore.clear();
  }

  static Dataset<Row> frame(List<String> prompts) {
    StructType schema = new StructType().add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType)
        .add("seed", DataTypes.LongType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      rows.add(RowFactory.create(i, prompts.get(i), 1000L + i));
    }
    return spark.createDataFrame(rows, schema).repartition(2);
  }

  /** What `rnn4j generate --prompt P` prints after the prompt, with these options. */
  static String alone(String prompt, DecodeOptions o) {
    Tokenizer tok = Fixtures.tokenizer();
    int[] ids = tok.encode(prompt);
    int[] p = new int[ids.length + 1];
    p[0] = Vocabulary.BOS_ID;
    System.arraycopy(ids, 0, p, 1, ids.length);
    return tok.decode(new Decoder<LanguageModel.State>(model).generate(List.of(p), o, null).get(0).tokens());
  }

  static List<String> run(RnnGenerator g, List<String> prompts) {
    List<String> out = new ArrayList<>();
    // collect without a sort: a sort runs the rows twice (once to sample its ranges), counting every skip twice
    List<Row> rows = new ArrayList<>(g.transform(frame(prompts)).collectAsList());
    rows.sort(java.util.Comparator.comparingInt(r -> r.getInt(0)));
    for (Row r : rows) {
      out.add(r.getString(3));
    }
    return out;
  }

  @Test
  void greedyAndBeamEqualRnn4jsDecoderOnEachPromptAlone() {
    List<String> prompts = Fixtures.texts(24, 5);
    RnnGenerator g = new RnnGenerator();
    g.setCheckpoint(ck.toString()).setBatchSize(4);
    g.setMaxNewTokens(12).setStopAtEos(false);
    List<String> greedy = run(g, prompts);
    g.setStrategy("beam").setBeamWidth(3).setLengthPenalty(0.7);
    List<String> beam = run(g, prompts);
    for (int i = 0; i < prompts.size(); i++) {
      assertEquals(alone(prompts.get(i), DecodeOptions.greedy().maxNewTokens(12)), greedy.get(i), prompts.get(i));
      assertEquals(alone(prompts.get(i), DecodeOptions.beam(3, 0.7).maxNewTokens(12)), beam.get(i), prompts.get(i));
    }
  }

  @Test
  void samplingUsesEachRowsSeed() {
    List<String> prompts = Arrays.asList("abc", "abc", "hello", "p.", "abc");
    RnnGenerator g = new RnnGenerator();
    g.setCheckpoint(ck.toString()).setStrategy("sample").setTemperature(1.3).setTopK(6).setMaxNewTokens(15);
    g.setSeedCol("seed").setStopAtEos(false); // the random model's likeliest token is <eos>
    List<String> out = run(g, prompts);
    for (int i = 0; i < prompts.size(); i++) {
      DecodeOptions o = DecodeOptions.sample(1.3, 6, 1.0).maxNewTokens(15).seed(1000L + i);
      assertEquals(alone(prompts.get(i), o), out.get(i));
    }
    assertNotEquals(out.get(0), out.get(1), "rows 0 and 1 have one prompt but two seeds");
    g.setSeedCol("").setSeed(42);
    List<String> fixed = run(g, prompts);
    assertEquals(fixed.get(0), fixed.get(1));
    assertEquals(fixed.get(0), fixed.get(4));
    assertEquals(alone("abc", DecodeOptions.sample(1.3, 6, 1.0).maxNewTokens(15).seed(42)),
        fixed.get(0));
  }

  @Test
  void badPromptsGiveNullAndAreCounted() {
    List<String> prompts = Arrays.asList("ab", null, "", "abcdefgh", "zz", "a");
    RnnGenerator g = new RnnGenerator();
    g.setCheckpoint(ck.toString()).setMaxLen(5);
    g.setMaxNewTokens(3);
    List<String> out = run(g, prompts);
    for (int i : new int[] {1, 2, 3, 4}) {
      assertNull(out.get(i), "row " + i);
    }
    assertEquals(alone("ab", DecodeOptions.greedy().maxNewTokens(3).eosId(Vocabulary.EOS_ID)), out.get(0));
    assertEquals(List.of(1L, 1L, 1L, 1L),
        g.counters().values().stream().map(a -> a.value()).toList()); // null, empty, tooLong, unknown
  }

  @Test
  void savedAndLoadedInAPipeline() throws Exception {
    RnnGenerator g = new RnnGenerator();
    g.setCheckpoint(ck.toString());
    g.setStrategy("beam").setBeamWidth(2).setMaxNewTokens(7).setOutputCol("continuation");
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {g}).fit(frame(List.of("a")));
    String where = tmp.resolve("pipeline").toString();
    fitted.write().overwrite().save(where);
    PipelineModel back = PipelineModel.load(where);
    RnnGenerator loaded = (RnnGenerator) back.stages()[0];
    assertEquals("beam", loaded.getOrDefault(loaded.strategy()));
    assertEquals(2, loaded.getOrDefault(loaded.beamWidth()));
    Dataset<Row> df = frame(Fixtures.texts(10, 4));
    assertEquals(fitted.transform(df).orderBy("id").collectAsList(), back.transform(df).orderBy("id").collectAsList());
    assertEquals("continuation", back.transform(df).schema().fieldNames()[3]);
  }
}
