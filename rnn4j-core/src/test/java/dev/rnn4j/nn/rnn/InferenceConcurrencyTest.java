package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.optim.Sgd;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.Parallel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
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
   * call on a module that has never run, loaded with the current weights (a fresh packing): bit for bit. A cache that
   * packs outside its lock and then stores the copy unconditionally fails this: an invalidation that lands while it
   * packs is lost, and the old weights stay in use.
   */
  @Test
  void inferenceNeverKeepsOldWeightsOnceAStepHasReturned() throws Exception {
    RnnConfig config = RnnConfig.builder(INPUT, HIDDEN).build();
    Gru rnn = new Gru(config, new Generator(1));
    Gru reference = new Gru(config, new Generator(2));
    Generator g = new Generator(3);
    for (Tensor p : rnn.parameters()) {
      p.setGrad(Tensor.randn(g, p.shape().dims()));
    }
    Sgd sgd = new Sgd(rnn.namedParameters(), Sgd.Options.of(1e-2));
    Tensor x = Tensor.randn(new Generator(4), 1, 8, INPUT); // length 1, batch 8: the kept packed copies are read
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      try {
        while (!stop.get()) {
          infer(rnn, x);
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
        for (int s = 0; s < STEPS; s++) {
          sgd.step();
        }
        Tensor got = infer(rnn, x);
        reference.loadStateDict(rnn.stateDict(), true);
        Tensor want = infer(reference, x);
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
    assertEquals(0, stale, stale + " of " + TRIALS + " trials used old weights after the steps had returned (max abs"
        + " difference " + worst + ")");
  }

  /** Eight threads of inference on one module that has never run (they race to pack its weights) give one thread's bits. */
  @Test
  void eightThreadsOfInferenceGiveTheBitsOfOne() {
    assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
      int before = Parallel.threads();
      Parallel.setThreads(2); // the callers share the team with each other
      try {
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
              try {
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
      } finally {
        Parallel.setThreads(before);
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
