package dev.rnn4j.spark;

import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.model.LanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Continues the prompt of each row with an rnn4j checkpoint, with {@code rnn4j generate}'s decoding options: the
 * output column holds the new text (without the prompt), read from {@code <bos>} followed by the prompt's tokens.
 *
 * <ul>
 *   <li>{@code greedy} and {@code beam}: deterministic per prompt; prompts of similar length are decoded together in
 *       batches of {@code batchSize}.
 *   <li>{@code sample}: each row is decoded alone with its own seed, the value of {@code seedCol} (a long column) when
 *       set, otherwise {@code seed}; so a row's text does not depend on the partitioning, and equals
 *       {@code rnn4j generate --strategy sample --seed S --prompt P}.
 * </ul>
 *
 * <p>A null or empty prompt, one longer than {@code maxLen} tokens, or one holding a character or word the vocabulary
 * lacks (which {@code rnn4j generate} refuses) gets a null result, counted in {@link #counters()} ({@code null},
 * {@code empty}, {@code tooLong}, {@code unknown}).
 */
public final class RnnGenerator extends RnnTransformer<RnnGenerator> {
  private static final long serialVersionUID = 1L;

  private final Param<String> outputCol;
  private final Param<String> strategy;
  private final IntParam maxNewTokens;
  private final DoubleParam temperature;
  private final IntParam topK;
  private final DoubleParam topP;
  private final IntParam beamWidth;
  private final DoubleParam lengthPenalty;
  private final LongParam seed;
  private final Param<String> seedCol;
  private final BooleanParam stopAtEos;

  public RnnGenerator() {
    this(Identifiable$.MODULE$.randomUID("rnn4jGenerator"));
  }

  public RnnGenerator(String uid) {
    super(uid, "prompt");
    outputCol = new Param<>(this, "outputCol", "output: the generated text, without the prompt");
    strategy = new Param<>(this, "strategy", "greedy, sample or beam",
        ParamValidators.inArray(new String[] {"greedy", "sample", "beam"}));
    maxNewTokens = new IntParam(this, "maxNewTokens", "tokens to generate at most", ParamValidators.gtEq(1));
    temperature = new DoubleParam(this, "temperature", "sample: softmax temperature", ParamValidators.gt(0));
    topK = new IntParam(this, "topK", "sample: keep the k most likely tokens, 0 = all", ParamValidators.gtEq(0));
    topP = new DoubleParam(this, "topP", "sample: nucleus probability, 1 = all", ParamValidators.inRange(0, 1, false, true));
    beamWidth = new IntParam(this, "beamWidth", "beam: hypotheses per prompt", ParamValidators.gtEq(1));
    lengthPenalty = new DoubleParam(this, "lengthPenalty", "beam: length penalty exponent");
    seed = new LongParam(this, "seed", "sample: the seed of every row without seedCol");
    seedCol = new Param<>(this, "seedCol", "sample: a long column holding each row's seed (empty: use seed)");
    stopAtEos = new BooleanParam(this, "stopAtEos", "stop a sequence at <eos>");
    setDefault(outputCol, "generated");
    setDefault(strategy, "greedy");
    setDefault(maxNewTokens, 64);
    setDefault(temperature, 1.0);
    setDefault(topK, 0);
    setDefault(topP, 1.0);
    setDefault(beamWidth, 4);
    setDefault(lengthPenalty, 1.0);
    setDefault(seed, 0L);
    setDefault(seedCol, "");
    setDefault(stopAtEos, true);
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public Param<String> strategy() {
    return strategy;
  }

  public IntParam maxNewTokens() {
    return maxNewTokens;
  }

  public DoubleParam temperature() {
    return temperature;
  }

  public IntParam topK() {
    return topK;
  }

  public DoubleParam topP() {
    return topP;
  }

  public IntParam beamWidth() {
    return beamWidth;
  }

  public DoubleParam lengthPenalty() {
    return lengthPenalty;
  }

  public LongParam seed() {
    return seed;
  }

  public Param<String> seedCol() {
    return seedCol;
  }

  public BooleanParam stopAtEos() {
    return stopAtEos;
  }

  public RnnGenerator setOutputCol(String c) {
    set(outputCol, c);
    return this;
  }

  public RnnGenerator setStrategy(String s) {
    set(strategy, s);
    return this;
  }

  public RnnGenerator setMaxNewTokens(int n) {
    set(maxNewTokens, n);
    return this;
  }

  public RnnGenerator setTemperature(double t) {
    set(temperature, t);
    return this;
  }

  public RnnGenerator setTopK(int k) {
    set(topK, k);
    return this;
  }

  public RnnGenerator setTopP(double p) {
    set(topP, p);
    return this;
  }

  public RnnGenerator setBeamWidth(int w) {
    set(beamWidth, w);
    return this;
  }

  public RnnGenerator setLengthPenalty(double a) {
    set(lengthPenalty, a);
    return this;
  }

  public RnnGenerator setSeed(long s) {
    set(seed, s);
    return this;
  }

  public RnnGenerator setSeedCol(String c) {
    set(seedCol, c);
    return this;
  }

  public RnnGenerator setStopAtEos(boolean b) {
    set(stopAtEos, b);
    return this;
  }

  /** The decoding options of this transformer, with {@code seed}; the same as {@code rnn4j generate} builds. */
  DecodeOptions options(long rowSeed) {
    DecodeOptions o = switch ((String) $(strategy)) {
      case "sample" -> DecodeOptions.sample((Double) $(temperature), (Integer) $(topK), (Double) $(topP));
      case "beam" -> DecodeOptions.beam((Integer) $(beamWidth), (Double) $(lengthPenalty));
      default -> DecodeOptions.greedy();
    };
    return o.maxNewTokens((Integer) $(maxNewTokens)).seed(rowSeed)
        .eosId((Boolean) $(stopAtEos) ? Vocabulary.EOS_ID : -1);
  }

  @Override
  List<StructField> outputFields() {
    return List.of(DataTypes.createStructField($(outputCol), DataTypes.StringType, true));
  }

  @Override
  List<String> skipReasons() {
    return List.of("null", "empty", "tooLong", "unknown");
  }

  @Override
  PartitionWork work(ModelStore.Entry entry) {
    int max = intParam(maxLen());
    int batch = intParam(batchSize());
    boolean sample = $(strategy).equals("sample");
    String seedColumn = $(seedCol);
    long fixedSeed = (Long) $(seed);
    DecodeOptions shared = options(fixedSeed);
    shared.validate(entry.config.vocabSize()); // a bad option fails the task at once, not row by row
    Tokenizer tok = entry.tokenizer;
    return new PartitionWork() {
      @Override
      public Object validate(String text, Row row) {
        if (text == null) {
          return "null";
        }
        int[] ids = tok.encode(text);
        if (ids.length == 0) {
          return "empty";
        }
        if (ids.length > max) {
          return "tooLong";
        }
        int[] p = new int[ids.length + 1];
        p[0] = Vocabulary.BOS_ID;
        for (int k = 0; k < ids.length; k++) {
          if (ids[k] == Vocabulary.UNK_ID) {
            return "unknown";
          }
          p[k + 1] = ids[k];
        }
        return p;
      }

      @Override
      public Object[][] compute(List<int[]> prompts, List<Row> rows) {
        Object[][] out = new Object[prompts.size()][];
        entry.withModel(m -> {
          Decoder<LanguageModel.State> dec = new Decoder<>(m);
          if (sample) {
            for (int i = 0; i < out.length; i++) {
              Row r = rows.get(i);
              long s = seedColumn.isEmpty() || r.isNullAt(r.fieldIndex(seedColumn)) ? fixedSeed
                  : ((Number) r.get(r.fieldIndex(seedColumn))).longValue();
              out[i] = new Object[] {tok.decode(dec.generate(List.of(prompts.get(i)), options(s), null).get(0).tokens())};
            }
            return null;
          }
          Integer[] order = new Integer[out.length]; // by prompt length, so a batch steps through similar prompts
          for (int i = 0; i < order.length; i++) {
            order[i] = i;
          }
          Arrays.sort(order, (a, b) -> prompts.get(b).length - prompts.get(a).length);
          for (int lo = 0; lo < order.length; lo += batch) {
            List<int[]> chunk = new ArrayList<>();
            for (int k = lo; k < Math.min(order.length, lo + batch); k++) {
              chunk.add(prompts.get(order[k]));
            }
            List<Decoder.Result> res = dec.generate(chunk, shared, null);
            for (int k = 0; k < res.size(); k++) {
              out[order[lo + k]] = new Object[] {tok.decode(res.get(k).tokens())};
            }
          }
          return null;
        });
        return out;
      }
    };
  }

  @Override
  public RnnGenerator copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<RnnGenerator> read() {
    return new DefaultParamsReader<>();
  }

  public static RnnGenerator load(String path) {
    return read().load(path);
  }
}
