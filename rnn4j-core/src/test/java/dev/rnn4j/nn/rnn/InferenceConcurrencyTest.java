package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.optim.Sgd;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The thread-safety contract of a recurrent module ({@link RnnBase}'s class comment): inference on many threads at once
 * gives the bits of one thread, and inference next to training never keeps the old weights once a step has returned.
 */
class InferenceConcurrencyTest {
  /** Trials of the race test: each is a burst of optimizer steps with inference running throughout. */
  private static final int TRIALS = 2000;

  /**
   * Sizes and steps per trial at which a cache with the lost-invalidation race served old weights in about 1% of
   * trials (larger weights make each trial slower and, on two cores, the race no likelier).
   */
  private static final int INPUT = 64;

  private static final int HIDDEN = 192;

  private static final int STEPS = 2;

  private static Tensor infer(RnnBase rnn, Tensor x) {
    try (GradMode g = GradMode.disable()) {
      return RnnGoldenTest.forward(rnn, x, null, null).output();
    }
  }

  /**
   * One thread takes SGD steps on a GRU while another runs inference on it without pause, so that packings of the
   * weights overlap the steps' writes. After each burst of steps has returned, an inference call must equal the same
   * call on a twin module that took the same steps on one thread: bit for bit. A cache that
   * packs outside its lock and then stores the copy unconditionally fails this: an invalidation that lands while it
   * packs is lost, and the old weights stay in use. And every result of the inference thread must be the output of
   * the weights as they were between two steps (the set of outputs the optimizer's thread computed after each step):
   * never a mix of old and new parameters.
   */
  @Test
  void inferenceNeverKeepsOldWeightsOnceAStepHasReturned() throws Exception {
    RnnConfig config = RnnConfig.builder(INPUT, HIDDEN).build();
    Gru rnn = new Gru(config, new Generator(1));
    Generator g = new Generator(3);
    for (Tensor p : rnn.parameters()) {
      p.setGrad(Tensor.randn(g, p.shape().dims()));
    }
    Sgd sgd = new Sgd(rnn.namedParameters(), Sgd.Options.of(1e-2));
    // The twin takes the same steps (same weights, gradients and arithmetic, so the same bits) on one thread only: its
    // outputs are the outputs of the weights between two steps.
    Gru twin = new Gru(config, new Generator(2));
    twin.loadStateDict(rnn.stateDict(), true);
    for (Tensor p : twin.parameters()) {
      p.setGrad(rnn.namedParameters().get(twin.namedParameters().entrySet().stream()
          .filter(e -> e.getValue() == p).findFirst().orElseThrow().getKey()).grad());
    }
    Sgd twinSgd = new Sgd(twin.namedParameters(), Sgd.Options.of(1e-2));
    Tensor x = Tensor.randn(new Generator(4), 1, 8, INPUT); // length 1, batch 8: the kept packed copies are read
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Set<Integer> betweenSteps = new HashSet<>(); // outputs of the weights after each step (and before the first)
    betweenSteps.add(Arrays.hashCode(infer(rnn, x).data()));
    List<Integer> seen = new ArrayList<>(); // the inference thread's outputs; read after join()
    AtomicLong started = new AtomicLong(); // inference calls started
    AtomicLong finished = new AtomicLong(); // and finished
    Thread reader = new Thread(() -> {
      try {
        while (!stop.get()) {
          started.incrementAndGet();
          seen.add(Arrays.hashCode(infer(rnn, x).data()));
          finished.incrementAndGet();
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "inference");
    reader.start();
    int stale = 0;
    float worst = 0;
    try {
      for (int trial = 0; trial < TRIALS; trial++) {
        for (int s = 0; s < STEPS; s++) { // back to back: a packing that started after one overlaps the next
          sgd.step();
        }
        // Once the inference call that was running when the steps returned has finished too (whatever it packed is
        // stored by then), a call must see the new weights.
        for (long inFlight = started.get(); finished.get() < inFlight && failure.get() == null; ) {
          Thread.onSpinWait();
        }
        Tensor got = infer(rnn, x);
        Tensor want = null;
        for (int s = 0; s < STEPS; s++) { // the same steps on the twin, one inference after each
          twinSgd.step();
          want = infer(twin, x);
          betweenSteps.add(Arrays.hashCode(want.data()));
        }
        if (!got.contentEquals(want)) {
          stale++;
          worst = Math.max(worst, maxAbsDiff(got, want));
        }
      }
    } finally {
      stop.set(true);
      reader.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("the inference thread failed", failure.get());
    }
    long mixed = seen.stream().filter(h -> !betweenSteps.contains(h)).count();
    assertTrue(seen.size() >= TRIALS, "the inference thread ran " + seen.size() + " calls");
    assertEquals("0 stale, 0 mixed", stale + " stale, " + mixed + " mixed",
        stale + " of " + TRIALS + " trials used old weights after the steps had returned (max abs difference " + worst
            + "); " + mixed + " of " + seen.size() + " concurrent inference calls saw weights that were never the"
            + " state between two steps");
  }

  /** Eight threads of inference on one module that has never run (they race to pack its weights) give one thread's bits. */
  @Test
  void eightThreadsOfInferenceGiveTheBitsOfOne() {
    assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
      try (ThreadTeam team = new ThreadTeam(2); ThreadTeam.Scope scope = team.use()) {
        RnnConfig config = RnnConfig.builder(24, 64).numLayers(2).bidirectional(true).build();
        Tensor x = Tensor.randn(new Generator(6), 9, 5, 24);
        Tensor alone = infer(new Gru(config, new Generator(5)), x);
        for (int round = 0; round < 5; round++) {
          Gru shared = new Gru(config, new Generator(5));
          CountDownLatch go = new CountDownLatch(1);
          List<Thread> threads = new ArrayList<>();
          List<Tensor> results = java.util.Collections.synchronizedList(new ArrayList<>());
          AtomicReference<Throwable> failure = new AtomicReference<>();
          for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
              try (ThreadTeam.Scope s = team.use()) { // the callers share the team with each other
                go.await();
                for (int rep = 0; rep < 10; rep++) {
                  results.add(infer(shared, x));
                }
              } catch (Throwable e) {
                failure.set(e);
              }
            });
            th.start();
            threads.add(th);
          }
          go.countDown();
          for (Thread th : threads) {
            th.join();
          }
          if (failure.get() != null) {
            throw new AssertionError("an inference thread failed", failure.get());
          }
          assertEquals(80, results.size());
          for (Tensor r : results) {
            assertTrue(r.contentEquals(alone), "a call on 8 threads differs from the call on one");
          }
        }
      }
    });
  }

  private static float maxAbsDiff(Tensor a, Tensor b) {
    float m = 0;
    float[] x = a.data();
    float[] y = b.data();
    for (int i = 0; i < x.length; i++) {
      m = Math.max(m, Math.abs(x[i] - y[i]));
    }
    return m;
  }
}
