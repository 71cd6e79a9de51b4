package dev.rnn4j.cli;

import com.google.gson.JsonObject;
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
import dev.rnn4j.train.TrainConfig;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.util.Parallel;
import java.io.IOException;
import java.io.PrintWriter;
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

  @Option(names = "--embedding-size", defaultValue = "32", description = "embedding size (default: ${DEFAULT-VALUE})")
  int embeddingSize;

  @Option(names = "--hidden-size", defaultValue = "256", description = "hidden size (default: ${DEFAULT-VALUE})")
  int hiddenSize;

  @Option(names = "--layers", defaultValue = "1", description = "recurrent layers (default: ${DEFAULT-VALUE})")
  int layers;

  @Option(names = "--dropout", defaultValue = "0", description = "dropout (default: ${DEFAULT-VALUE})")
  double dropout;

  @Option(names = "--proj-size", defaultValue = "0", description = "LSTM projection size, 0 = none")
  int projSize;

  @Option(names = "--batch-size", defaultValue = "128", description = "sequences per batch (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--steps", description = "optimizer steps (default: 2000)")
  Integer steps;

  @Option(names = "--epochs", description = "train for this many passes over the data instead of --steps")
  Integer epochs;

  @Option(names = "--optimizer", defaultValue = "adam", description = "adam, adamw, sgd or rmsprop (default: ${DEFAULT-VALUE})")
  String optimizer;

  @Option(names = "--lr", defaultValue = "3e-3", description = "peak learning rate (default: ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--min-lr", defaultValue = "1e-4", description = "final learning rate of the cosine (default: ${DEFAULT-VALUE})")
  double minLr;

  @Option(names = "--weight-decay", defaultValue = "0", description = "weight decay (default: ${DEFAULT-VALUE})")
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

  @Option(names = "--data", description = "train on this UTF-8 text file (one sequence per line) instead of the built-in task")
  Path data;

  @Option(names = "--tokenizer", defaultValue = "char", description = "char or word, for --data (default: ${DEFAULT-VALUE})")
  String tokenizer;

  @Option(names = "--max-len", defaultValue = "256", description = "longest training sequence in tokens, for --data")
  int maxLen;

  @Option(names = "--bptt", defaultValue = "0", description = "for --data: train on the file as one stream with "
      + "truncated BPTT over this many steps (--batch-size columns), 0 = one sequence per line")
  int bptt;

  @Option(names = "--digits", defaultValue = "3", description = "operand digits of the built-in task (default: ${DEFAULT-VALUE})")
  int digits;

  @Option(names = "--train-problems", defaultValue = "200000", description = "training problems of the built-in task")
  int trainProblems;

  @Option(names = "--held-out", defaultValue = "1000", description = "held-out problems of the built-in task")
  int heldOut;

  @Option(names = "--eval-every", defaultValue = "250", description = "validation interval in steps, 0 = only at the end")
  int evalEvery;

  @Option(names = "--checkpoint-every", defaultValue = "500", description = "checkpoint interval in steps, 0 = only at the end")
  int checkpointEvery;

  @Option(names = "--resume", description = "continue the run in --out from its checkpoint (its saved settings are used)")
  boolean resume;

  @Option(names = "--stop-after", description = "stop (with a checkpoint) after this step, as an interruption would; "
      + "continue later with --resume")
  Long stopAfter;

  @Option(names = "--no-progress", description = "no progress bar")
  boolean noProgress;

  @Option(names = "--samples", defaultValue = "5", description = "generations shown at the end (default: ${DEFAULT-VALUE})")
  int samples;

  @Override
  public Integer call() throws IOException {
    PrintWriter o = spec.commandLine().getOut();
    if (threads != null) {
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
      }
      Parallel.setThreads(threads);
    }
    RunData rd;
    LanguageModelConfig mc;
    TrainConfig tc;
    Checkpoint.Contents resumed = null;
    if (resume) {
      if (out == null) {
        throw new IllegalArgumentException("--resume needs --out DIR, the run to continue");
      }
      Path ck = out.resolve("checkpoint");
      if (!Checkpoint.exists(ck)) {
        throw new IllegalArgumentException("--resume: " + out + " has no checkpoint to continue from");
      }
      resumed = Checkpoint.read(ck);
      mc = LanguageModelConfig.fromJson(resumed.config());
      if (spec.commandLine().getParseResult().hasMatchedOption("--model") && !mc.modelType().equals(modelType.toLowerCase())) {
        throw new IllegalArgumentException("--resume: the checkpoint in " + out + " is a " + mc.modelType()
            + " model, but --model " + modelType + " was given");
      }
      JsonObject st = resumed.trainerState();
      tc = TrainConfig.fromJson(st.getAsJsonObject("train_config"));
      rd = RunData.build(st.getAsJsonObject("extra"), Tokenizer.fromJson(resumed.vocabJson()), tc.batchSize());
    } else {
      if (out == null) {
        out = Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
      }
      if (Checkpoint.exists(out.resolve("checkpoint"))) {
        throw new IllegalArgumentException(out + " already holds a run; pass --resume to continue it or choose another --out");
      }
      JsonObject source = data == null
          ? RunData.additionSource(digits, trainProblems, heldOut, seed)
          : RunData.textSource(data, checkTokenizer(tokenizer), maxLen, checkBptt(bptt), 0.05, seed);
      rd = RunData.build(source, null, batchSize);
      mc = new LanguageModelConfig(
          modelType, rd.tokenizer().vocabulary().size(), embeddingSize, hiddenSize, layers, dropout, projSize);
      int n = steps != null ? steps
          : epochs != null ? epochs * (rd.train() != null ? rd.train().numBatches() : rd.trainStream().numChunks())
          : 2000;
      if (steps != null && epochs != null) {
        throw new IllegalArgumentException("give --steps or --epochs, not both");
      }
      tc = new TrainConfig(n, batchSize, optimizer, lr, weightDecay, schedule, warmup, minLr, clip, evalEvery,
          checkpointEvery, seed);
    }
    Generator modelGen = new Generator(tc.seed());
    LanguageModel model = new LanguageModel(mc, modelGen);
    Trainer trainer = rd.trainStream() != null
        ? new Trainer(model, modelGen, rd.trainStream(), rd.validationStream(), tc, rd.tokenizer(), out, rd.source())
        : new Trainer(model, modelGen, rd.train(), rd.validation(), tc, rd.tokenizer(), out, rd.evaluator(500),
            rd.source());
    if (resumed != null) {
      trainer.resume(resumed);
      o.printf("resuming %s at step %d of %d%n", out, trainer.step(), tc.steps());
    }
    o.printf("rnn4j train: %s, %,d parameters, %s, %d threads%n", describe(mc), model.parameterCount(), rd.describe(),
        Parallel.threads());
    o.printf("steps %d, batch %d, %s lr %.2g (%s, warm-up %d), clip %s, seed %d -> %s%n", tc.steps(), tc.batchSize(),
        tc.optimizer(), tc.lr(), tc.schedule(), tc.warmupSteps(), tc.clip() > 0 ? String.valueOf(tc.clip()) : "off",
        tc.seed(), out);
    o.flush();

    List<double[]> trainCurve = new ArrayList<>();
    List<double[]> valCurve = new ArrayList<>();
    long t0 = System.nanoTime();
    long[] tokens = {0};
    long firstStep = trainer.step();
    ProgressBar bar = noProgress ? null : new ProgressBarBuilder()
        .setTaskName("train").setInitialMax(tc.steps()).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
        .setConsumer(new ConsoleProgressBarConsumer(System.err)).startsFrom(firstStep, java.time.Duration.ZERO).build();
    try {
      trainer.run(stopAfter != null ? stopAfter : tc.steps(), new Trainer.Listener() {
        @Override
        public void onStep(Trainer.StepInfo s) {
          trainCurve.add(new double[] {s.step(), s.loss()});
          tokens[0] += s.tokens();
          if (bar != null) {
            double secs = (System.nanoTime() - t0) / 1e9;
            bar.stepTo(s.step());
            bar.setExtraMessage(String.format(" loss %.3f | %.0f tok/s", s.loss(), tokens[0] / Math.max(secs, 1e-9)));
          }
        }

        @Override
        public void onEval(long step, Map<String, Double> m) {
          valCurve.add(new double[] {step, m.getOrDefault("val_loss", Double.NaN)});
          StringBuilder sb = new StringBuilder(String.format("step %d:", step));
          m.forEach((k, v) -> sb.append(String.format(" %s %.4f", k, v)));
          if (bar != null) {
            System.err.print("\r");
          }
          o.println(sb);
          o.flush();
        }
      });
    } finally {
      if (bar != null) {
        bar.close();
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    o.printf("trained %d steps in %.1f s (%.0f tokens/s)%n", trainer.step() - firstStep, secs, tokens[0] / secs);
    try {
      LossChart.write(out.resolve("loss.png"), trainCurve, valCurve);
    } catch (IOException | RuntimeException | Error e) {
      o.println("(no loss.png: " + e.getMessage() + ")");
    }
    o.printf("wrote %s (checkpoint/, metrics.jsonl, loss.png)%n", out);
    if (trainer.step() < tc.steps()) {
      o.printf("stopped at step %d of %d; continue with: bin/rnn4j train --resume --out %s%n", trainer.step(),
          tc.steps(), out);
      return 0;
    }
    showWhatItLearned(o, model, rd);
    return 0;
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
    return String.format("%s, embedding %d, hidden %d, %d layer%s%s%s", c.modelType().toUpperCase(), c.embeddingSize(),
        c.hiddenSize(), c.numLayers(), c.numLayers() > 1 ? "s" : "", c.dropout() > 0 ? ", dropout " + c.dropout() : "",
        c.projSize() > 0 ? ", proj " + c.projSize() : "");
  }

  /** The end of a run: held-out accuracy and a few answers (built-in task) or a sampled text (--data). */
  private void showWhatItLearned(PrintWriter o, LanguageModel model, RunData rd) {
    model.eval();
    Path ck = out.resolve("checkpoint");
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
      var res = new Decoder<>(model).generate(List.of(new int[] {Vocabulary.BOS_ID}), d, null);
      o.println("sample (temperature 0.8, top-p 0.95):");
      o.println("  " + rd.tokenizer().decode(res.get(0).tokens()));
      o.printf("next: bin/rnn4j generate --checkpoint %s --prompt \"...\" --strategy sample%n", ck);
    }
    o.flush();
  }
}
