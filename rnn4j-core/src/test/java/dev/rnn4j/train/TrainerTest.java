package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.data.BpttBatcher;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.StreamBatcher;
import dev.rnn4j.data.TokenStream;
import dev.rnn4j.data.WindowBatcher;
import dev.rnn4j.loss.Losses;
import dev.rnn4j.loss.Reduction;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Truncated BPTT learns a periodic stream, and a resumed run ends bitwise where an uninterrupted one does. (Training on
 * the built-in addition task is tested with the task, in rnn4j-cli: {@code AdditionTrainingTest}.)
 */
class TrainerTest {
  @TempDir Path tmp;

  private Trainer streamTrainer(int steps, Path out) {
    // a periodic stream: "the cat sat. " repeated, so the next character is predictable from the recent ones
    String text = "the cat sat. ".repeat(60);
    CharTokenizer tok = CharTokenizer.fit(text);
    BpttBatcher train = new BpttBatcher(tok.encode(text.substring(0, 700)), 4, 8);
    BpttBatcher val = new BpttBatcher(tok.encode(text.substring(700)), 2, 8);
    Generator modelGen = new Generator(21);
    LanguageModel m = new LanguageModel(
        new LanguageModelConfig("lstm", tok.vocabulary().size(), 6, 16, 2, 0.1, 0), modelGen);
    TrainConfig tc = new TrainConfig(steps, 4, "adam", 1e-2, 0, "cosine", 3, 1e-4, 1.0, 0, 0, 4);
    return new Trainer(m, modelGen, train, val, tc, tok, out, null);
  }

  @Test
  void truncatedBpttLearnsAPeriodicStreamAndResumesExactly() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Trainer t = streamTrainer(200, tmp.resolve("s1"));
      double start = t.evaluate().get("val_loss");
      t.run(200, null); // 22 chunks per pass: the run crosses several pass boundaries
      double end = t.evaluate().get("val_loss");
      // ln(9) = 2.2 for a uniform guess over the 9 characters; the stream is deterministic given the last few.
      // Measured: 2.52 -> 0.16.
      System.out.println("stream validation loss " + start + " -> " + end);
      assertTrue(start > 2.0 && end < 1.0, "stream validation loss " + start + " -> " + end);
      Trainer a = streamTrainer(200, tmp.resolve("s2"));
      a.run(25, null); // stops inside the second pass, with a carried state
      Trainer b = streamTrainer(200, tmp.resolve("s2"));
      b.resume(Checkpoint.read(tmp.resolve("s2").resolve("checkpoint")));
      b.run(200, null);
      Map<String, Tensor> x = Checkpoint.read(tmp.resolve("s1").resolve("checkpoint")).model();
      Map<String, Tensor> y = Checkpoint.read(tmp.resolve("s2").resolve("checkpoint")).model();
      for (String k : x.keySet()) {
        assertTrue(x.get(k).contentEquals(y.get(k)), k + " differs after resuming a BPTT run");
      }
    }
  }

  private static final String PARAGRAPHS = "the cat sat on the mat.\n\nthe dog ran to the log.\n\n"
      + "a bird sang in the tree.\n\nthe fish swam in the sea.\n\n";
  /** Held-out text unlike the training text (reversed), so a model that fits the training text gets worse on it. */
  private static final String VALIDATION = new StringBuilder(PARAGRAPHS).reverse().toString();

  /**
   * Trains {@code make(dir)} to {@code stopAt}, resumes a new one from its checkpoint to {@code steps}, and checks it
   * ends bitwise where {@code whole} (run uninterrupted in {@code wholeDir}) ended: weights, metrics, best step.
   */
  private static void assertResumesExactly(Trainer whole, Path wholeDir, int steps, int stopAt, Path dir,
      java.util.function.Function<Path, Trainer> make) throws IOException {
    make.apply(dir).run(stopAt, null);
    Trainer b = make.apply(dir);
    b.resume(Checkpoint.read(dir.resolve("checkpoint")));
    b.run(steps, null);
    Map<String, Tensor> x = Checkpoint.read(wholeDir.resolve("checkpoint")).model();
    Map<String, Tensor> y = Checkpoint.read(dir.resolve("checkpoint")).model();
    for (String k : x.keySet()) {
      assertTrue(x.get(k).contentEquals(y.get(k)), k + " differs after resuming at step " + stopAt);
    }
    assertEquals(Files.readString(wholeDir.resolve("metrics.jsonl")), Files.readString(dir.resolve("metrics.jsonl")),
        "the same steps, losses and validations");
    assertEquals(whole.bestStep(), b.bestStep());
  }

  private Trainer shuffledTrainer(int steps, int evalEvery, Path out) {
    String text = PARAGRAPHS.repeat(12);
    CharTokenizer tok = CharTokenizer.fit(text);
    int[] ids = tok.encode(text);
    TokenStream train = TokenStream.of(ids);
    long[] docs = StreamBatcher.documentStarts(train, tok.encode("\n")[0], -1, 8);
    StreamBatcher sb = StreamBatcher.shuffled(train, docs, 4, 8);
    BpttBatcher val = new BpttBatcher(tok.encode(VALIDATION), 1, 8);
    Generator modelGen = new Generator(5);
    LanguageModel m = new LanguageModel(
        new LanguageModelConfig("gru", tok.vocabulary().size(), 8, 16, 1, 0.2, 0, 0.1, false), modelGen);
    TrainConfig tc = new TrainConfig(steps, 4, "adam", 1e-2, 0, "cosine", 3, 1e-4, 1.0, evalEvery, 0, 4);
    return new Trainer(m, modelGen, sb, val, tc, tok, out, null);
  }

  private static final long DATA_SEED_MIX = 0x5DEECE66DL; // the trainer's data generator: seed ^ this

  private Trainer windowTrainer(int steps, int evalEvery, double dropout, Path out) {
    String text = PARAGRAPHS.repeat(12);
    CharTokenizer tok = CharTokenizer.fit(text);
    WindowBatcher wb = new WindowBatcher(TokenStream.of(tok.encode(text)), 4, 8);
    Generator modelGen = new Generator(5);
    LanguageModel m = new LanguageModel(
        new LanguageModelConfig("gru", tok.vocabulary().size(), 8, 16, 1, dropout, 0, dropout / 2, false), modelGen);
    TrainConfig tc = new TrainConfig(steps, 4, "adam", 1e-2, 0, "cosine", 3, 1e-4, 1.0, evalEvery, 0, 4);
    return new Trainer(m, modelGen, wb, TokenStream.of(tok.encode(VALIDATION)), tc, tok, out, null);
  }

  @Test
  void windowModeTrainsEveryStepFromAZeroStateOnTheSeededWindows() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Trainer t = windowTrainer(40, 0, 0, tmp.resolve("w"));
      String text = PARAGRAPHS.repeat(12);
      CharTokenizer tok = CharTokenizer.fit(text);
      WindowBatcher wb = new WindowBatcher(TokenStream.of(tok.encode(text)), 4, 8);
      Generator data = new Generator(4 ^ DATA_SEED_MIX); // the run's seed is 4
      StreamBatcher.Epoch epoch = null;
      List<Double> losses = new ArrayList<>();
      Trainer.Listener l = new Trainer.Listener() {
        @Override
        public void onStep(Trainer.StepInfo info) {
          losses.add(info.loss());
        }
      };
      LanguageModel model = t.model();
      for (int step = 0; step < 40; step++) { // 38 batches an epoch: the run crosses an epoch boundary
        if (step % wb.chunksPerEpoch() == 0) {
          epoch = wb.epoch(data);
        }
        BpttBatcher.Chunk c = epoch.chunk(step % wb.chunksPerEpoch());
        double expected;
        try (GradMode g = GradMode.disable()) { // this step's batch from zeros, with the weights before the step
          expected = Losses.crossEntropy(model.forwardFull(c.inputs(), null).logits(),
              c.targets().reshape(c.targets().numel()), Vocabulary.PAD_ID, Reduction.MEAN, 0).item();
        }
        t.run(step + 1, l);
        // equal up to the rounding of the graph-building kernels; a carried state would move it by far more
        assertEquals(expected, losses.get(step), 1e-6 * expected, "step " + (step + 1) + " trains its windows from a zero state");
      }
      JsonObject state = Checkpoint.read(tmp.resolve("w").resolve("checkpoint")).trainerState();
      assertTrue(!state.has("carried_h"), "no state is carried into the next step");
    }
  }


  @Test
  void stepNanosCountsTheTrainingStepsOnly() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Trainer t = windowTrainer(10, 5, 0.2, tmp.resolve("n"));
      assertEquals(0, t.stepNanos());
      long t0 = System.nanoTime();
      t.run(10, null);
      long wall = System.nanoTime() - t0;
      assertTrue(t.stepNanos() > 0, "steps were timed");
      assertTrue(t.stepNanos() < wall, "within the run's wall time, which adds validation and checkpoints: "
          + t.stepNanos() + " vs " + wall);
    }
  }

  @Test
  void windowModeValidatesOnConsecutiveWindowsFromAZeroState() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Trainer t = windowTrainer(20, 0, 0.2, tmp.resolve("v"));
      t.run(20, null);
      LanguageModel model = t.model();
      CharTokenizer tok = CharTokenizer.fit(PARAGRAPHS.repeat(12));
      int[] val = tok.encode(VALIDATION);
      double total = 0;
      int windows = (val.length - 1) / 8;
      model.eval();
      try (GradMode g = GradMode.disable()) { // each window alone, as a [8, 1] batch from zeros
        for (int k = 0; k < windows; k++) {
          long[] in = new long[8];
          long[] tg = new long[8];
          for (int i = 0; i < 8; i++) {
            in[i] = val[k * 8 + i];
            tg[i] = val[k * 8 + i + 1];
          }
          total += Losses.crossEntropy(model.forwardFull(Tensor.ofLongs(in, 8, 1), null).logits(), Tensor.ofLongs(tg, 8),
              Vocabulary.PAD_ID, Reduction.SUM, 0).item();
        }
      }
      model.train();
      double expected = total / (windows * 8L);
      double got = t.evaluate().get("val_loss");
      assertEquals(expected, got, 1e-5 * expected, "val_loss is the mean over consecutive windows from zeros");
      model.eval();
      double[] direct = Trainer.windowLoss(model, WindowBatcher.consecutive(TokenStream.of(val), 4, 8));
      model.train();
      assertEquals(windows * 8L, (long) direct[1]);
      assertEquals(got, direct[0], 0.0);
      List<String> evals = Files.readAllLines(tmp.resolve("v").resolve("metrics.jsonl")).stream()
          .filter(x -> x.contains("val_loss")).toList();
      assertEquals(1, evals.size(), "validated once, at the end");
      assertTrue(Files.isDirectory(tmp.resolve("v").resolve("best")), "best/ is chosen on the window score");
    }
  }

  @Test
  void windowModeResumesExactlyAcrossEpochs() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Trainer whole = windowTrainer(80, 5, 0.2, tmp.resolve("wu"));
      whole.run(80, null); // 38 batches an epoch: the run crosses two epoch boundaries
      for (int stopAt : new int[] {17, 38, 60}) { // inside the first epoch, at its end, inside a later one
        assertResumesExactly(whole, tmp.resolve("wu"), 80, stopAt, tmp.resolve("wr" + stopAt),
            dir -> windowTrainer(80, 5, 0.2, dir));
      }
    }
  }

  @Test
  void shuffledStreamResumesExactlyAcrossEpochs() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Trainer whole = shuffledTrainer(100, 10, tmp.resolve("u"));
      whole.run(100, null); // about 37 chunks per epoch: the run crosses two epoch boundaries
      for (int stopAt : new int[] {17, 37, 70}) { // inside the first epoch, near its end, inside a later one
        assertResumesExactly(whole, tmp.resolve("u"), 100, stopAt, tmp.resolve("r" + stopAt),
            dir -> shuffledTrainer(100, 10, dir));
      }
    }
  }

  @Test
  void bestCheckpointHoldsTheLowestValidationLossAndEarlyStopStops() throws IOException {
    Path out = tmp.resolve("best-run");
    Trainer t = shuffledTrainer(80, 5, out);
    List<Double> vals = new ArrayList<>();
    List<Long> evalSteps = new ArrayList<>();
    t.run(80, new Trainer.Listener() {
      @Override
      public void onEval(long step, Map<String, Double> m) {
        vals.add(m.get("val_loss"));
        evalSteps.add(step);
      }
    });
    double min = vals.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    long minStep = evalSteps.get(vals.indexOf(min));
    assertEquals(min, t.bestValLoss());
    assertEquals(minStep, t.bestStep());
    Checkpoint.Contents best = Checkpoint.read(out.resolve("best"));
    assertEquals(minStep, best.trainerState().get("step").getAsLong());
    // best/ scores what training saw at that step
    LanguageModel m = new LanguageModel(LanguageModelConfig.fromJson(best.config()), new Generator(0));
    m.loadStateDict(best.model(), true);
    m.eval();
    CharTokenizer tok = CharTokenizer.fit(PARAGRAPHS.repeat(12));
    double[] r = Trainer.streamLoss(m, new BpttBatcher(tok.encode(VALIDATION), 1, 8));
    assertEquals(min, r[0], 1e-9);
    long marked = Files.readAllLines(out.resolve("metrics.jsonl")).stream()
        .map(l -> JsonParser.parseString(l).getAsJsonObject()).filter(o -> o.has("best")).count();
    assertTrue(marked >= 1, "metrics.jsonl marks each new best");

    // early stop: patience 2 stops two validations after the best, with a checkpoint of that step
    Path es = tmp.resolve("early");
    Trainer e = shuffledTrainer(400, 5, es);
    List<Double> seen = new ArrayList<>();
    Trainer.Outcome o = e.run(400, new Trainer.Listener() {
      @Override
      public void onEval(long step, Map<String, Double> m) {
        seen.add(m.get("val_loss"));
      }
    }, new Trainer.RunOptions(0, null, () -> false, System::nanoTime, 2));
    assertEquals(Trainer.Outcome.EARLY_STOPPED, o, "a tiny corpus overfits within 400 steps: " + seen);
    assertEquals(e.bestStep() + 10, e.step());
    int n = seen.size();
    double bestSeen = seen.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    assertTrue(seen.get(n - 1) >= bestSeen && seen.get(n - 2) >= bestSeen);
    JsonObject st = Checkpoint.read(es.resolve("checkpoint")).trainerState();
    assertEquals(e.step(), st.get("step").getAsLong());
    assertEquals(2, st.get("evals_since_best").getAsInt());
    assertThrows(IllegalArgumentException.class,
        () -> new Trainer.RunOptions(0, null, () -> false, System::nanoTime, -1));
  }

  @Test
  void lineModeShufflesTheBatchesEveryEpoch() throws IOException {
    // lines of 8 different lengths in batches of 2: an epoch's sequence of per-step token counts shows its order
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      sb.append("ab".repeat(1 + i % 8)).append('\n');
    }
    CharTokenizer tok = CharTokenizer.fit(sb.toString());
    var train = new dev.rnn4j.data.LengthBatcher(dev.rnn4j.data.TextCorpus.lines(sb.toString(), tok, 64), 2);
    Generator g = new Generator(2);
    LanguageModel m = new LanguageModel(new LanguageModelConfig("gru", tok.vocabulary().size(), 4, 8, 1, 0, 0), g);
    int perEpoch = train.numBatches();
    TrainConfig tc = new TrainConfig(4 * perEpoch, 2, "adam", 1e-3, 0, "constant", 0, 0, 1.0, 0, 0, 6);
    Path out = tmp.resolve("lines");
    new Trainer(m, g, train, null, tc, tok, out, null, null).run(4 * perEpoch, null);
    List<Long> tokens = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      if (o.has("tokens")) {
        tokens.add(o.get("tokens").getAsLong());
      }
    }
    java.util.Set<List<Long>> orders = new java.util.HashSet<>();
    for (int e = 0; e < 4; e++) {
      List<Long> epoch = tokens.subList(e * perEpoch, (e + 1) * perEpoch);
      List<Long> sorted = new ArrayList<>(epoch);
      java.util.Collections.sort(sorted);
      List<Long> first = new ArrayList<>(tokens.subList(0, perEpoch));
      java.util.Collections.sort(first);
      assertEquals(first, sorted, "every epoch has the same batches");
      orders.add(epoch);
    }
    assertEquals(4, orders.size(), "each epoch visits the batches in its own order: " + tokens);
  }
}
