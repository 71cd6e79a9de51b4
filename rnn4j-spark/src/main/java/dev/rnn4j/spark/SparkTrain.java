package dev.rnn4j.spark;

import com.google.gson.JsonObject;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.Shuffle;
import dev.rnn4j.data.TextCorpus;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.WordTokenizer;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.train.TrainConfig;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit --class dev.rnn4j.spark.SparkTrain rnn4j-spark.jar --data FILE --out DIR [options]}: the
 * {@code rnn4j train --data} command on Spark, with its training options and defaults, plus {@code --shards} (tasks
 * per step; default: the application's default parallelism). The data file may be on any Hadoop file system; the run
 * directory is on the driver's local disk and holds the CLI's checkpoint, so {@code rnn4j generate}, {@code eval} and
 * {@code train --resume} read it ({@code --resume} needs the data file at a local path).
 */
public final class SparkTrain {
  private SparkTrain() {}

  /** Options and their defaults: {@code rnn4j train}'s. */
  static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("--model", "gru");
    d.put("--embedding-size", "32");
    d.put("--hidden-size", "256");
    d.put("--layers", "1");
    d.put("--dropout", "0");
    d.put("--proj-size", "0");
    d.put("--batch-size", "128");
    d.put("--steps", null);
    d.put("--epochs", null);
    d.put("--optimizer", "adam");
    d.put("--lr", "3e-3");
    d.put("--min-lr", "1e-4");
    d.put("--weight-decay", "0");
    d.put("--schedule", "cosine");
    d.put("--warmup", "100");
    d.put("--clip", "1.0");
    d.put("--seed", "1");
    d.put("--out", null);
    d.put("--data", null);
    d.put("--tokenizer", "char");
    d.put("--max-len", "256");
    d.put("--eval-every", "250");
    d.put("--checkpoint-every", "500");
    d.put("--stop-after", null);
    d.put("--shards", null);
    return d;
  }

  static final Set<String> FLAGS = Set.of("--resume");

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder().appName("rnn4j-spark train").getOrCreate();
    try {
      run(args, spark, System.out);
    } catch (IllegalArgumentException e) {
      System.err.println("rnn4j-spark: " + e.getMessage());
      spark.stop();
      System.exit(2);
    }
    spark.stop();
  }

  /** Parses {@code --name value} pairs; an unknown option is an error listing the known ones. */
  static Map<String, String> parse(String[] args) {
    Map<String, String> o = new LinkedHashMap<>(DEFAULTS);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      if (FLAGS.contains(a)) {
        o.put(a, "true");
        continue;
      }
      if (!DEFAULTS.containsKey(a)) {
        throw new IllegalArgumentException("unknown option '" + a + "'; options: " + DEFAULTS.keySet() + " " + FLAGS);
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        value = args[++i];
      }
      o.put(a, value);
    }
    return o;
  }

  /** Trains as the options say and returns the trainer (closed). */
  static SparkTrainer run(String[] args, SparkSession spark, PrintStream out) throws IOException {
    Map<String, String> o = parse(args);
    if (o.get("--out") == null) {
      throw new IllegalArgumentException("--out DIR is required (the run directory, on the driver)");
    }
    Path outDir = Path.of(o.get("--out"));
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int shards = o.get("--shards") != null ? Integer.parseInt(o.get("--shards")) : sc.defaultParallelism();
    Checkpoint.Contents resumed = null;
    JsonObject source;
    Tokenizer tok = null;
    if (o.containsKey("--resume") && "true".equals(o.get("--resume"))) {
      Path ck = outDir.resolve("checkpoint");
      if (!Checkpoint.exists(ck)) {
        throw new IllegalArgumentException("--resume: " + outDir + " has no checkpoint to continue from");
      }
      resumed = Checkpoint.read(ck);
      source = resumed.trainerState().getAsJsonObject("extra");
      tok = Tokenizer.fromJson(resumed.vocabJson());
    } else {
      if (o.get("--data") == null) {
        throw new IllegalArgumentException("--data FILE is required (a UTF-8 text file, one sequence per line)");
      }
      if (Checkpoint.exists(outDir.resolve("checkpoint"))) {
        throw new IllegalArgumentException(outDir + " already holds a run; pass --resume to continue it or choose another --out");
      }
      // the CLI's description of a text corpus (rnn4j-cli RunData.textSource), so `rnn4j train --resume` rebuilds it
      source = new JsonObject();
      source.add("data", fingerprint(o.get("--data"), spark)); // size, mtime, CRC-32C: how the command tells changed data
      source.addProperty("bptt", 0);
      source.addProperty("kind", "text");
      source.addProperty("file", o.get("--data"));
      source.addProperty("tokenizer", o.get("--tokenizer"));
      source.addProperty("max_len", Integer.parseInt(o.get("--max-len")));
      source.addProperty("val_fraction", 0.05);
      source.addProperty("seed", Long.parseLong(o.get("--seed")));
    }
    if (!"text".equals(source.get("kind").getAsString())) {
      throw new IllegalArgumentException("rnn4j-spark trains on text files; this run's data is " + source.get("kind"));
    }
    String text = readUtf8(source.get("file").getAsString(), spark);
    if (tok == null) {
      tok = source.get("tokenizer").getAsString().equals("word") ? WordTokenizer.fit(text, 1, 50_000)
          : CharTokenizer.fit(text);
    }
    List<int[]> seqs = TextCorpus.lines(text, tok, source.get("max_len").getAsInt());
    if (seqs.isEmpty()) {
      throw new IllegalArgumentException("the corpus " + source.get("file").getAsString() + " is empty (no non-blank line)");
    }
    var split = Shuffle.trainValidation(
        seqs, source.get("val_fraction").getAsDouble(), new Generator(source.get("seed").getAsLong() + 3));
    LanguageModelConfig mc;
    TrainConfig tc;
    if (resumed != null) {
      mc = LanguageModelConfig.fromJson(resumed.config());
      tc = TrainConfig.fromJson(resumed.trainerState().getAsJsonObject("train_config"));
    } else {
      mc = new LanguageModelConfig(o.get("--model"), tok.vocabulary().size(), i(o, "--embedding-size"),
          i(o, "--hidden-size"), i(o, "--layers"), Double.parseDouble(o.get("--dropout")), i(o, "--proj-size"));
      int batch = i(o, "--batch-size");
      if (o.get("--steps") != null && o.get("--epochs") != null) {
        throw new IllegalArgumentException("give --steps or --epochs, not both");
      }
      int steps = o.get("--steps") != null ? i(o, "--steps")
          : o.get("--epochs") != null ? i(o, "--epochs") * ((split.train().size() + batch - 1) / batch) : 2000;
      tc = new TrainConfig(steps, batch, o.get("--optimizer"), d(o, "--lr"), d(o, "--weight-decay"),
          o.get("--schedule"), i(o, "--warmup"), d(o, "--min-lr"), d(o, "--clip"), i(o, "--eval-every"),
          i(o, "--checkpoint-every"), Long.parseLong(o.get("--seed")));
    }
    Generator modelGen = new Generator(tc.seed());
    LanguageModel model = new LanguageModel(mc, modelGen);
    LengthBatcher val = split.validation().isEmpty() ? null : new LengthBatcher(split.validation(), tc.batchSize());
    SparkTrainer t = new SparkTrainer(sc, model, modelGen, split.train(), val, tc, tok, outDir, source, shards);
    if (resumed != null) {
      t.resume(resumed);
      out.printf("resuming %s at step %d of %d%n", outDir, t.step(), tc.steps());
    }
    out.printf("rnn4j-spark train: %s, %,d parameters, %d sequences, %d shards; steps %d, batch %d, %s lr %.2g -> %s%n",
        mc, model.parameterCount(), split.train().size(), shards, tc.steps(), tc.batchSize(), tc.optimizer(), tc.lr(),
        outDir);
    long until = o.get("--stop-after") != null ? Long.parseLong(o.get("--stop-after")) : tc.steps();
    try {
      t.run(until, new Trainer.Listener() {
        @Override
        public void onStep(Trainer.StepInfo s) {
          if (s.step() % 50 == 0 || s.step() == s.totalSteps()) {
            out.printf("step %d/%d loss %.4f lr %.2e%n", s.step(), s.totalSteps(), s.loss(), s.lr());
          }
        }

        @Override
        public void onEval(long step, Map<String, Double> m) {
          out.printf("step %d %s%n", step, m);
        }
      });
    } finally {
      t.close();
    }
    SparkTrainer.Timing tm = t.timing();
    out.printf("done: %d steps, %.3f s/step, gradient exchange %.3f s/step; checkpoint %s%n", tm.steps(),
        tm.stepSeconds() / Math.max(1, tm.steps()), tm.exchangeSeconds() / Math.max(1, tm.steps()),
        outDir.resolve("checkpoint"));
    return t;
  }

  private static int i(Map<String, String> o, String k) {
    try {
      return Integer.parseInt(o.get(k));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(k + " expects an integer, got '" + o.get(k) + "'");
    }
  }

  private static double d(Map<String, String> o, String k) {
    try {
      return Double.parseDouble(o.get(k));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(k + " expects a number, got '" + o.get(k) + "'");
    }
  }

  /** The size, modification time and CRC-32C of {@code file}, as the rnn4j command records its training file. */
  static JsonObject fingerprint(String file, SparkSession spark) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(file);
    org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(p)) {
      throw new IllegalArgumentException("the data file " + file + " does not exist");
    }
    org.apache.hadoop.fs.FileStatus st = fs.getFileStatus(p);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    try (InputStream in = fs.open(p)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        crc.update(buf, 0, n);
      }
    }
    JsonObject f = new JsonObject();
    f.addProperty("size", st.getLen());
    f.addProperty("mtime_ms", st.getModificationTime());
    f.addProperty("crc32c", Long.toHexString(crc.getValue()));
    return f;
  }

  /** A UTF-8 file on any Hadoop file system; invalid UTF-8 is an error naming the file. */
  static String readUtf8(String file, SparkSession spark) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(file);
    org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(p)) {
      throw new IllegalArgumentException("the data file " + file + " does not exist");
    }
    byte[] bytes;
    try (InputStream in = fs.open(p)) {
      bytes = in.readAllBytes();
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(file + " is not valid UTF-8 text");
    }
  }
}
