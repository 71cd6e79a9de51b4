package dev.rnn4j.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.cli.task.AdditionEval;
import dev.rnn4j.cli.task.AdditionTask;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.data.TokenFile;
import dev.rnn4j.train.RunLock;
import dev.rnn4j.train.TrainConfig;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.util.ThreadTeam;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rnn4j train}: trains a recurrent language model, on the built-in addition task by default or on any UTF-8
 * text file ({@code --data}), then shows what it learned by generating with it.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a recurrent language model, then generate with it.",
      "Without --data it learns 3-digit addition written as text (operands zero-padded, the sum written "
          + "least-significant digit first: 128+047=5710 for 175) and reports greedy exact-match accuracy on "
          + "held-out problems."
    })
final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", description = "rnn, lstm or gru (default: ${DEFAULT-VALUE})", defaultValue = "gru")
  String modelType;

  /**
   * The defaults of the options below that differ between a text file ({@code --data}) and the built-in task; the
   * text ones were chosen by measurement (BENCHMARKS.md, "Language models on real text").
   */
  record Defaults(int embeddingSize, int hiddenSize, double dropout, double embeddingDropout, int batchSize,
      int steps, int evalEvery, int bptt, double lr) {
    static final Defaults TEXT = new Defaults(64, 256, 0.5, 0.1, 32, 3000, 200, 64, 6e-3);
    static final Defaults TASK = new Defaults(32, 256, 0, 0, 128, 2000, 250, 0, 3e-3);
  }

  @Option(names = "--embedding-size", description = "embedding size (default: 64 with --data, 32 for the built-in task)")
  Integer embeddingSize;

  @Option(names = "--hidden-size", description = "hidden size (default: 256)")
  Integer hiddenSize;

  @Option(names = "--layers", defaultValue = "1", description = "recurrent layers (default: ${DEFAULT-VALUE})")
  int layers;

  @Option(names = "--dropout", description = "dropout in [0, 1) between recurrent layers and on the last one's output, "
      + "before the decoder (default with --data: 0.5 when the run reads its training text at least "
      + TextDropout.MIN_PASSES + " times, else 0; 0 for the built-in task)")
  Double dropout;

  @Option(names = "--embedding-dropout", description = "dropout in [0, 1) on the embedding output (default with "
      + "--data: 0.1 when the run reads its training text at least " + TextDropout.MIN_PASSES + " times, else 0; 0 "
      + "for the built-in task)")
  Double embeddingDropout;

  @Option(names = "--tie-weights", description = "the decoder uses the embedding's weight (needs --embedding-size equal "
      + "to --hidden-size, or to --proj-size when set)")
  boolean tieWeights;

  @Option(names = "--proj-size", defaultValue = "0", description = "LSTM projection size, 0 = none")
  int projSize;

  @Option(names = "--batch-size", description = "sequences (or stream columns) per batch (default: 32 with --data, 128 "
      + "for the built-in task)")
  Integer batchSize;

  @Option(names = "--steps", description = "optimizer steps (default: 3000 with --data, 2000 for the built-in task)")
  Integer steps;

  @Option(names = "--epochs", description = "train for this many passes over the data instead of --steps")
  Integer epochs;

  @Option(names = "--optimizer", defaultValue = "adam", description = "adam, adamw, sgd or rmsprop (default: ${DEFAULT-VALUE})")
  String optimizer;

  @Option(names = "--lr", description = "peak learning rate (default: 6e-3 with --data, 3e-3 for the built-in task)")
  Double lr;

  @Option(names = "--min-lr", defaultValue = "1e-4", description = "final learning rate of the cosine (default: ${DEFAULT-VALUE})")
  double minLr;

  @Option(names = "--weight-decay", defaultValue = "0", description = "weight decay in [0, 1] with the chosen "
      + "optimizer's PyTorch semantics: added to the gradient as L2 for adam, sgd and rmsprop (torch.optim.Adam's "
      + "weight_decay), decoupled for adamw (torch.optim.AdamW) (default: ${DEFAULT-VALUE})")
  double weightDecay;

  @Option(names = "--schedule", defaultValue = "cosine", description = "cosine, constant or step, after warm-up (default: ${DEFAULT-VALUE})")
  String schedule;

  @Option(names = "--warmup", defaultValue = "100", description = "linear warm-up steps (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE})")
  double clip;

  @Option(names = "--seed", defaultValue = "1", description = "seed of every random choice (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--threads", description = "threads for rnn4j's parallel loops (default: all cores)")
  Integer threads;

  @Option(names = {"--out", "-o"}, description = "run directory (default: runs/<date-time>)")
  Path out;

  @Option(names = "--data", description = "train on this UTF-8 text file instead of the built-in task: as one stream "
      + "(--bptt, the default) or one sequence per line (--bptt 0)")
  Path data;

  @Option(names = "--tokenizer", defaultValue = "char", description = "char or word, for --data (default: ${DEFAULT-VALUE})")
  String tokenizer;

  @Option(names = "--max-len", defaultValue = "256", description = "longest training sequence in tokens, for --data")
  int maxLen;

  @Option(names = "--bptt", description = "for --data: train on the file as one stream, in windows of this many steps "
      + "(see --batching; with --batching stream, truncated BPTT over --batch-size columns in chunks of about this "
      + "many steps, blank-line-separated documents shuffled, start and chunk lengths varied each epoch), 0 = one "
      + "sequence per line, shuffled each epoch (default: 64)")
  Integer bptt;

  @Option(names = "--batching", description = "for a stream (--bptt N > 0): windows = each step trains --batch-size "
      + "windows of N steps at random places in the text, each from a zero state, and validates on consecutive windows "
      + "the same way; stream = --batch-size columns whose state carries from chunk to chunk, validated with the state "
      + "carried (default: windows)")
  String batching;

  @Option(names = "--digits", defaultValue = "3", description = "operand digits of the built-in task (default: ${DEFAULT-VALUE})")
  int digits;

  @Option(names = "--train-problems", defaultValue = "200000", description = "training problems of the built-in task")
  int trainProblems;

  @Option(names = "--held-out", defaultValue = "1000", description = "held-out problems of the built-in task")
  int heldOut;

  @Option(names = "--eval-every", description = "validation interval in steps, 0 = only at the end (default: 200 with "
      + "--data, 250 for the built-in task); the checkpoint with the lowest validation loss is kept in best/")
  Integer evalEvery;

  @Option(names = "--early-stop", defaultValue = "0", description = "stop after this many validations in a row without "
      + "a lower validation loss, 0 = never (default: ${DEFAULT-VALUE})")
  int earlyStop;

  @Option(names = "--checkpoint-every", defaultValue = "500", description = "checkpoint interval in steps, 0 = only at the end")
  int checkpointEvery;

  @Option(names = "--checkpoint-minutes", defaultValue = "10", description = "also checkpoint when this many minutes "
      + "passed since the last one, 0 = off (default: ${DEFAULT-VALUE})")
  double checkpointMinutes;

  @Option(names = "--skip-nonfinite", defaultValue = "0", description = "skip up to this many batches whose loss or "
      + "gradient norm is NaN or infinite (counted in metrics.jsonl); 0 = stop at the first (default)")
  int skipNonFinite;

  @Option(names = "--resume", description = "continue the run in --out from its newest checkpoint; --steps/--epochs, "
      + "--lr, --min-lr, --clip, --eval-every, --checkpoint-every, --checkpoint-minutes, --skip-nonfinite may change, "
      + "the model, tokenizer and data settings may not")
  boolean resume;

  @Option(names = "--allow-data-change", description = "with --resume: accept a training file that changed since the "
      + "run started")
  boolean allowDataChange;

  @Option(names = "--stop-after", description = "stop (with a checkpoint) after this step, as an interruption would; "
      + "continue later with --resume")
  Long stopAfter;

  @Option(names = "--no-progress", description = "no progress bar")
  boolean noProgress;

  @Option(names = "--samples", defaultValue = "5", description = "generations shown at the end (default: ${DEFAULT-VALUE})")
  int samples;

  /** Options a resumed run may change: they are read from the command line, not from the checkpoint. */
  private static final List<String> CHANGEABLE = List.of("--steps", "--epochs", "--lr", "--min-lr", "--clip",
      "--eval-every", "--checkpoint-every", "--early-stop");

  /** Options fixed by the checkpoint: a different value on --resume is refused by name. */
  private static final List<String> FIXED = List.of("--model", "--embedding-size", "--hidden-size", "--layers",
      "--dropout", "--embedding-dropout", "--tie-weights", "--proj-size", "--tokenizer", "--max-len", "--bptt", "--batching", "--digits", "--train-problems", "--held-out",
      "--batch-size", "--optimizer", "--schedule", "--warmup", "--weight-decay", "--seed");

  @Override
  public Integer call() throws IOException {
    PrintWriter o = spec.commandLine().getOut();
    Defaults d = data != null ? Defaults.TEXT : Defaults.TASK;
    embeddingSize = embeddingSize != null ? embeddingSize : d.embeddingSize();
    hiddenSize = hiddenSize != null ? hiddenSize : d.hiddenSize();
    dropoutGiven = dropout != null;
    embeddingDropoutGiven = embeddingDropout != null;
    dropout = dropout != null ? dropout : d.dropout();
    embeddingDropout = embeddingDropout != null ? embeddingDropout : d.embeddingDropout();
    batchSize = batchSize != null ? batchSize : d.batchSize();
    evalEvery = evalEvery != null ? evalEvery : d.evalEvery();
    bptt = bptt != null ? bptt : d.bptt();
    lr = lr != null ? lr : d.lr();
    if (batching != null && !resume && bptt == 0) {
      throw new IllegalArgumentException("--batching applies to a stream (--bptt N > 0); --bptt 0 trains line by line");
    }
    batching = batching != null ? batching.toLowerCase(java.util.Locale.ROOT) : RunData.WINDOWS;
    if (!batching.equals(RunData.WINDOWS) && !batching.equals(RunData.STREAM)) {
      throw new IllegalArgumentException("--batching must be windows or stream, got '" + batching + "'");
    }
    defaultSteps = d.steps();
    checkRanges();
    if (threads == null) {
      return prepareAndTrain(o);
    }
    try (ThreadTeam team = new ThreadTeam(threads); ThreadTeam.Scope s = team.use()) {
      return prepareAndTrain(o);
    }
  }

  /** The run, on the calling thread's team. */
  private Integer prepareAndTrain(PrintWriter o) throws IOException {
    if (out == null) {
      if (resume) {
        throw new IllegalArgumentException("--resume needs --out DIR, the run to continue");
      }
      out = Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out " + out + " is a file, not a folder");
    }
    if (resume && !Checkpoint.exists(out.resolve("checkpoint"))) {
      throw new IllegalArgumentException("--resume: " + out + " has no checkpoint to continue from");
    }
    try (RunLock lock = RunLock.acquire(out)) {
      return train(o);
    } finally {
      if (mapped != null) {
        mapped.close(); // unmapped now, not at some later garbage collection
      }
    }
  }

  private void checkRanges() {
    if (threads != null && (threads < 1 || threads > 4096)) {
      throw new IllegalArgumentException("--threads must be in [1, 4096], got " + threads);
    }
    if (steps != null && steps < 1) {
      throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
    }
    if (epochs != null && epochs < 1) {
      throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
    }
    if (steps != null && epochs != null) {
      throw new IllegalArgumentException("give --steps or --epochs, not both");
    }
    if (stopAfter != null && stopAfter < 1) {
      throw new IllegalArgumentException("--stop-after must be at least 1 (a step number), got " + stopAfter);
    }
    if (samples < 0 || samples > 1000) {
      throw new IllegalArgumentException("--samples must be in [0, 1000], got " + samples);
    }
    if (!(weightDecay >= 0 && weightDecay <= 1)) {
      throw new IllegalArgumentException("--weight-decay must be in [0, 1], got " + weightDecay);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
    }
    if (!(embeddingDropout >= 0 && embeddingDropout < 1)) {
      throw new IllegalArgumentException("--embedding-dropout must be in [0, 1), got " + embeddingDropout);
    }
    if (earlyStop < 0 || earlyStop > 1_000_000) {
      throw new IllegalArgumentException("--early-stop must be in [0, 1000000] validations (0 = never), got " + earlyStop);
    }
    if (earlyStop > 0 && spec.commandLine().getParseResult().hasMatchedOption("--eval-every") && evalEvery == 0) {
      throw new IllegalArgumentException("--early-stop needs validations during the run; --eval-every 0 validates only at the end");
    }
    if (evalEvery < 0) {
      throw new IllegalArgumentException("--eval-every must be 0 (only at the end) or more steps, got " + evalEvery);
    }
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("--checkpoint-every must be 0 (only at the end) or more steps, got " + checkpointEvery);
    }
    if (!(checkpointMinutes >= 0 && checkpointMinutes <= 1e6)) {
      throw new IllegalArgumentException("--checkpoint-minutes must be in [0, 1000000] (0 = off), got " + checkpointMinutes);
    }
    if (skipNonFinite < 0) {
      throw new IllegalArgumentException("--skip-nonfinite must be 0 (stop at the first) or more, got " + skipNonFinite);
    }
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("--lr must be positive and finite, got " + lr);
    }
    if (allowDataChange && !resume) {
      throw new IllegalArgumentException("--allow-data-change only applies with --resume");
    }
  }

  private TokenFile mapped; // the run's token file while it trains
  private boolean dropoutGiven; // --dropout on the command line (else its default may depend on the run's passes)
  private boolean embeddingDropoutGiven;
  private int defaultSteps; // --steps when neither --steps nor --epochs is given

  private int train(PrintWriter o) throws IOException {
    RunData rd;
    LanguageModelConfig mc;
    TrainConfig tc;
    Checkpoint.Contents resumed = null;
    Path ck = out.resolve("checkpoint");
    if (resume) {
      Checkpoint.recover(ck); // the newest complete version, leftovers of crashes removed
      resumed = Checkpoint.read(ck);
      mc = LanguageModelConfig.fromJson(resumed.config());
      JsonObject st = resumed.trainerState();
      TrainConfig saved = TrainConfig.fromJson(st.getAsJsonObject("train_config"));
      JsonObject source = st.getAsJsonObject("extra");
      refuseFixedChanges(mc, saved, source);
      String change = RunData.dataChange(source);
      if (change != null) {
        if (!allowDataChange) {
          throw new IllegalArgumentException("--resume: " + change + "; pass --allow-data-change to continue on it anyway");
        }
        o.println("warning: " + change + " (continuing on it: --allow-data-change)");
        source.add("data", RunData.fingerprint(Path.of(source.get("file").getAsString())));
      }
      rd = RunData.build(source, Tokenizer.fromJson(resumed.vocabJson()), saved.batchSize(), out, !noProgress, o);
      mapped = rd.tokens();
      tc = applyChanges(o, saved, rd);
      List<String> bad = Trainer.nonFinite(resumed.model());
      if (!bad.isEmpty()) {
        o.println("warning: the checkpoint in " + out + " holds non-finite weights (" + String.join(", ", bad)
            + "); the first step will stop on a non-finite loss");
      }
    } else {
      if (Checkpoint.exists(ck)) {
        throw new IllegalArgumentException(out + " already holds a run; pass --resume to continue it or choose another --out");
      }
      Trainer.truncateMetrics(out.resolve("metrics.jsonl"), 0); // steps of a run that never saved are gone: a new log
      if (data == null) {
        rd = RunData.build(RunData.additionSource(digits, trainProblems, heldOut, seed), null, batchSize);
      } else {
        checkTokenizer(tokenizer);
        checkBptt(bptt);
        if (bptt == 0 && maxLen < 1) {
          throw new IllegalArgumentException("--max-len must be at least 1, got " + maxLen);
        }
        TokenCache c = TokenCache.forNewRun(data, tokenizer, bptt > 0 ? 0 : maxLen, out, !noProgress, o);
        JsonObject source = RunData.textSource(data, c.fingerprint(), tokenizer, maxLen, bptt, batching, 0.05, seed);
        mapped = c.tokens();
        rd = RunData.fromTokens(source, c.tokenizer(), c.tokens(), null, batchSize);
      }
      int n = steps != null ? steps : epochs != null ? epochSteps(rd, epochs) : defaultSteps;
      if (rd.trainStream() != null) { // a text stream: dropout by how many times the run reads the text
        double passes = (double) n / rd.trainStream().chunksPerEpoch();
        dropout = dropoutGiven ? dropout : TextDropout.dropout(passes);
        embeddingDropout = embeddingDropoutGiven ? embeddingDropout : TextDropout.embeddingDropout(passes);
      }
      mc = new LanguageModelConfig(modelType, rd.tokenizer().vocabulary().size(), embeddingSize, hiddenSize, layers,
          dropout, projSize, embeddingDropout, tieWeights);
      tc = new TrainConfig(n, batchSize, optimizer, lr, weightDecay, schedule, warmup, minLr, clip, evalEvery,
          checkpointEvery, seed);
    }
    if (rd.unknowns() != null && !rd.unknowns().isEmpty()) {
      o.println("warning: in " + rd.source().get("file").getAsString() + ", " + rd.unknowns().describe()
          + "; they train and validate as <unk>");
    }
    Generator modelGen = new Generator(tc.seed());
    LanguageModel model = new LanguageModel(mc, modelGen);
    Trainer trainer = rd.trainStream() instanceof dev.rnn4j.data.WindowBatcher w
        ? new Trainer(model, modelGen, w, rd.validationText(), tc, rd.tokenizer(), out, rd.source())
        : rd.trainStream() instanceof dev.rnn4j.data.StreamBatcher sb
        ? new Trainer(model, modelGen, sb, rd.validationStream(), tc, rd.tokenizer(), out, rd.source())
        : new Trainer(model, modelGen, rd.train(), rd.validation(), tc, rd.tokenizer(), out, rd.evaluator(500),
            rd.source());
    if (resumed != null) {
      trainer.resume(resumed);
      o.printf("resuming %s at step %d of %d%n", out, trainer.step(), tc.steps());
    }
    o.printf("rnn4j train: %s, %,d parameters, %s, %d threads%n", describe(mc), model.parameterCount(), rd.describe(),
        ThreadTeam.current().threads());
    o.printf("steps %d, batch %d, %s lr %.2g (%s, warm-up %d), clip %s, seed %d -> %s%n", tc.steps(), tc.batchSize(),
        tc.optimizer(), tc.lr(), tc.schedule(), tc.warmupSteps(), tc.clip() > 0 ? String.valueOf(tc.clip()) : "off",
        tc.seed(), out);
    o.flush();

    long t0 = System.nanoTime();
    long[] tokens = {0};
    long firstStep = trainer.step();
    ProgressBar bar = noProgress ? null : new ProgressBarBuilder()
        .setTaskName("train").setInitialMax(tc.steps()).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
        .setConsumer(new ConsoleProgressBarConsumer(System.err)).startsFrom(firstStep, java.time.Duration.ZERO).build();
    Trainer.Outcome outcome;
    Trainer.NonFiniteException failed = null;
    StopSignals signals = StopSignals.install(System.err);
    try {
      Trainer.RunOptions ro = new Trainer.RunOptions(skipNonFinite,
          checkpointMinutes > 0 ? java.time.Duration.ofMillis(Math.round(checkpointMinutes * 60_000)) : null,
          signals::stopRequested, System::nanoTime, earlyStop);
      outcome = trainer.run(stopAfter != null ? stopAfter : tc.steps(), new Trainer.Listener() {
        @Override
        public void onStep(Trainer.StepInfo s) {
          tokens[0] += s.tokens();
          if (bar != null) {
            double secs = (System.nanoTime() - t0) / 1e9;
            bar.stepTo(s.step());
            bar.setExtraMessage(String.format(" loss %.3f | %.0f tok/s", s.loss(), tokens[0] / Math.max(secs, 1e-9)));
          }
        }

        @Override
        public void onEval(long step, Map<String, Double> m) {
          StringBuilder sb = new StringBuilder(String.format("step %d:", step));
          m.forEach((k, v) -> sb.append(String.format(" %s %.4f", k, v)));
          line(sb.toString());
        }

        @Override
        public void onSkip(long step, String what, int skipped) {
          line(String.format("step %d: %s; batch skipped (%d of at most %d)", step, what, skipped, skipNonFinite));
        }

        private void line(String text) {
          if (bar != null) {
            System.err.print("\r");
          }
          o.println(text);
          o.flush();
        }
      }, ro);
    } catch (Trainer.NonFiniteException e) {
      failed = e;
      outcome = null;
    } finally {
      signals.close();
      if (bar != null) {
        bar.close();
      }
    }
    if (failed != null) { // the chart of the steps that were taken, then the error naming the step
      drawChart(o);
      throw failed;
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    double stepSecs = trainer.stepNanos() / 1e9;
    o.printf("trained %d steps in %.1f s (%.0f tokens/s; %.0f in the steps alone, without validation and checkpoints)%s%n",
        trainer.step() - firstStep, secs, tokens[0] / secs, stepSecs > 0 ? tokens[0] / stepSecs : 0.0,
        trainer.skippedNonFinite() > 0 ? ", " + trainer.skippedNonFinite() + " non-finite batches skipped" : "");
    drawChart(o);
    boolean hasBest = trainer.bestStep() >= 0;
    o.printf("wrote %s (checkpoint/%s, metrics.jsonl, loss.png)%n", out, hasBest ? ", best/" : "");
    if (hasBest) {
      o.printf("best validation loss %.4f at step %d, kept in %s%n", trainer.bestValLoss(), trainer.bestStep(),
          out.resolve("best"));
    }
    if (outcome == Trainer.Outcome.EARLY_STOPPED) {
      o.printf("early stop at step %d of %d: %d validations without a lower loss (--early-stop %d)%n", trainer.step(),
          tc.steps(), earlyStop, earlyStop);
      showWhatItLearned(o, model, rd, hasBest);
      return 0;
    }
    if (outcome == Trainer.Outcome.STOPPED) {
      o.printf("%s: saved the checkpoint of step %d to %s; continue with: bin/rnn4j train --resume --out %s%n",
          signals.name(), trainer.step(), ck, out);
      o.flush();
      return signals.exitCode();
    }
    if (trainer.step() < tc.steps()) {
      o.printf("stopped at step %d of %d; continue with: bin/rnn4j train --resume --out %s%n", trainer.step(),
          tc.steps(), out);
      return 0;
    }
    showWhatItLearned(o, model, rd, hasBest);
    return 0;
  }

  /** loss.png from the whole of metrics.jsonl, so a resumed run draws every step since the start. */
  private void drawChart(PrintWriter o) {
    try {
      List<double[]> trainCurve = new ArrayList<>();
      List<double[]> valCurve = new ArrayList<>();
      for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
        JsonObject m;
        try {
          m = JsonParser.parseString(line).getAsJsonObject();
        } catch (RuntimeException e) {
          continue;
        }
        if (m.has("loss")) {
          trainCurve.add(new double[] {m.get("step").getAsDouble(), m.get("loss").getAsDouble()});
        }
        if (m.has("val_loss")) {
          valCurve.add(new double[] {m.get("step").getAsDouble(), m.get("val_loss").getAsDouble()});
        }
      }
      LossChart.write(out.resolve("loss.png"), trainCurve, valCurve);
    } catch (IOException | RuntimeException | Error e) {
      o.println("(no loss.png: " + e.getMessage() + ")");
    }
  }

  private static int epochSteps(RunData rd, int epochs) {
    long n = (long) epochs * (rd.train() != null ? rd.train().numBatches() : rd.trainStream().chunksPerEpoch());
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("--epochs " + epochs + " makes " + n + " steps; at most " + Integer.MAX_VALUE);
    }
    return (int) n;
  }

  /** Refuses, by name, every option given with --resume that would change what the checkpoint fixed. */
  private void refuseFixedChanges(LanguageModelConfig mc, TrainConfig saved, JsonObject source) {
    CommandLine.ParseResult pr = spec.commandLine().getParseResult();
    boolean text = source.has("kind") && source.get("kind").getAsString().equals("text");
    Map<String, Object> was = new java.util.LinkedHashMap<>();
    was.put("--model", mc.modelType());
    was.put("--embedding-size", mc.embeddingSize());
    was.put("--hidden-size", mc.hiddenSize());
    was.put("--layers", mc.numLayers());
    was.put("--dropout", mc.dropout());
    was.put("--embedding-dropout", mc.embeddingDropout());
    was.put("--tie-weights", mc.tieWeights());
    was.put("--proj-size", mc.projSize());
    was.put("--batch-size", saved.batchSize());
    was.put("--optimizer", saved.optimizer());
    was.put("--schedule", saved.schedule());
    was.put("--warmup", saved.warmupSteps());
    was.put("--weight-decay", saved.weightDecay());
    was.put("--seed", saved.seed());
    if (text) {
      was.put("--tokenizer", source.get("tokenizer").getAsString());
      was.put("--max-len", source.get("max_len").getAsInt());
      int savedBptt = source.has("bptt") ? source.get("bptt").getAsInt() : 0;
      was.put("--bptt", savedBptt);
      if (savedBptt > 0) {
        was.put("--batching", RunData.batching(source));
      }
    } else {
      was.put("--digits", source.get("digits").getAsInt());
      was.put("--train-problems", source.get("train_problems").getAsInt());
      was.put("--held-out", source.get("held_out").getAsInt());
    }
    for (String name : FIXED) {
      if (!pr.hasMatchedOption(name)) {
        continue;
      }
      Object given = pr.matchedOption(name).getValue();
      Object saved0 = was.get(name);
      boolean same = saved0 != null && (given instanceof Number g && saved0 instanceof Number w
          ? g.doubleValue() == w.doubleValue() : String.valueOf(given).equalsIgnoreCase(String.valueOf(saved0)));
      if (!same) {
        throw new IllegalArgumentException("--resume: " + name + " cannot change on a resumed run (the checkpoint has "
            + (saved0 == null ? "no such setting" : String.valueOf(saved0)) + ", got " + given
            + "); start a new run with another --out to change it");
      }
    }
    if (pr.hasMatchedOption("--data")) {
      String runFile = text ? source.get("file").getAsString() : null;
      String given = data.toAbsolutePath().normalize().toString();
      if (runFile == null) {
        throw new IllegalArgumentException("--resume: --data cannot be given, the run in " + out
            + " trains on the built-in task");
      }
      if (!given.equals(runFile)) {
        throw new IllegalArgumentException("--resume: --data cannot change on a resumed run (the run trains on "
            + runFile + ", got " + given + ")");
      }
    }
  }

  /** The saved train config with the changeable options given on the command line applied, each change listed. */
  private TrainConfig applyChanges(PrintWriter o, TrainConfig t, RunData rd) {
    CommandLine.ParseResult pr = spec.commandLine().getParseResult();
    int n = pr.hasMatchedOption("--steps") ? steps
        : pr.hasMatchedOption("--epochs") ? epochSteps(rd, epochs) : t.steps();
    TrainConfig c = new TrainConfig(n, t.batchSize(), t.optimizer(),
        pr.hasMatchedOption("--lr") ? lr : t.lr(), t.weightDecay(), t.schedule(), t.warmupSteps(),
        pr.hasMatchedOption("--min-lr") ? minLr : t.minLr(), pr.hasMatchedOption("--clip") ? clip : t.clip(),
        pr.hasMatchedOption("--eval-every") ? evalEvery : t.evalEvery(),
        pr.hasMatchedOption("--checkpoint-every") ? checkpointEvery : t.checkpointEvery(), t.seed());
    List<String> changes = new ArrayList<>();
    change(changes, "steps", t.steps(), c.steps());
    change(changes, "lr", t.lr(), c.lr());
    change(changes, "min-lr", t.minLr(), c.minLr());
    change(changes, "clip", t.clip(), c.clip());
    change(changes, "eval-every", t.evalEvery(), c.evalEvery());
    change(changes, "checkpoint-every", t.checkpointEvery(), c.checkpointEvery());
    if (pr.hasMatchedOption("--early-stop")) {
      changes.add("early-stop " + earlyStop);
    }
    if (!changes.isEmpty()) {
      o.println("resume: changed " + String.join(", ", changes)
          + (c.steps() != t.steps() && !c.schedule().equals("constant") ? " (the " + c.schedule()
              + " schedule now ends at step " + c.steps() + ")" : ""));
    }
    return c;
  }

  private static void change(List<String> changes, String name, double was, double now) {
    if (was != now) {
      changes.add(name + " " + fmt(was) + " -> " + fmt(now));
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
  }

  /**
   * The dropout defaults of a text stream, by how many times the run reads its training text ({@code passes}: steps
   * over batches per epoch): a run that reads it fewer than {@link #MIN_PASSES} times has nothing to gain from dropout
   * and learns more slowly with it; one that reads it more overfits without it (BENCHMARKS.md, "Language models on
   * real text").
   */
  static final class TextDropout {
    static final int MIN_PASSES = 8;

    private TextDropout() {}

    static double dropout(double passes) {
      return passes >= MIN_PASSES ? Defaults.TEXT.dropout() : 0;
    }

    static double embeddingDropout(double passes) {
      return passes >= MIN_PASSES ? Defaults.TEXT.embeddingDropout() : 0;
    }
  }

  private static int checkBptt(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("--bptt must be 0 (off) or positive, got " + n);
    }
    return n;
  }

  private static String checkTokenizer(String t) {
    if (!t.equals("char") && !t.equals("word")) {
      throw new IllegalArgumentException("--tokenizer must be char or word, got '" + t + "'");
    }
    return t;
  }

  static String describe(LanguageModelConfig c) {
    return String.format("%s, embedding %d, hidden %d, %d layer%s%s%s%s%s", c.modelType().toUpperCase(),
        c.embeddingSize(), c.hiddenSize(), c.numLayers(), c.numLayers() > 1 ? "s" : "",
        c.dropout() > 0 ? ", dropout " + c.dropout() : "",
        c.embeddingDropout() > 0 ? ", embedding dropout " + c.embeddingDropout() : "",
        c.projSize() > 0 ? ", proj " + c.projSize() : "", c.tieWeights() ? ", tied weights" : "");
  }

  /**
   * The end of a run: held-out accuracy and a few answers (built-in task) or a sampled text (--data), from the best
   * checkpoint when there is one (the weights of best/ are loaded into {@code model}).
   */
  private void showWhatItLearned(PrintWriter o, LanguageModel model, RunData rd, boolean best) throws IOException {
    Path ck = out.resolve("checkpoint");
    if (best) {
      ck = out.resolve("best");
      model.loadStateDict(Checkpoint.read(ck).model(), true);
      o.println("from the best checkpoint, " + ck + ":");
    }
    model.eval();
    if (rd.task() != null) {
      List<AdditionEval.Answer> answers = AdditionEval.answer(model, rd.task(), rd.heldOut(), 256);
      long right = answers.stream().filter(AdditionEval.Answer::correct).count();
      o.printf("held-out accuracy (greedy, exact match): %.1f%% (%d of %d)%n", 100.0 * right / answers.size(), right,
          answers.size());
      o.println("generated answers (operands zero-padded, the sum written least-significant digit first):");
      for (AdditionEval.Answer a : answers.subList(0, Math.min(samples, answers.size()))) {
        long read = AdditionTask.readAnswer(a.modelText());
        AdditionTask.Problem p = a.problem();
        o.printf("  %s%-6s i.e. %s+%s=%s %s%n", p.prompt(), a.modelText(), p.a(), p.b(),
            read < 0 ? "?" : String.valueOf(read), a.correct() ? "(correct)" : "(wrong: " + (p.a() + p.b()) + ")");
      }
      o.printf("next: bin/rnn4j generate --checkpoint %s --prompt \"12+34=\"%n", ck);
    } else {
      DecodeOptions d = DecodeOptions.sample(0.8, 0, 0.95).eosId(Vocabulary.EOS_ID).maxNewTokens(200).seed(seed);
      int newline = RunData.singleId(rd.tokenizer(), "\n");
      int[] start = rd.trainStream() != null && newline >= 0 ? new int[] {newline} : new int[] {Vocabulary.BOS_ID};
      var res = new Decoder<>(model).generate(List.of(start), d, null);
      o.println("sample (temperature 0.8, top-p 0.95):");
      o.println("  " + rd.tokenizer().decode(res.get(0).tokens()));
      o.printf("next: bin/rnn4j generate --checkpoint %s --prompt \"...\" --strategy sample%n", ck);
    }
    o.flush();
  }
}
