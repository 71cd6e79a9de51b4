package dev.rnn4j.serve.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine's admission: jobs that join at the same step have their prompts read in one packed pass (different
 * lengths, several samples each), into the first rows of an idle engine or after the rows of a running batch, and
 * still produce exactly the tokens they produce alone.
 */
class EngineTest {
  /**
   * Collects a job's tokens per sample; {@link #hold} (when set) blocks the engine thread at the first token, or with
   * {@link #holdAtFinish} at the first finish.
   */
  static final class Collector implements Job.Listener {
    final List<List<Integer>> tokens = new ArrayList<>();
    final FinishReason[] reasons;
    final CountDownLatch finished;
    CountDownLatch holding;
    CountDownLatch hold;
    boolean holdAtFinish;

    Collector(int samples) {
      for (int i = 0; i < samples; i++) {
        tokens.add(new ArrayList<>());
      }
      reasons = new FinishReason[samples];
      finished = new CountDownLatch(samples);
    }

    @Override
    public void onStart(long queueNanos) {}

    @Override
    public void onToken(int index, int id) {
      tokens.get(index).add(id);
      if (!holdAtFinish) {
        holdHere();
      }
    }

    private void holdHere() {
      if (hold != null) {
        CountDownLatch h = hold;
        hold = null;
        holding.countDown();
        try {
          h.await(); // the test queues the other jobs meanwhile, so that they all join at the next step
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void onFinish(int index, FinishReason reason, int count) {
      reasons[index] = reason;
      finished.countDown();
      if (holdAtFinish) {
        holdHere();
      }
    }
  }

  private static Job job(int[] prompt, boolean sample, long seed, int samples, int tokens, Collector c) {
    DecodeSettings s = new DecodeSettings(sample, 1.2, 0, 1.0, seed, tokens, -1, List.of());
    return new Job(prompt, s, samples, System.nanoTime() + TimeUnit.SECONDS.toNanos(60), c);
  }

  private static final int[][] PROMPTS = {
      {1, 5}, {1, 9, 4, 7, 7, 3, 2}, {1}, {1, 2, 3, 4}, {1, 8, 8, 8, 8, 8, 8, 8, 8}};
  private static final int[] SAMPLES = {1, 3, 2, 1, 2};

  private static List<List<Integer>> run(Engine engine, int i) throws Exception {
    Collector c = new Collector(SAMPLES[i]);
    engine.submit(job(PROMPTS[i], i % 2 == 0, 40 + i, SAMPLES[i], 12, c));
    assertTrue(c.finished.await(30, TimeUnit.SECONDS), "job " + i + " did not finish");
    return c.tokens;
  }

  @Test
  void jobsJoiningABusyBatchGetTheTokensTheyGetAlone() throws Exception {
    together(false);
  }

  @Test
  void jobsJoiningAnIdleEngineTogetherGetTheTokensTheyGetAlone() throws Exception {
    together(true);
  }

  /**
   * Runs each job alone, then all of them queued while a blocker holds the engine thread: at the blocker's first token
   * (they join its running batch, in the rows after it) or at its finish (they join an idle engine, from row 0).
   */
  private static void together(boolean idle) throws Exception {
    LanguageModel m = new LanguageModel(new LanguageModelConfig("lstm", 17, 8, 12, 2, 0, 0), new Generator(5));
    m.eval();
    // Weights four times PyTorch's initial scale: the tokens then depend on every prompt token, so a prompt read
    // wrongly (a token fed twice, in another order, or onto a stale state) changes them.
    for (var p : m.namedParameters().values()) {
      float[] d = p.data();
      for (int i = 0; i < d.length; i++) {
        d[i] *= 4;
      }
    }
    LmStepper stepper = new LmStepper(m);
    try (Engine engine = new Engine(stepper, id -> "?", 16, 16, true, Engine.Observer.NONE)) {
      List<List<List<Integer>>> alone = new ArrayList<>();
      for (int i = 0; i < PROMPTS.length; i++) {
        alone.add(run(engine, i));
      }
      // A blocker holds the engine thread while the five jobs queue; they join at one step.
      Collector blocker = new Collector(1);
      blocker.hold = new CountDownLatch(1);
      blocker.holding = new CountDownLatch(1);
      blocker.holdAtFinish = idle;
      CountDownLatch release = blocker.hold;
      engine.submit(job(new int[] {1, 3}, false, 0, 1, idle ? 1 : 30, blocker));
      assertTrue(blocker.holding.await(30, TimeUnit.SECONDS));
      List<Collector> together = new ArrayList<>();
      for (int i = PROMPTS.length - 1; i >= 0; i--) { // submitted in another order than their lengths
        Collector c = new Collector(SAMPLES[i]);
        together.add(0, c);
        engine.submit(job(PROMPTS[i], i % 2 == 0, 40 + i, SAMPLES[i], 12, c));
      }
      assertEquals(PROMPTS.length, engine.queued());
      release.countDown();
      for (int i = 0; i < PROMPTS.length; i++) {
        Collector c = together.get(i);
        assertTrue(c.finished.await(30, TimeUnit.SECONDS), "job " + i + " did not finish");
        assertEquals(alone.get(i), c.tokens, "job " + i + " (" + SAMPLES[i] + " samples) alone vs joining with others");
        for (FinishReason r : c.reasons) {
          assertEquals(FinishReason.LENGTH, r);
        }
      }
      assertTrue(blocker.finished.await(30, TimeUnit.SECONDS));
    }
  }
}
