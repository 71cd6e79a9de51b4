package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.TextCorpus;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults during training: divergence never reaches an optimizer step or a checkpoint, skipped batches are counted up
 * to a limit, a stop request ends at a step boundary with a checkpoint (and the resumed run is bitwise the
 * uninterrupted one), checkpoints come by time, and the metrics log is cut back to the checkpoint on resume.
 */
class TrainerFaultTest {
  @TempDir Path tmp;

  private static final String TEXT = "the cat sat on the mat\nq quick brown fox\njumps over the lazy dog\n".repeat(12);

  private static Trainer trainer(Path out, double lr, double clip, int steps, int checkpointEvery) {
    CharTokenizer tok = CharTokenizer.fit(TEXT);
    LengthBatcher train = new LengthBatcher(TextCorpus.lines(TEXT, tok, 64), 4);
    LanguageModelConfig mc = new LanguageModelConfig("gru", tok.vocabulary().size(), 4, 8, 1, 0, 0);
    Generator g = new Generator(7);
    LanguageModel m = new LanguageModel(mc, g);
    TrainConfig tc = new TrainConfig(steps, 4, "adam", lr, 0, "constant", 0, 0, clip, 0, checkpointEvery, 3);
    return new Trainer(m, g, train, null, tc, tok, out, null, null);
  }

  private static void assertFiniteCheckpoint(Path dir) throws IOException {
    Checkpoint.Contents c = Checkpoint.read(dir);
    assertEquals(List.of(), Trainer.nonFinite(c.model()));
    assertEquals(List.of(), Trainer.nonFinite(c.optimizer()));
  }

  @Test
  void divergenceStopsBeforeAnyNonFiniteStepOrCheckpoint() throws IOException {
    Path out = tmp.resolve("diverge");
    Trainer t = trainer(out, 1e38, 0, 60, 1); // Adam moves each weight by about lr a step: infinite within a few
    var e = assertThrows(Trainer.NonFiniteException.class, () -> t.run(60, null));
    assertTrue(e.getMessage().startsWith("step " + e.step() + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("no checkpoint written") || e.getMessage().contains("no optimizer step"),
        e.getMessage());
    if (Checkpoint.exists(out.resolve("checkpoint"))) {
      long saved = Checkpoint.read(out.resolve("checkpoint")).trainerState().get("step").getAsLong();
      assertTrue(e.getMessage().contains("checkpoint is " + out.resolve("checkpoint") + " (step " + saved + ")"),
          e.getMessage());
      assertFiniteCheckpoint(out.resolve("checkpoint"));
    }
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      assertTrue(!line.contains("NaN") && !line.contains("Infinity"), "a non-finite metric was logged: " + line);
    }
  }

  @Test
  void nonFiniteBatchesAreSkippedAndCountedUpToTheLimit() throws IOException {
    Path out = tmp.resolve("skip");
    Trainer t = trainer(out, 1e-2, 1.0, 12, 0);
    // one character's embedding is infinite: every batch holding it has a non-finite loss, the others train normally
    LanguageModel m = t.model();
    float[] emb = m.namedParameters().get("embedding.weight").data();
    int q = CharTokenizer.fit(TEXT).vocabulary().id("q");
    for (int k = 0; k < 4; k++) {
      emb[q * 4 + k] = Float.POSITIVE_INFINITY;
    }
    List<Long> skipped = new ArrayList<>();
    Trainer.Listener l = new Trainer.Listener() {
      @Override
      public void onSkip(long step, String what, int count) {
        skipped.add(step);
      }
    };
    // the end-of-run checkpoint is refused: the poisoned embedding row is in the weights
    var e = assertThrows(Trainer.NonFiniteException.class,
        () -> t.run(12, l, new Trainer.RunOptions(100, null, () -> false, System::nanoTime)));
    assertEquals(12, t.step(), "every optimizer step was taken, the poisoned batches skipped");
    assertTrue(e.getMessage().contains("embedding.weight") && e.getMessage().contains("no checkpoint written"),
        e.getMessage());
    assertTrue(!skipped.isEmpty(), "some batch holds a 'q'");
    assertEquals(skipped.size(), t.skippedNonFinite());
    long logged = Files.readAllLines(out.resolve("metrics.jsonl")).stream().filter(s -> s.contains("skipped_nonfinite")).count();
    assertEquals(skipped.size(), logged);

    Trainer limited = trainer(tmp.resolve("limit"), 1e-2, 1.0, 12, 0);
    float[] emb2 = limited.model().namedParameters().get("embedding.weight").data();
    for (int k = 0; k < 4; k++) {
      emb2[q * 4 + k] = Float.NaN;
    }
    var e2 = assertThrows(Trainer.NonFiniteException.class,
        () -> limited.run(12, null, new Trainer.RunOptions(1, null, () -> false, System::nanoTime)));
    assertTrue(e2.getMessage().contains("1 batches were already skipped, the limit of --skip-nonfinite"), e2.getMessage());
  }


  @Test
  void aStopRequestSavesAtTheStepBoundaryAndTheResumedRunEqualsTheUninterruptedOne() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Trainer straight = trainer(tmp.resolve("straight"), 1e-2, 1.0, 10, 0);
      straight.run(10, null);
      Trainer stopped = trainer(tmp.resolve("stopped"), 1e-2, 1.0, 10, 0);
      var outcome = stopped.run(10, null, new Trainer.RunOptions(0, null, () -> stopped.step() >= 4, System::nanoTime));
      assertEquals(Trainer.Outcome.STOPPED, outcome);
      assertEquals(4, stopped.step());
      Path ck = tmp.resolve("stopped").resolve("checkpoint");
      assertEquals(4, Checkpoint.read(ck).trainerState().get("step").getAsLong());
      Trainer resumed = trainer(tmp.resolve("stopped"), 1e-2, 1.0, 10, 0);
      resumed.resume(Checkpoint.read(ck));
      assertEquals(Trainer.Outcome.DONE, resumed.run(10, null, Trainer.RunOptions.defaults()));
      Map<String, Tensor> a = Checkpoint.read(tmp.resolve("straight").resolve("checkpoint")).model();
      Map<String, Tensor> b = Checkpoint.read(ck).model();
      for (String k : a.keySet()) {
        assertArrayEquals(a.get(k).data(), b.get(k).data(), k);
      }
      List<String> la = Files.readAllLines(tmp.resolve("straight").resolve("metrics.jsonl"));
      List<String> lb = Files.readAllLines(tmp.resolve("stopped").resolve("metrics.jsonl"));
      assertEquals(la, lb, "the resumed log is the uninterrupted one");
    }
  }

  @Test
  void checkpointsComeByTimeAsWellAsBySteps() throws IOException {
    Trainer t = trainer(tmp.resolve("timed"), 1e-2, 1.0, 9, 0);
    AtomicLong now = new AtomicLong();
    List<Long> at = new ArrayList<>();
    Trainer.Listener l = new Trainer.Listener() {
      @Override
      public void onStep(Trainer.StepInfo s) {
        now.addAndGet(Duration.ofMinutes(1).toNanos()); // each step takes a minute
      }

      @Override
      public void onCheckpoint(long step, Path dir) {
        at.add(step);
      }
    };
    t.run(9, l, new Trainer.RunOptions(0, Duration.ofMinutes(3), () -> false, now::get));
    assertEquals(List.of(3L, 6L, 9L), at);
  }

  @Test
  void theLogIsCutBackToTheCheckpointAndATornLineDropped() throws IOException {
    Path f = tmp.resolve("metrics.jsonl");
    Files.writeString(f, "{\"step\":1,\"loss\":2.0}\n{\"step\":2,\"loss\":1.9}\n{\"step\":2,\"val_loss\":1.8}\n"
        + "{\"step\":3,\"loss\":1.7}\n{\"step\":4,\"lo");
    Trainer.truncateMetrics(f, 2);
    assertEquals(List.of("{\"step\":1,\"loss\":2.0}", "{\"step\":2,\"loss\":1.9}", "{\"step\":2,\"val_loss\":1.8}"),
        Files.readAllLines(f));
  }

  @Test
  void aSecondTrainerOnTheSameRunIsRefused() throws IOException {
    try (RunLock lock = RunLock.acquire(tmp.resolve("locked"))) {
      var e = assertThrows(IllegalStateException.class, () -> RunLock.acquire(tmp.resolve("locked")));
      assertTrue(e.getMessage().contains("is in use by another trainer"), e.getMessage());
    }
    RunLock.acquire(tmp.resolve("locked")).close(); // released
  }

  @Test
  void unusableValuesAreRefusedWithTheirRange() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new TrainConfig(10, 4, "adam", Double.POSITIVE_INFINITY, 0, "constant", 0, 0, 1, 0, 0, 1));
    assertTrue(e.getMessage().contains("positive and finite"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TrainConfig(10, 4, "adam", Double.NaN, 0, "constant", 0, 0, 1, 0, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new TrainConfig(10, 4, "adam", 1e-3, 0, "constant", 0, 0, 1, -1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new TrainConfig(10, 4, "adam", 1e-3, 0, "constant", 0, 0, 1, 0, -5, 1));
    var big = assertThrows(IllegalArgumentException.class,
        () -> new LanguageModelConfig("lstm", 10, 8, 1 << 30, 1, 0, 0));
    assertTrue(big.getMessage().contains("at most 2147483639"), big.getMessage());
    var gru = assertThrows(IllegalArgumentException.class,
        () -> dev.rnn4j.nn.rnn.RnnConfig.builder(8, 715_827_883).build().checkSizes(dev.rnn4j.nn.rnn.RnnMode.GRU));
    assertTrue(gru.getMessage().contains("at most 2147483639"), gru.getMessage());
  }
}
