package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.optim.Sgd;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A recurrent module keeps packed copies of its weights between inference calls ({@link KeptWeights}), retired by the
 * weights' versions. Every way rnn4j changes a weight must reach the next inference call: an optimizer step,
 * {@code loadStateDict}, an initialiser, and a write through {@code data()} followed by {@code markModified()}, also
 * through a view. The oracle is a fresh module loaded with the current weights, which packs them as they are now: the
 * two must agree bit for bit. And an inference call agrees with a call that records the graph (which reads the
 * weights in place) to float rounding.
 */
class InferencePackedWeightsTest {

  private static RnnBase gru(long seed) {
    return new Gru(RnnConfig.builder(6, 16).numLayers(2).bidirectional(true).build(), new Generator(seed));
  }

  /** A module that has never run, with {@code rnn}'s current weights. */
  private static RnnBase fresh(RnnBase rnn) {
    RnnBase f = gru(99);
    f.loadStateDict(rnn.stateDict(), true);
    return f;
  }

  private static Tensor infer(RnnBase rnn, Tensor x) {
    try (GradMode g = GradMode.disable()) {
      return RnnGoldenTest.forward(rnn, x, null, null).output();
    }
  }

  /** Runs inference, changes the weights with {@code change}, and checks the next inference call sees the change. */
  private static void assertSeen(Consumer<RnnBase> change) {
    RnnBase rnn = gru(1);
    Tensor x = Tensor.randn(new Generator(2), 7, 5, 6); // 5 rows: the kept packed copies are used (4 rows or more)
    Tensor before = infer(rnn, x);
    assertTrue(infer(rnn, x).contentEquals(before), "a second call with kept weights gives the same bits");
    change.accept(rnn);
    Tensor after = infer(rnn, x);
    Tensor fresh = infer(fresh(rnn), x);
    assertFalse(after.contentEquals(before), "the change should move the output");
    assertTrue(after.contentEquals(fresh), "inference after the change used stale packed weights");
  }

  @Test
  void anOptimizerStepReachesTheNextInferenceCall() {
    assertSeen(rnn -> {
      Tensor x = Tensor.randn(new Generator(3), 7, 5, 6);
      RnnGoldenTest.forward(rnn, x, null, null).output().pow(2).sum().backward();
      new Sgd(rnn.namedParameters(), Sgd.Options.of(0.5)).step();
    });
  }

  @Test
  void loadStateDictReachesTheNextInferenceCall() {
    assertSeen(rnn -> rnn.loadStateDict(gru(9).stateDict(), true));
  }

  @Test
  void aWriteThroughDataThenMarkModifiedReachesTheNextInferenceCall() {
    assertSeen(rnn -> {
      for (Tensor p : rnn.parameters()) {
        float[] d = p.data();
        for (int i = 0; i < d.length; i++) {
          d[i] *= 0.5f;
        }
        p.markModified();
      }
    });
  }

  @Test
  void aWriteThroughAViewThenMarkModifiedOnTheViewReachesTheNextInferenceCall() {
    assertSeen(rnn -> {
      for (Tensor p : rnn.parameters()) {
        float[] d = p.data();
        for (int i = 0; i < d.length; i++) {
          d[i] += 0.25f;
        }
        p.view(-1).markModified(); // the view shares the storage and its version
      }
    });
  }

  @Test
  void resetParametersReachesTheNextInferenceCall() {
    assertSeen(RnnBase::resetParameters);
  }

  @Test
  void inferenceAgreesWithARecordingCall() {
    RnnBase rnn = gru(4);
    Tensor x = Tensor.randn(new Generator(5), 7, 5, 6);
    Tensor recorded = RnnGoldenTest.forward(rnn, x, null, null).output();
    assertTrue(recorded.gradFn() != null);
    Approx.assertClose("inference (kept packed weights) against recording", infer(rnn, x), recorded, 1e-5, 1e-5);
  }
}
