package dev.rnn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The language model's names, and that its step-by-step generation path agrees with its packed training path. */
class LanguageModelTest {
  @Test
  void stateDictUsesPyTorchNames() {
    var m = new LanguageModel(new LanguageModelConfig("lstm", 10, 4, 6, 2, 0.1, 3), new Generator(1));
    assertEquals(
        List.of("embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            "rnn.weight_hr_l0", "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1",
            "rnn.weight_hr_l1", "decoder.weight", "decoder.bias"),
        new ArrayList<>(m.stateDict().keySet()));
    assertEquals(List.of(10, 3), List.of(m.stateDict().get("decoder.weight").size(0), m.stateDict().get("decoder.weight").size(1)));
    var back = LanguageModelConfig.fromJson(m.config().toJson());
    assertEquals(m.config(), back);
  }

  @Test
  void steppingOneTokenAtATimeEqualsThePackedForward() {
    for (String type : List.of("rnn", "lstm", "gru")) {
      var m = new LanguageModel(new LanguageModelConfig(type, 9, 5, 7, 2, 0.0, 0), new Generator(2));
      m.eval();
      // two sequences of lengths 4 and 2, time-major [4, 2]
      long[][] seqs = {{1, 4, 5, 6}, {1, 7, 0, 0}};
      long[] ids = new long[8];
      for (int t = 0; t < 4; t++) {
        for (int b = 0; b < 2; b++) {
          ids[t * 2 + b] = seqs[b][t];
        }
      }
      Tensor logits;
      try (GradMode g = GradMode.disable()) {
        logits = m.forwardPacked(Tensor.ofLongs(ids, 4, 2), new int[] {4, 2}, null).logits(); // packed rows: 6
      }
      assertEquals(6, logits.size(0));
      var state = m.initialState(2);
      float[] expected = new float[6 * 9];
      float[] got = new float[6 * 9];
      System.arraycopy(logits.data(), 0, expected, 0, expected.length);
      int row = 0;
      for (int t = 0; t < 4; t++) {
        int active = t < 2 ? 2 : 1;
        long[] tok = new long[active];
        for (int b = 0; b < active; b++) {
          tok[b] = seqs[b][t];
        }
        var out = m.step(tok, active == state.h().size(1) ? state : m.select(state, new int[] {0}));
        System.arraycopy(out.logits(), 0, got, row * 9, active * 9);
        row += active;
        state = out.state();
      }
      Approx.assertClose(type + " step vs packed", got, expected, 1e-5, 1e-5);
    }
  }

  @Test
  void generatesThroughTheDecoder() {
    var m = new LanguageModel(new LanguageModelConfig("gru", 8, 4, 6, 1, 0.0, 0), new Generator(3));
    m.eval();
    var r = new Decoder<>(m).generate(
        List.of(new int[] {Vocabulary.BOS_ID, 5}, new int[] {Vocabulary.BOS_ID}),
        DecodeOptions.beam(3, 1.0).maxNewTokens(5).eosId(Vocabulary.EOS_ID), null);
    assertEquals(2, r.size());
    assertTrue(r.get(0).tokens().length <= 5);
  }

  @Test
  void badConfigurationsAreRejected() {
    var e = assertThrows(IllegalArgumentException.class, () -> new LanguageModelConfig("transformer", 5, 4, 4, 1, 0, 0));
    assertTrue(e.getMessage().contains("rnn, lstm or gru"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LanguageModelConfig("gru", 5, 4, 4, 1, 0, 2));
    assertTrue(e.getMessage().contains("projSize"), e.getMessage());
  }

  /**
   * An unsorted batch: {@code forward} packs it with enforce_sorted=False and returns the logits padded, in the
   * caller's batch order, equal to each sequence run alone; the final state is in the caller's order too.
   */
  @Test
  void unsortedBatchesComeBackInTheCallersOrder() {
    for (String type : List.of("rnn", "lstm", "gru")) {
      var m = new LanguageModel(new LanguageModelConfig(type, 9, 5, 7, 2, 0.0, 0), new Generator(4));
      m.eval();
      long[][] seqs = {{3, 1, 0, 0}, {2, 5, 6, 4}, {8, 0, 0, 0}}; // lengths 2, 4, 1: not sorted
      int[] lengths = {2, 4, 1};
      long[] ids = new long[4 * 3];
      for (int t = 0; t < 4; t++) {
        for (int b = 0; b < 3; b++) {
          ids[t * 3 + b] = seqs[b][t];
        }
      }
      LanguageModel.PaddedOutput out = m.forward(Tensor.ofLongs(ids, 4, 3), lengths, null);
      assertEquals(List.of(4, 3, 9), List.of(out.logits().size(0), out.logits().size(1), out.logits().size(2)));
      for (int b = 0; b < 3; b++) {
        long[] alone = java.util.Arrays.copyOf(seqs[b], lengths[b]);
        LanguageModel.PackedOutput one = m.forwardPacked(Tensor.ofLongs(alone, lengths[b], 1),
            new int[] {lengths[b]}, null); // rows t = 0 .. len-1
        for (int t = 0; t < 4; t++) {
          for (int v = 0; v < 9; v++) {
            double want = t < lengths[b] ? one.logits().get(t, v) : 0.0;
            assertEquals(want, out.logits().get(t, b, v), 1e-5, type + " b=" + b + " t=" + t + " v=" + v);
          }
        }
        for (int l = 0; l < 2; l++) {
          for (int k = 0; k < 7; k++) {
            assertEquals(one.state().h().get(l, 0, k), out.state().h().get(l, b, k), 1e-5, type + " h");
            if (type.equals("lstm")) {
              assertEquals(one.state().c().get(l, 0, k), out.state().c().get(l, b, k), 1e-5, type + " c");
            }
          }
        }
      }
      // the sorted-only path still refuses, and its message names enforce_sorted
      var e = assertThrows(IllegalArgumentException.class,
          () -> m.forwardPacked(Tensor.ofLongs(ids, 4, 3), lengths, null));
      assertTrue(e.getMessage().contains("enforce_sorted"), e.getMessage());
    }
  }

  @Test
  void unsortedForwardIsDifferentiable() {
    var m = new LanguageModel(new LanguageModelConfig("gru", 6, 3, 4, 1, 0.0, 0), new Generator(5));
    LanguageModel.PaddedOutput out = m.forward(Tensor.ofLongs(new long[] {1, 2, 3, 0, 4, 0}, 2, 3),
        new int[] {1, 2, 1}, null);
    out.logits().sum().backward();
    for (Tensor p : m.parameters()) {
      assertTrue(p.grad() != null, "every parameter gets a gradient");
    }
  }
}
