package dev.rnn4j.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.data.BpttBatcher;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.SequenceBatch;
import dev.rnn4j.data.StreamBatcher;
import dev.rnn4j.data.StreamBatches;
import dev.rnn4j.data.TokenStream;
import dev.rnn4j.data.WindowBatcher;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.loss.Losses;
import dev.rnn4j.loss.Reduction;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.optim.Adam;
import dev.rnn4j.optim.AdamW;
import dev.rnn4j.optim.GradClip;
import dev.rnn4j.optim.LrSchedule;
import dev.rnn4j.optim.Optimizer;
import dev.rnn4j.optim.RmsProp;
import dev.rnn4j.optim.Sgd;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop of a {@link LanguageModel} on length-bucketed packed batches: schedule, forward, cross-entropy
 * on the packed rows (padding and masked prompt targets ignored), backward, global-norm clipping, optimizer step;
 * validation loss/perplexity (and task metrics) at intervals; metrics to {@code metrics.jsonl}; checkpoints to
 * {@code <out>/checkpoint}.
 *
 * <p><b>Reproducible resume.</b> Every random choice comes from two generators: the model's (initialisation and
 * dropout) and the data's (shuffling). A checkpoint stores the model generator's state, the data generator's state at
 * the start of the current epoch and the position in it; {@link #resume} rebuilds the epoch from that state, so an
 * interrupted and resumed run takes exactly the steps of an uninterrupted one (bitwise, with one thread).
 */
public final class Trainer {
  /** Progress callbacks. */
  public interface Listener {
    /** After each optimizer step, with that step's numbers. */
    default void onStep(StepInfo info) {}

    /**
     * After each validation, with {@code metrics} by name (loss, perplexity and any {@link Evaluator}'s) at
     * {@code step}.
     */
    default void onEval(long step, Map<String, Double> metrics) {}

    /** A batch whose loss or gradient norm was not finite was skipped (only with a skip limit above 0). */
    default void onSkip(long step, String what, int skippedSoFar) {}

    /** A checkpoint of {@code step} is in place at {@code dir}. */
    default void onCheckpoint(long step, Path dir) {}
  }

  /**
   * How one call of {@link #run} behaves, besides the train config: how many batches with a non-finite loss or
   * gradient norm may be skipped (0: the first one stops the run), how often a checkpoint is written by time, when
   * to stop early (polled at every step boundary, e.g. set by a signal handler), and the clock.
   */
  public record RunOptions(
      int skipNonFinite, Duration checkpointInterval, BooleanSupplier stopRequested, LongSupplier nanoClock,
      int earlyStop) {
    /**
     * Checks the values: the skip limit and {@code earlyStop} (evaluations without a lower validation loss after
     * which the run stops, 0 = never) must be 0 or more and the checkpoint interval positive or {@code null} for
     * none; otherwise {@link IllegalArgumentException}.
     */
    public RunOptions {
      if (earlyStop < 0) {
        throw new IllegalArgumentException("the early-stop patience must be 0 (off) or more evaluations, got " + earlyStop);
      }
      if (skipNonFinite < 0) {
        throw new IllegalArgumentException("the non-finite skip limit must be 0 or more, got " + skipNonFinite);
      }
      if (checkpointInterval != null && (checkpointInterval.isNegative() || checkpointInterval.isZero())) {
        throw new IllegalArgumentException("the checkpoint interval must be positive or null (none), got " + checkpointInterval);
      }
    }

    /** Without early stopping. */
    public RunOptions(int skipNonFinite, Duration checkpointInterval, BooleanSupplier stopRequested, LongSupplier nanoClock) {
      this(skipNonFinite, checkpointInterval, stopRequested, nanoClock, 0);
    }

    /** Stop at the first non-finite batch, checkpoints by step only, never stopped early. */
    public static RunOptions defaults() {
      return new RunOptions(0, null, () -> false, System::nanoTime);
    }
  }

  /** How {@link #run} ended; every outcome has a checkpoint of {@link #step()} in place. */
  public enum Outcome {
    /** reached the step it was asked to reach */
    DONE,
    /** {@link RunOptions#stopRequested} said stop */
    STOPPED,
    /** {@link RunOptions#earlyStop} evaluations in a row did not lower the best validation loss */
    EARLY_STOPPED
  }

  /**
   * A loss, gradient norm or weights that are not finite: the run stops before they reach an optimizer step or a
   * checkpoint. The message names the step and the last good checkpoint.
   */
  public static final class NonFiniteException extends IllegalStateException {
    /** The step at which the non-finite value appeared. */
    private final long step;

    NonFiniteException(long step, String message) {
      super(message);
      this.step = step;
    }

    /** The step at which the non-finite value appeared (1-based, as the metrics count). */
    public long step() {
      return step;
    }
  }

  /** One optimizer step's numbers. */
  public record StepInfo(long step, long totalSteps, double loss, int tokens, double lr, double gradNorm) {}

  /** Extra validation metrics (e.g. the built-in task's accuracy), computed in eval mode. */
  @FunctionalInterface
  public interface Evaluator {
    /** Metrics of {@code model} by name; added to the validation metrics. */
    Map<String, Double> evaluate(LanguageModel model);
  }

  private final LanguageModel model;
  private final Generator modelGen;
  private final Generator dataGen;
  private final LengthBatcher train; // sequences mode, or null
  private final LengthBatcher validation; // may be null
  private final StreamBatches stream; // stream mode (truncated BPTT or windows), or null
  private StreamBatcher.Epoch streamEpoch; // the current epoch's chunks
  private final BpttBatcher validationStream; // may be null
  private final StreamBatcher.Epoch validationWindows; // window mode's validation, may be null
  private LanguageModel.State carried; // stream mode: the detached state handed from one chunk to the next
  private final TrainConfig cfg;
  private final Tokenizer tokenizer;
  private final Path outDir;
  private final Evaluator evaluator; // may be null
  private final JsonObject extraState;
  private final Optimizer opt;
  private final LrSchedule schedule;
  private long step;
  private long stepNanos; // time in training steps, for stepNanos()
  private int epoch;
  private int batchInEpoch;
  private long[] epochStartRng;
  private List<SequenceBatch> epochBatches;
  private int skippedNonFinite; // batches skipped over the whole run, kept in the checkpoint
  private long checkpointStep = -1; // the step of the last checkpoint written or resumed from, -1: none
  private double bestValLoss = Double.POSITIVE_INFINITY; // the lowest validation loss so far, kept in best/
  private long bestStep = -1; // the step of best/, -1: none
  private int evalsSinceBest; // validations since the best one, for RunOptions.earlyStop

  /**
   * @param modelGen the generator the model was built with (it also drives dropout)
   * @param extraState anything the caller needs back on resume (e.g. the data source), stored in trainer_state.json
   */
  public Trainer(
      LanguageModel model, Generator modelGen, LengthBatcher train, LengthBatcher validation, TrainConfig cfg,
      Tokenizer tokenizer, Path outDir, Evaluator evaluator, JsonObject extraState) {
    this(model, modelGen, train, validation, null, null, null, cfg, tokenizer, outDir, evaluator, extraState);
  }

  /**
   * Stream mode: truncated backpropagation through time over {@code train}'s chunks in order; each chunk starts from
   * the previous chunk's final state, detached, and each pass over the stream starts from zeros. The same chunks
   * every epoch ({@link StreamBatcher#fixed}).
   */
  public Trainer(
      LanguageModel model, Generator modelGen, BpttBatcher train, BpttBatcher validation, TrainConfig cfg,
      Tokenizer tokenizer, Path outDir, JsonObject extraState) {
    this(model, modelGen, StreamBatcher.fixed(train), validation, cfg, tokenizer, outDir, extraState);
  }

  /**
   * Stream mode: truncated backpropagation through time over the chunks of each of {@code train}'s epochs, drawn
   * from the data generator; each chunk starts from the previous chunk's final state, detached, and each epoch starts
   * from zeros. Validation runs {@code validation}'s chunks in order, carrying the state through them.
   */
  public Trainer(
      LanguageModel model, Generator modelGen, StreamBatcher train, BpttBatcher validation, TrainConfig cfg,
      Tokenizer tokenizer, Path outDir, JsonObject extraState) {
    this(model, modelGen, null, null, train, validation, null, cfg, tokenizer, outDir, null, extraState);
  }

  /**
   * Window mode: each step trains on {@code train}'s next batch of independent windows, each from a zero state (no
   * state is carried between steps). Validation scores {@code validation} (null: none) as consecutive windows of the
   * same length from a zero state ({@link WindowBatcher#consecutive}), as the training sees text.
   */
  public Trainer(
      LanguageModel model, Generator modelGen, WindowBatcher train, TokenStream validation, TrainConfig cfg,
      Tokenizer tokenizer, Path outDir, JsonObject extraState) {
    this(model, modelGen, null, null, train, null,
        validation == null ? null : WindowBatcher.consecutive(validation, train.batchSize(), train.bptt()), cfg,
        tokenizer, outDir, null, extraState);
  }

  private Trainer(
      LanguageModel model, Generator modelGen, LengthBatcher train, LengthBatcher validation, StreamBatches stream,
      BpttBatcher validationStream, StreamBatcher.Epoch validationWindows, TrainConfig cfg, Tokenizer tokenizer,
      Path outDir, Evaluator evaluator, JsonObject extraState) {
    this.stream = stream;
    this.validationStream = validationStream;
    this.validationWindows = validationWindows;
    this.model = model;
    this.modelGen = modelGen;
    this.dataGen = new Generator(cfg.seed() ^ 0x5DEECE66DL);
    this.train = train;
    this.validation = validation;
    this.cfg = cfg;
    this.tokenizer = tokenizer;
    this.outDir = outDir;
    this.evaluator = evaluator;
    this.extraState = extraState == null ? new JsonObject() : extraState;
    this.opt = optimizer(model, cfg);
    this.schedule = schedule(cfg);
  }

  /**
   * The optimizer a run with {@code c} uses over {@code m}'s parameters: Adam (default), AdamW, SGD with momentum 0.9
   * or RMSprop, at {@code c.lr()} with {@code c.weightDecay()}. Public so that other trainers (rnn4j-spark's) take the
   * identical step.
   */
  public static Optimizer optimizer(LanguageModel m, TrainConfig c) {
    Map<String, Tensor> p = m.namedParameters();
    return switch (c.optimizer()) {
      case "adamw" -> new AdamW(p, new Adam.Options(c.lr(), 0.9, 0.999, 1e-8, c.weightDecay(), false));
      case "sgd" -> new Sgd(p, new Sgd.Options(c.lr(), 0.9, 0, c.weightDecay(), false));
      case "rmsprop" -> new RmsProp(p, new RmsProp.Options(c.lr(), 0.99, 1e-8, c.weightDecay(), 0, false));
      default -> new Adam(p, new Adam.Options(c.lr(), 0.9, 0.999, 1e-8, c.weightDecay(), false));
    };
  }

  /**
   * The learning-rate schedule of a run with {@code c}: a linear warm-up over {@code c.warmupSteps()}, then cosine to
   * {@code c.minLr()}, constant, or halving in four steps.
   */
  public static LrSchedule schedule(TrainConfig c) {
    long warm = Math.min(c.warmupSteps(), c.steps() - 1L);
    LrSchedule after = switch (c.schedule()) {
      case "constant" -> LrSchedule.constant(c.lr());
      case "step" -> LrSchedule.step(c.lr(), Math.max(1, (int) ((c.steps() - warm) / 4)), 0.5);
      default -> LrSchedule.cosine(c.lr(), Math.max(1, c.steps() - warm), c.minLr());
    };
    return warm <= 0 ? after : LrSchedule.sequential(List.of(LrSchedule.linear(c.lr(), 0.01, 1.0, warm), after), warm);
  }

  /** Optimizer steps taken so far; after {@link #resume}, counted from the start of the run, not of this process. */
  public long step() {
    return step;
  }

  /**
   * Nanoseconds this object spent in training steps (batch, forward, loss, backward, clipping, optimizer step) since it
   * was made: not validation, checkpoints or the metrics file. A resumed run counts from its resumption.
   *
   * @return the nanoseconds
   */
  public long stepNanos() {
    return stepNanos;
  }

  /** The model being trained (for tests in this package). */
  LanguageModel model() {
    return model;
  }

  /** Trains until {@code untilStep} (at most the configured steps), then writes a checkpoint. */
  public void run(long untilStep, Listener listener) throws IOException {
    run(untilStep, listener, RunOptions.defaults());
  }

  /**
   * Trains until {@code untilStep} (at most the configured steps) or until {@code options} asks to stop, then writes
   * a checkpoint. Each step's loss and gradient norm are checked before the optimizer step: a non-finite one skips the
   * batch while {@link RunOptions#skipNonFinite} allows, else throws {@link NonFiniteException} with nothing stepped or
   * saved. Each metrics line is written whole by one write and flushed.
   */
  public Outcome run(long untilStep, Listener listener, RunOptions options) throws IOException {
    long end = Math.min(untilStep, cfg.steps());
    Listener l = listener == null ? new Listener() {} : listener;
    List<Tensor> params = model.parameters();
    Files.createDirectories(outDir);
    Path metricsFile = outDir.resolve("metrics.jsonl");
    long lastSave = options.nanoClock().getAsLong();
    try (OutputStream metrics = Files.newOutputStream(metricsFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      while (step < end) {
        long stepStart = System.nanoTime();
        Tensor logits; // (N, V)
        Tensor targets; // (N)
        int numTokens;
        double lr = schedule.lr(step);
        opt.setLr(lr);
        model.train();
        opt.zeroGrad();
        LanguageModel.State carriedBefore = carried;
        if (stream != null) {
          if (streamEpoch == null || batchInEpoch == streamEpoch.numChunks()) {
            if (streamEpoch != null) {
              epoch++;
              carried = null; // a new pass starts from zeros
              carriedBefore = null;
            }
            epochStartRng = dataGen.snapshot();
            streamEpoch = stream.epoch(dataGen);
            batchInEpoch = 0;
          }
          BpttBatcher.Chunk c = streamEpoch.chunk(batchInEpoch++);
          LanguageModel.PackedOutput out = model.forwardFull(c.inputs(), carried); // rows time-major, as targets
          // truncate: no gradient flows into the previous chunk; windows start from zeros (carried stays null)
          carried = stream.carriesState() ? out.state().detach() : null;
          logits = out.logits();
          targets = c.targets().reshape(c.targets().numel());
          numTokens = targets.numel();
        } else {
          if (epochBatches == null || batchInEpoch == epochBatches.size()) {
            if (epochBatches != null) {
              epoch++;
            }
            epochStartRng = dataGen.snapshot();
            epochBatches = train.epoch(dataGen);
            batchInEpoch = 0;
          }
          SequenceBatch batch = epochBatches.get(batchInEpoch++);
          logits = model.forwardPacked(batch.inputs(), batch.lengths(), null).logits();
          targets = batch.packedTargets();
          numTokens = batch.numTokens();
        }
        Tensor loss = Losses.crossEntropy(logits, targets, Vocabulary.PAD_ID, Reduction.MEAN, 0);
        double lossValue = loss.item();
        String bad = null;
        double norm = Double.NaN;
        if (!Double.isFinite(lossValue)) {
          bad = "the loss is " + lossValue;
        } else {
          loss.backward();
          norm = cfg.clip() > 0 ? GradClip.clipGradNorm(params, cfg.clip(), 2) : Double.NaN;
          double checked = cfg.clip() > 0 ? norm : gradNorm(params);
          if (!Double.isFinite(checked)) {
            bad = "the gradient norm is " + checked;
          }
        }
        if (bad != null) {
          if (skippedNonFinite >= options.skipNonFinite()) {
            throw new NonFiniteException(step + 1, "step " + (step + 1) + ": " + bad + "; no optimizer step was taken "
                + "and no checkpoint written. " + lastGood() + (options.skipNonFinite() > 0
                    ? " " + skippedNonFinite + " batches were already skipped, the limit of --skip-nonfinite."
                    : " Lower the learning rate, keep gradient clipping on, or skip such batches with --skip-nonfinite N."));
          }
          skippedNonFinite++;
          carried = carriedBefore; // the skipped chunk's state is as suspect as its loss
          opt.zeroGrad();
          JsonObject skip = new JsonObject();
          skip.addProperty("step", step + 1);
          skip.addProperty("skipped_nonfinite", bad);
          writeLine(metrics, metricsFile, skip);
          l.onSkip(step + 1, bad, skippedNonFinite);
          continue;
        }
        opt.step();
        step++;
        stepNanos += System.nanoTime() - stepStart;
        StepInfo info = new StepInfo(step, cfg.steps(), lossValue, numTokens, lr, norm);
        JsonObject line = new JsonObject();
        line.addProperty("step", step);
        line.addProperty("loss", info.loss());
        line.addProperty("lr", lr);
        line.addProperty("tokens", info.tokens());
        if (!Double.isNaN(norm)) {
          line.addProperty("grad_norm", norm);
        }
        writeLine(metrics, metricsFile, line);
        l.onStep(info);
        boolean earlyStop = false;
        if ((cfg.evalEvery() > 0 && step % cfg.evalEvery() == 0) || step == cfg.steps()) {
          Map<String, Double> m = evaluate();
          JsonObject e = new JsonObject();
          e.addProperty("step", step);
          m.forEach(e::addProperty);
          Double val = m.get("val_loss");
          if (val != null && val < bestValLoss) { // a new best: kept in best/ before anything else is written
            bestValLoss = val;
            bestStep = step;
            evalsSinceBest = 0;
            e.addProperty("best", true);
            Path bestDir = outDir.resolve("best");
            writeCheckpoint(bestDir);
            l.onCheckpoint(step, bestDir);
          } else if (val != null) {
            evalsSinceBest++;
            earlyStop = options.earlyStop() > 0 && evalsSinceBest >= options.earlyStop();
          }
          writeLine(metrics, metricsFile, e);
          l.onEval(step, m);
        }
        boolean stop = options.stopRequested().getAsBoolean();
        long now = options.nanoClock().getAsLong();
        boolean byTime = options.checkpointInterval() != null && now - lastSave >= options.checkpointInterval().toNanos();
        if ((cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0) || step == end || stop || byTime
            || earlyStop) {
          Path dir = outDir.resolve("checkpoint");
          saveCheckpoint(dir);
          lastSave = options.nanoClock().getAsLong();
          l.onCheckpoint(step, dir);
        }
        if (earlyStop && step < end) {
          return Outcome.EARLY_STOPPED;
        }
        if (stop && step < end) {
          return Outcome.STOPPED;
        }
      }
    }
    return Outcome.DONE;
  }

  /** The lowest validation loss so far (the one of {@code best/}), infinity before the first validation. */
  public double bestValLoss() {
    return bestValLoss;
  }

  /** The step of {@code best/}, the checkpoint with the lowest validation loss, or -1 before the first validation. */
  public long bestStep() {
    return bestStep;
  }

  /** Batches skipped so far because their loss or gradient norm was not finite. */
  public int skippedNonFinite() {
    return skippedNonFinite;
  }

  private String lastGood() {
    return checkpointStep < 0 ? "There is no checkpoint of this run yet."
        : "The last good checkpoint is " + outDir.resolve("checkpoint") + " (step " + checkpointStep + ").";
  }

  /** The global 2-norm of the gradients, for the finiteness check when clipping is off (gradients unchanged). */
  private static double gradNorm(List<Tensor> params) {
    double s = 0;
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g != null) {
        for (float v : g.data()) {
          s += (double) v * v;
        }
      }
    }
    return Math.sqrt(s);
  }

  private static boolean allFinite(Map<String, Tensor> tensors, List<String> bad) {
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      if (e.getValue().dtype() == dev.rnn4j.tensor.DType.FLOAT32) {
        for (float v : e.getValue().data()) {
          if (!Float.isFinite(v)) {
            bad.add(e.getKey());
            break;
          }
        }
      }
    }
    return bad.isEmpty();
  }

  /** The names of the float tensors of {@code tensors} that hold a NaN or an infinity (empty: all finite). */
  public static List<String> nonFinite(Map<String, Tensor> tensors) {
    List<String> bad = new ArrayList<>();
    allFinite(tensors, bad);
    return bad;
  }

  /** One metrics line, written whole by a single write and flushed, so a crash leaves no torn line. */
  private void writeLine(OutputStream metrics, Path file, JsonObject line) throws IOException {
    try {
      metrics.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      metrics.flush();
    } catch (IOException e) {
      throw new IOException("writing " + file + " at step " + step + ": " + dev.rnn4j.io.IoErrors.describe(e), e);
    }
  }

  /** Validation loss and perplexity over the validation set, plus the evaluator's metrics; eval mode, no graph. */
  public Map<String, Double> evaluate() {
    Map<String, Double> m = new LinkedHashMap<>();
    model.eval();
    try (GradMode g = GradMode.disable()) {
      if (validation != null || validationStream != null || validationWindows != null) {
        double[] lossTokens = validation != null ? validationLoss(model, validation)
            : validationStream != null ? streamLoss(model, validationStream) : windowLoss(model, validationWindows);
        m.put("val_loss", lossTokens[0]);
        m.put("val_ppl", Math.exp(lossTokens[0]));
      }
      if (evaluator != null) {
        m.putAll(evaluator.evaluate(model));
      }
    } finally {
      model.train();
    }
    return m;
  }

  /** Mean loss per counted token over {@code data} and the token count. */
  public static double[] validationLoss(LanguageModel model, LengthBatcher data) {
    double total = 0;
    long tokens = 0;
    try (GradMode g = GradMode.disable()) {
      for (SequenceBatch b : data.inOrder()) {
        Tensor logits = model.forwardPacked(b.inputs(), b.lengths(), null).logits();
        total += Losses.crossEntropy(logits, b.packedTargets(), Vocabulary.PAD_ID, Reduction.SUM, 0).item();
        for (long t : b.packedTargets().longData()) {
          tokens += t == Vocabulary.PAD_ID ? 0 : 1;
        }
      }
    }
    return new double[] {total / Math.max(1, tokens), tokens};
  }

  /** Mean loss per token over every chunk of {@code data} in order, carrying the state across chunks. */
  public static double[] streamLoss(LanguageModel model, BpttBatcher data) {
    double total = 0;
    long tokens = 0;
    LanguageModel.State state = null;
    try (GradMode g = GradMode.disable()) {
      for (int i = 0; i < data.numChunks(); i++) {
        BpttBatcher.Chunk c = data.chunk(i);
        LanguageModel.PackedOutput out = model.forwardFull(c.inputs(), state);
        state = out.state();
        Tensor t = c.targets().reshape(c.targets().numel());
        total += Losses.crossEntropy(out.logits(), t, Vocabulary.PAD_ID, Reduction.SUM, 0).item();
        tokens += t.numel();
      }
    }
    return new double[] {total / Math.max(1, tokens), tokens};
  }

  /**
   * Mean loss per token over every chunk of {@code windows} (e.g. {@link WindowBatcher#consecutive}), each from a zero
   * state, and the token count.
   */
  public static double[] windowLoss(LanguageModel model, StreamBatcher.Epoch windows) {
    double total = 0;
    long tokens = 0;
    try (GradMode g = GradMode.disable()) {
      for (int i = 0; i < windows.numChunks(); i++) {
        BpttBatcher.Chunk c = windows.chunk(i);
        Tensor t = c.targets().reshape(c.targets().numel());
        total += Losses.crossEntropy(model.forwardFull(c.inputs(), null).logits(), t, Vocabulary.PAD_ID,
            Reduction.SUM, 0).item();
        tokens += t.numel();
      }
    }
    return new double[] {total / Math.max(1, tokens), tokens};
  }

  /**
   * Writes model, config, vocabulary, optimizer and trainer state to {@code dir}, atomically (NOTE [checkpoint swap]
   * in {@link Checkpoint}). Weights or optimizer state that are not finite are never written: that throws
   * {@link NonFiniteException} and the previous checkpoint stays.
   */
  public void saveCheckpoint(Path dir) throws IOException {
    writeCheckpoint(dir);
    checkpointStep = step;
  }

  /** {@link #saveCheckpoint} without taking it as the last good checkpoint (for {@code best/}). */
  private void writeCheckpoint(Path dir) throws IOException {
    Map<String, Tensor> weights = model.stateDict();
    Map<String, Tensor> optState = opt.stateDict();
    List<String> bad = nonFinite(weights);
    bad.addAll(nonFinite(optState));
    if (!bad.isEmpty()) {
      throw new NonFiniteException(step, "step " + step + ": " + bad.size() + " tensors are not finite ("
          + String.join(", ", bad.subList(0, Math.min(4, bad.size()))) + (bad.size() > 4 ? ", ..." : "")
          + "); no checkpoint written. " + lastGood() + " Lower the learning rate or keep gradient clipping on.");
    }
    JsonObject state = new JsonObject();
    state.addProperty("skipped_nonfinite", skippedNonFinite);
    state.addProperty("step", step);
    state.addProperty("epoch", epoch);
    state.addProperty("batch_in_epoch", batchInEpoch);
    state.add("epoch_start_rng", longs(epochStartRng == null ? dataGen.snapshot() : epochStartRng));
    state.add("model_rng", longs(modelGen.snapshot()));
    if (bestStep >= 0) {
      state.addProperty("best_val_loss", bestValLoss);
      state.addProperty("best_step", bestStep);
      state.addProperty("evals_since_best", evalsSinceBest);
    }
    state.add("train_config", cfg.toJson());
    if (carried != null) { // stream mode: the state the next chunk starts from (floats are exact in JSON doubles)
      state.add("carried_h", floats(carried.h()));
      if (carried.c() != null) {
        state.add("carried_c", floats(carried.c()));
      }
    }
    state.add("extra", extraState);
    try {
      Checkpoint.write(dir, new Checkpoint.Contents(weights, model.config().toJson(), tokenizer.toJson(), optState, state));
    } catch (IOException e) {
      throw new IOException("writing the checkpoint of step " + step + " to " + dir + ": "
          + dev.rnn4j.io.IoErrors.describe(e) + ". " + lastGood(), e);
    }
  }

  /**
   * Continues from a checkpoint written by {@link #saveCheckpoint}: loads parameters, optimizer state, generators and
   * the position in the epoch. The trainer must be built with the same model configuration, data and train config.
   */
  public void resume(Checkpoint.Contents c) throws IOException {
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
    skippedNonFinite = s.has("skipped_nonfinite") ? s.get("skipped_nonfinite").getAsInt() : 0;
    checkpointStep = step;
    if (s.has("best_step")) {
      bestValLoss = s.get("best_val_loss").getAsDouble();
      bestStep = s.get("best_step").getAsLong();
      evalsSinceBest = s.get("evals_since_best").getAsInt();
    }
    epochStartRng = toLongs(s.getAsJsonArray("epoch_start_rng"));
    modelGen.restore(toLongs(s.getAsJsonArray("model_rng")));
    dataGen.restore(epochStartRng);
    truncateMetrics(outDir.resolve("metrics.jsonl"), step);
    if (stream != null) {
      streamEpoch = stream.epoch(dataGen); // the same epoch as before the interruption; continue at batchInEpoch
      if (batchInEpoch > streamEpoch.numChunks()) {
        throw new IllegalArgumentException("the checkpoint's position in the stream does not fit this data");
      }
      LanguageModel.State zero = model.initialState(stream.batchSize());
      carried = s.has("carried_h")
          ? new LanguageModel.State(toTensor(s.getAsJsonArray("carried_h"), zero.h()),
              s.has("carried_c") ? toTensor(s.getAsJsonArray("carried_c"), zero.c()) : null)
          : null;
      return;
    }
    epochBatches = train.epoch(dataGen); // the same epoch as before the interruption; continue at batchInEpoch
    if (batchInEpoch > epochBatches.size()) {
      throw new IllegalArgumentException("the checkpoint's position in the epoch does not fit this data");
    }
  }

  /**
   * Cuts {@code metrics.jsonl} back to what the checkpoint of {@code step} had seen: every whole line whose step is at
   * most {@code step} stays, later lines and a torn last line (a crash mid-write) go. Rewritten atomically.
   */
  public static void truncateMetrics(Path file, long step) throws IOException {
    if (!Files.isRegularFile(file)) {
      return;
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    StringBuilder kept = new StringBuilder();
    int from = 0;
    boolean changed = false;
    for (int nl = text.indexOf('\n'); ; nl = text.indexOf('\n', from)) {
      if (nl < 0) {
        changed |= from < text.length(); // a torn last line
        break;
      }
      String line = text.substring(from, nl);
      from = nl + 1;
      long s = lineStep(line);
      if (s >= 0 && s <= step) {
        kept.append(line).append('\n');
      } else {
        changed = true;
      }
    }
    if (changed) {
      dev.rnn4j.io.AtomicFiles.write(file, kept.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The step of one metrics line, or -1 if it is not a whole JSON object with a step. */
  private static long lineStep(String line) {
    try {
      JsonObject o = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
      return o.has("step") ? o.get("step").getAsLong() : -1;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static JsonArray floats(Tensor t) {
    JsonArray a = new JsonArray();
    for (float v : t.data()) {
      a.add(v);
    }
    return a;
  }

  private static Tensor toTensor(JsonArray a, Tensor like) {
    if (a.size() != like.numel()) {
      throw new IllegalArgumentException(
          "the checkpoint's carried state has " + a.size() + " values, expected " + like.shape());
    }
    float[] d = new float[a.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = a.get(i).getAsFloat();
    }
    return Tensor.wrap(d, like.shape());
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
