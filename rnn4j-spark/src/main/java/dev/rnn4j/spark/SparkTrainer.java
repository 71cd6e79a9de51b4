package dev.rnn4j.spark;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.SequenceBatch;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.loss.Losses;
import dev.rnn4j.loss.Reduction;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.optim.GradClip;
import dev.rnn4j.optim.LrSchedule;
import dev.rnn4j.optim.Optimizer;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.TrainConfig;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.io.Serializable;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel training of a {@link LanguageModel} on Spark, step for step the training of
 * {@link Trainer} (sequences mode).
 *
 * <p>Each step the driver takes the next global batch exactly as {@link Trainer} does (the same seeded epochs of
 * {@link LengthBatcher}), deals its examples round-robin to {@code shards} tasks, and broadcasts the parameters. Each
 * task rebuilds the shard's packed batch from the corpus (broadcast once), computes the summed cross-entropy of its
 * tokens scaled by {@code 1 / (tokens of the global batch)} and its gradient; the gradients are summed by Spark's
 * tree aggregation. The sum is the gradient of the global batch's mean loss, the loss {@link Trainer} differentiates
 * (up to the order of the float additions). The driver then clips the global norm and takes the optimizer step on its
 * own copy of the parameters, which is the one copy that persists between steps.
 *
 * <p>Checkpoints are the CLI's ({@link Checkpoint}, with {@link Trainer}'s {@code trainer_state.json} fields), so
 * {@code rnn4j generate}, {@code eval} and {@code train --resume} read them, and {@link #resume} continues one.
 *
 * <p>Dropout in the tasks draws from a generator seeded by the run's seed, the step and the shard, so a run is
 * reproducible for a given number of shards; it does not reproduce single-JVM dropout masks. The corpus goes to every
 * executor once, as a broadcast; stream mode (truncated BPTT) is not distributed.
 */
public final class SparkTrainer {
  private final JavaSparkContext sc;
  private final LanguageModel model;
  private final Generator modelGen;
  private final Generator dataGen;
  private final List<int[]> trainSeqs;
  private final LengthBatcher train;
  private final LengthBatcher validation;
  private final TrainConfig cfg;
  private final Tokenizer tokenizer;
  private final Path outDir;
  private final JsonObject extraState;
  private final int shards;
  private final Optimizer opt;
  private final LrSchedule schedule;
  private final List<String> names;
  private final List<Tensor> params;
  private long step;
  private int epoch;
  private int batchInEpoch;
  private long[] epochStartRng;
  private List<SequenceBatch> epochBatches;
  private Broadcast<List<int[]>> corpus;
  private long exchangeNanos;
  private long stepNanos;
  private long stepsRun;

  /**
   * @param trainSeqs the training sequences (token ids, without {@code <bos>}/{@code <eos>}), as the CLI's
   *     {@code LengthBatcher} holds them
   * @param validation validated on the driver, may be null
   * @param shards tasks per step, usually the number of executor cores
   */
  public SparkTrainer(
      JavaSparkContext sc, LanguageModel model, Generator modelGen, List<int[]> trainSeqs, LengthBatcher validation,
      TrainConfig cfg, Tokenizer tokenizer, Path outDir, JsonObject extraState, int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, got " + shards);
    }
    this.sc = sc;
    this.model = model;
    this.modelGen = modelGen;
    this.dataGen = new Generator(cfg.seed() ^ 0x5DEECE66DL); // Trainer's data generator
    this.trainSeqs = List.copyOf(trainSeqs);
    this.train = new LengthBatcher(this.trainSeqs, cfg.batchSize());
    this.validation = validation;
    this.cfg = cfg;
    this.tokenizer = tokenizer;
    this.outDir = outDir;
    this.extraState = extraState == null ? new JsonObject() : extraState;
    this.shards = shards;
    this.opt = Trainer.optimizer(model, cfg); // the single-JVM trainer's step, so the two runs agree
    this.schedule = Trainer.schedule(cfg);
    this.names = new ArrayList<>(model.namedParameters().keySet());
    this.params = new ArrayList<>(model.namedParameters().values());
  }

  public long step() {
    return step;
  }

  /**
   * Wall time of the steps this trainer ran, and the gradient exchange's part of it: the time from broadcasting the
   * parameters to holding the summed gradient, less the slowest task's own forward and backward.
   */
  public record Timing(long steps, double stepSeconds, double exchangeSeconds) {}

  public Timing timing() {
    return new Timing(stepsRun, stepNanos / 1e9, exchangeNanos / 1e9);
  }

  /** Trains until {@code untilStep} (at most the configured steps), then writes a checkpoint. */
  public void run(long untilStep, Trainer.Listener listener) throws IOException {
    long end = Math.min(untilStep, cfg.steps());
    Trainer.Listener l = listener == null ? new Trainer.Listener() {} : listener;
    Files.createDirectories(outDir);
    if (corpus == null) {
      corpus = sc.broadcast(trainSeqs);
    }
    String configJson = model.config().toJson().toString();
    try (Writer metrics = Files.newBufferedWriter(
        outDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      while (step < end) {
        long t0 = System.nanoTime();
        double lr = schedule.lr(step);
        opt.setLr(lr);
        if (epochBatches == null || batchInEpoch == epochBatches.size()) {
          if (epochBatches != null) {
            epoch++;
          }
          epochStartRng = dataGen.snapshot();
          epochBatches = train.epoch(dataGen);
          batchInEpoch = 0;
        }
        SequenceBatch batch = epochBatches.get(batchInEpoch++);
        long g0 = System.nanoTime();
        Shard sum = gradient(batch, configJson);
        long exchange = System.nanoTime() - g0 - (long) (sum.computeSeconds * 1e9); // all but the slowest task's work
        exchangeNanos += exchange;
        int off = 0;
        for (Tensor p : params) {
          float[] g = new float[p.numel()];
          System.arraycopy(sum.values, off, g, 0, g.length);
          off += g.length;
          p.setGrad(Tensor.wrap(g, p.shape()));
        }
        double norm = cfg.clip() > 0 ? GradClip.clipGradNorm(params, cfg.clip(), 2) : Double.NaN;
        opt.step();
        step++;
        stepsRun++;
        stepNanos += System.nanoTime() - t0;
        Trainer.StepInfo info = new Trainer.StepInfo(step, cfg.steps(), sum.loss, batch.numTokens(), lr, norm);
        JsonObject line = new JsonObject();
        line.addProperty("step", step);
        line.addProperty("loss", info.loss());
        line.addProperty("lr", lr);
        line.addProperty("tokens", info.tokens());
        if (!Double.isNaN(norm)) {
          line.addProperty("grad_norm", norm);
        }
        line.addProperty("shards", shards);
        line.addProperty("exchange_s", exchange / 1e9);
        metrics.write(line + "\n");
        l.onStep(info);
        if ((cfg.evalEvery() > 0 && step % cfg.evalEvery() == 0) || step == cfg.steps()) {
          Map<String, Double> m = evaluate();
          JsonObject e = new JsonObject();
          e.addProperty("step", step);
          m.forEach(e::addProperty);
          metrics.write(e + "\n");
          metrics.flush();
          l.onEval(step, m);
        }
        if ((cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0) || step == end) {
          metrics.flush();
          saveCheckpoint(outDir.resolve("checkpoint"));
        }
      }
    }
  }

  /** Releases the corpus broadcast on the executors. */
  public void close() {
    if (corpus != null) {
      corpus.destroy();
      corpus = null;
    }
  }

  /** Validation loss and perplexity on the driver (eval mode), as {@link Trainer#evaluate} computes them. */
  public Map<String, Double> evaluate() {
    Map<String, Double> m = new LinkedHashMap<>();
    if (validation != null) {
      model.eval();
      try {
        double[] lt = Trainer.validationLoss(model, validation);
        m.put("val_loss", lt[0]);
        m.put("val_ppl", Math.exp(lt[0]));
      } finally {
        model.train();
      }
    }
    return m;
  }

  /** A shard's result: summed loss and flat gradient (parameters in {@code namedParameters} order). */
  static final class Shard implements Serializable {
    private static final long serialVersionUID = 1L;
    double loss;
    double computeSeconds; // the slowest task's compute time, so the exchange's share can be told apart
    float[] values;

    Shard(double loss, double computeSeconds, float[] values) {
      this.loss = loss;
      this.computeSeconds = computeSeconds;
      this.values = values;
    }

    Shard plus(Shard o) {
      if (values == null) {
        return o;
      }
      if (o.values == null) {
        return this;
      }
      for (int i = 0; i < values.length; i++) {
        values[i] += o.values[i];
      }
      loss += o.loss;
      computeSeconds = Math.max(computeSeconds, o.computeSeconds);
      return this;
    }
  }

  /** The summed gradient of {@code batch}'s mean loss over the shards, and the mean loss itself. */
  private Shard gradient(SequenceBatch batch, String configJson) {
    int tokens = 0;
    for (long t : batch.packedTargets().longData()) {
      tokens += t == Vocabulary.PAD_ID ? 0 : 1;
    }
    List<int[]> parts = new ArrayList<>();
    int[] src = batch.sourceIndices();
    for (int s = 0; s < Math.min(shards, src.length); s++) {
      int[] mine = new int[(src.length - s + shards - 1) / shards];
      for (int i = s, k = 0; i < src.length; i += shards, k++) {
        mine[k] = src[i];
      }
      parts.add(mine);
    }
    float[] flat = new float[(int) model.parameterCount()];
    int off = 0;
    for (Tensor p : params) {
      System.arraycopy(p.data(), 0, flat, off, p.numel());
      off += p.numel();
    }
    Broadcast<float[]> weights = sc.broadcast(flat);
    Broadcast<List<int[]>> data = corpus;
    List<String> paramNames = names;
    double scale = 1.0 / Math.max(1, tokens);
    long dropoutSeed = cfg.seed() * 0x9E3779B97F4A7C15L + step;
    try {
      List<Integer> ids = new ArrayList<>();
      for (int s = 0; s < parts.size(); s++) {
        ids.add(s);
      }
      Shard sum = sc.parallelize(ids, ids.size())
          .map(s -> shardGradient(configJson, paramNames, weights.value(), data.value(), parts.get(s), scale,
              dropoutSeed * 31 + s))
          .treeAggregate(new Shard(0, 0, null), Shard::plus, Shard::plus, 2);
      sum.loss *= scale;
      return sum;
    } finally {
      weights.destroy();
    }
  }

  /** One task: the gradient of {@code scale *} the summed loss of the sequences {@code mine} of the corpus. */
  static Shard shardGradient(
      String configJson, List<String> names, float[] weights, List<int[]> corpus, int[] mine, double scale,
      long dropoutSeed) {
    long t0 = System.nanoTime();
    LanguageModelConfig cfg = LanguageModelConfig.fromJson(JsonParser.parseString(configJson).getAsJsonObject());
    ShardModels.Slot slot = ShardModels.borrow(cfg);
    try {
      LanguageModel m = slot.model();
      Map<String, Tensor> current = m.namedParameters();
      Map<String, Tensor> state = new HashMap<>();
      int off = 0;
      for (String n : names) {
        Tensor p = current.get(n);
        float[] d = new float[p.numel()];
        System.arraycopy(weights, off, d, 0, d.length);
        off += d.length;
        state.put(n, Tensor.wrap(d, p.shape()));
      }
      m.loadStateDict(state, true);
      m.train();
      m.zeroGrad();
      slot.generator().manualSeed(dropoutSeed);
      List<int[]> seqs = new ArrayList<>(mine.length);
      for (int i : mine) {
        seqs.add(corpus.get(i));
      }
      SequenceBatch b = new LengthBatcher(seqs, seqs.size()).inOrder().get(0);
      Tensor logits = m.forwardPacked(b.inputs(), b.lengths(), null).logits();
      Tensor loss = Losses.crossEntropy(logits, b.packedTargets(), Vocabulary.PAD_ID, Reduction.SUM, 0);
      double lossSum = loss.item();
      loss.mul((float) scale).backward();
      float[] grad = new float[off];
      off = 0;
      for (String n : names) {
        Tensor p = current.get(n);
        Tensor g = p.grad();
        if (g != null) {
          System.arraycopy(g.contiguous().data(), 0, grad, off, p.numel());
        }
        off += p.numel();
      }
      return new Shard(lossSum, (System.nanoTime() - t0) / 1e9, grad);
    } finally {
      ShardModels.giveBack(cfg, slot);
    }
  }

  /** Models the tasks of this JVM train with, one per task running at once, kept between steps (per-JVM state). */
  static final class ShardModels {
    record Slot(LanguageModel model, Generator generator) {}

    private static final Map<LanguageModelConfig, Deque<Slot>> POOLS = new HashMap<>();

    private ShardModels() {}

    static Slot borrow(LanguageModelConfig cfg) {
      synchronized (POOLS) {
        Slot s = POOLS.computeIfAbsent(cfg, c -> new ArrayDeque<>()).poll();
        if (s != null) {
          return s;
        }
      }
      Generator g = new Generator(0);
      return new Slot(new LanguageModel(cfg, g), g);
    }

    static void giveBack(LanguageModelConfig cfg, Slot s) {
      synchronized (POOLS) {
        if (POOLS.size() > 4 && !POOLS.containsKey(cfg)) {
          POOLS.clear(); // a few configurations at most: drop the old ones
        }
        POOLS.computeIfAbsent(cfg, c -> new ArrayDeque<>()).push(s);
      }
    }
  }

  /** Writes model, config, vocabulary, optimizer and trainer state to {@code dir}, as {@link Trainer} does. */
  public void saveCheckpoint(Path dir) throws IOException {
    JsonObject state = new JsonObject();
    state.addProperty("step", step);
    state.addProperty("epoch", epoch);
    state.addProperty("batch_in_epoch", batchInEpoch);
    state.add("epoch_start_rng", longs(epochStartRng == null ? dataGen.snapshot() : epochStartRng));
    state.add("model_rng", longs(modelGen.snapshot()));
    state.add("train_config", cfg.toJson());
    state.add("extra", extraState);
    state.addProperty("shards", shards);
    Checkpoint.write(dir, new Checkpoint.Contents(
        model.stateDict(), model.config().toJson(), tokenizer.toJson(), opt.stateDict(), state));
  }

  /** Continues from a checkpoint written by this class or by {@link Trainer} for the same data and configuration. */
  public void resume(Checkpoint.Contents c) {
    LanguageModelConfig saved = LanguageModelConfig.fromJson(c.config());
    if (!saved.equals(model.config())) {
      throw new IllegalArgumentException(
          "the checkpoint holds a " + saved + ", but this run builds a " + model.config());
    }
    model.loadStateDict(c.model(), true);
    opt.loadStateDict(c.optimizer());
    JsonObject s = c.trainerState();
    step = s.get("step").getAsLong();
    epoch = s.get("epoch").getAsInt();
    batchInEpoch = s.get("batch_in_epoch").getAsInt();
    epochStartRng = toLongs(s.getAsJsonArray("epoch_start_rng"));
    modelGen.restore(toLongs(s.getAsJsonArray("model_rng")));
    dataGen.restore(epochStartRng);
    epochBatches = train.epoch(dataGen);
    if (batchInEpoch > epochBatches.size()) {
      throw new IllegalArgumentException("the checkpoint's position in the epoch does not fit this data");
    }
  }

  private static JsonArray longs(long[] v) {
    JsonArray a = new JsonArray();
    for (long x : v) {
      a.add(x);
    }
    return a;
  }

  private static long[] toLongs(JsonArray a) {
    long[] v = new long[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).getAsLong();
    }
    return v;
  }
}
