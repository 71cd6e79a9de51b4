package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Construction, parameter naming and init, validation messages, and dropout between layers in training. */
class RnnModuleTest {
  @Test
  void parameterNamesShapesAndOrderFollowPyTorch() {
    Lstm lstm = new Lstm(RnnConfig.builder(5, 4).numLayers(2).bidirectional(true).projSize(3).build(),
        new Generator(0));
    Map<String, Tensor> p = lstm.namedParameters();
    List<String> expected = new ArrayList<>();
    for (String sfx : List.of("l0", "l0_reverse", "l1", "l1_reverse")) {
      for (String n : List.of("weight_ih_", "weight_hh_", "bias_ih_", "bias_hh_", "weight_hr_")) {
        expected.add(n + sfx);
      }
    }
    assertEquals(expected, List.copyOf(p.keySet()));
    assertArrayEquals(new int[] {16, 5}, p.get("weight_ih_l0").shape().dims());
    assertArrayEquals(new int[] {16, 6}, p.get("weight_ih_l1_reverse").shape().dims());
    assertArrayEquals(new int[] {16, 3}, p.get("weight_hh_l1").shape().dims());
    assertArrayEquals(new int[] {3, 4}, p.get("weight_hr_l0_reverse").shape().dims());
    Gru gru = new Gru(RnnConfig.builder(5, 4).bias(false).build(), new Generator(0));
    assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), List.copyOf(gru.namedParameters().keySet()));
    assertArrayEquals(new int[] {12, 5}, gru.namedParameters().get("weight_ih_l0").shape().dims());
  }

  @Test
  void initIsUniformWithinOneOverSqrtHiddenAndSeeded() {
    Gru a = new Gru(RnnConfig.builder(8, 16).build(), new Generator(42));
    Gru b = new Gru(RnnConfig.builder(8, 16).build(), new Generator(42));
    double bound = 1 / Math.sqrt(16);
    double max = 0;
    for (var e : a.namedParameters().entrySet()) {
      for (float v : e.getValue().data()) {
        assertTrue(Math.abs(v) <= bound, e.getKey() + " value " + v + " outside +-" + bound);
        max = Math.max(max, Math.abs(v));
      }
      assertTrue(e.getValue().contentEquals(b.namedParameters().get(e.getKey())), "same seed, same weights");
    }
    assertTrue(max > 0.9 * bound, "the whole range is used");
  }

  @Test
  void configValidationUsesPyTorchMessages() {
    assertMessage("dropout should be a number in range [0, 1]", () -> RnnConfig.builder(2, 3).dropout(1.5).build());
    assertMessage("hidden_size must be greater than zero", () -> RnnConfig.builder(2, 0).build());
    assertMessage("num_layers must be greater than zero", () -> RnnConfig.builder(2, 3).numLayers(0).build());
    assertMessage("proj_size has to be smaller than hidden_size", () -> RnnConfig.builder(2, 3).projSize(3).build());
    assertMessage("proj_size should be a positive integer or zero", () -> RnnConfig.builder(2, 3).projSize(-1).build());
    assertMessage("proj_size argument is only supported for LSTM, not RNN or GRU",
        () -> new Gru(RnnConfig.builder(2, 3).projSize(1).build(), new Generator(0)));
    assertMessage("Unknown nonlinearity 'sigmoid'", () -> new Rnn(RnnConfig.builder(2, 3).build(), "sigmoid",
        new Generator(0)));
  }

  @Test
  void forwardValidationNamesExpectedAndActual() {
    Lstm lstm = new Lstm(RnnConfig.builder(2, 3).numLayers(2).build(), new Generator(0));
    assertMessage("input.size(-1) must be equal to input_size. Expected 2, got 5",
        () -> lstm.forward(Tensor.zeros(4, 1, 5)));
    assertMessage("LSTM: Expected input to be 2-D or 3-D but received 4-D tensor",
        () -> lstm.forward(Tensor.zeros(4, 1, 1, 2)));
    assertMessage("Expected hidden[0] size (2, 1, 3), got [1, 1, 3]",
        () -> lstm.forward(Tensor.zeros(4, 1, 2), Tensor.zeros(1, 1, 3), Tensor.zeros(2, 1, 3)));
    assertMessage("Expected hidden[1] size (2, 1, 3), got [2, 1, 4]",
        () -> lstm.forward(Tensor.zeros(4, 1, 2), Tensor.zeros(2, 1, 3), Tensor.zeros(2, 1, 4)));
    assertMessage("For batched 3-D input, hx should also be 3-D but got 2-D tensor",
        () -> lstm.forward(Tensor.zeros(4, 1, 2), Tensor.zeros(2, 3), null));
    assertMessage("For unbatched 2-D input, hx should also be 2-D but got 3-D tensor",
        () -> lstm.forward(Tensor.zeros(4, 2), Tensor.zeros(2, 1, 3), null));
    GruCell cell = new GruCell(2, 3, new Generator(0));
    assertMessage("input has inconsistent input_size: got 4 expected 2", () -> cell.forward(Tensor.zeros(1, 4)));
    assertMessage("Input batch size 2 doesn't match hidden0 batch size 3",
        () -> cell.forward(Tensor.zeros(2, 2), Tensor.zeros(3, 3)));
    assertMessage("hidden0 has inconsistent hidden_size: got 4, expected 3",
        () -> cell.forward(Tensor.zeros(2, 2), Tensor.zeros(2, 4)));
  }

  @Test
  void dropoutWithOneLayerWarns() {
    Logger log = Logger.getLogger(RnnBase.class.getName());
    List<String> messages = new ArrayList<>();
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord r) {
        messages.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(h);
    try {
      new Gru(RnnConfig.builder(2, 3).dropout(0.2).build(), new Generator(0));
      new Gru(RnnConfig.builder(2, 3).numLayers(2).dropout(0.2).build(), new Generator(0));
    } finally {
      log.removeHandler(h);
    }
    assertEquals(1, messages.size(), messages.toString());
    assertTrue(messages.get(0).contains("non-zero dropout expects num_layers greater than 1, but got dropout=0.2 "
        + "and num_layers=1"), messages.get(0));
  }

  @Test
  void toStringLikePyTorch() {
    assertEquals("LSTM(256, 512)", new Lstm(RnnConfig.builder(256, 512).build(), new Generator(0)).toString());
    assertEquals("GRU(256, 512, num_layers=2, dropout=0.1, bidirectional=True)",
        new Gru(RnnConfig.builder(256, 512).numLayers(2).dropout(0.1).bidirectional(true).build(), new Generator(0))
            .toString());
  }

  /**
   * Dropout between layers, statistically: with layer 0 a positive relu RNN and layer 1 the identity (relu of
   * identity weights, no recurrence), the model's output is exactly dropout(layer 0's output). In training about a
   * fraction p of it must be zero and the rest scaled by 1/(1-p); in eval it is the identity; the gradient passes
   * only through kept elements; the last layer's output is never dropped.
   */
  @Test
  void dropoutBetweenLayersOnlyInTrainingWithTheRightStatistics() {
    int hidden = 50;
    double p = 0.3;
    Rnn rnn = new Rnn(RnnConfig.builder(3, hidden).numLayers(2).dropout(p).build(), "relu", new Generator(1));
    Map<String, Tensor> w = rnn.namedParameters();
    Arrays.fill(w.get("weight_hh_l0").data(), 0f);
    Arrays.fill(w.get("bias_ih_l0").data(), 0.1f);
    float[] wih0 = w.get("weight_ih_l0").data();
    for (int i = 0; i < wih0.length; i++) {
      wih0[i] = Math.abs(wih0[i]) + 0.01f;
    }
    float[] wih1 = w.get("weight_ih_l1").data();
    Arrays.fill(wih1, 0f);
    for (int i = 0; i < hidden; i++) {
      wih1[i * hidden + i] = 1f;
    }
    Arrays.fill(w.get("weight_hh_l1").data(), 0f);
    Arrays.fill(w.get("bias_ih_l1").data(), 0f);
    Arrays.fill(w.get("bias_hh_l1").data(), 0f);
    Tensor x = Tensor.rand(new Generator(2), 20, 10, 3);

    rnn.eval();
    Tensor clean = rnn.forward(x).output();
    assertTrue(rnn.forward(x).output().contentEquals(clean), "eval is deterministic: dropout is off");

    rnn.train();
    Tensor xs = x.copy().requiresGrad(true);
    Tensor noisy = rnn.forward(xs).output();
    float[] c = clean.data();
    float[] n = noisy.data();
    int zeros = 0;
    for (int i = 0; i < c.length; i++) {
      assertTrue(c[i] > 0);
      if (n[i] == 0f) {
        zeros++;
      } else {
        assertEquals(c[i] / (1 - p), n[i], 1e-5 * Math.abs(n[i]), "kept elements are scaled by 1/(1-p)");
      }
    }
    double frac = zeros / (double) c.length;
    double sd = Math.sqrt(p * (1 - p) / c.length);
    assertEquals(p, frac, 5 * sd, "fraction dropped");
    assertFalse(rnn.forward(x).output().contentEquals(noisy), "a new mask each call");

    noisy.sum().backward();
    assertTrue(w.get("weight_ih_l0").grad() != null);
    // d output / d bias_ih_l0[k] sums 1/(1-p) over the kept elements of unit k: compare with the mask we saw
    for (int k = 0; k < hidden; k++) {
      double expected = 0;
      for (int row = 0; row < 200; row++) {
        expected += n[row * hidden + k] != 0f ? 1 / (1 - p) : 0;
      }
      assertEquals(expected, w.get("bias_ih_l0").grad().data()[k], 1e-3);
    }
  }

  @Test
  void unbatchedInputGivesUnbatchedStates() {
    Lstm lstm = new Lstm(RnnConfig.builder(2, 3).numLayers(2).bidirectional(true).build(), new Generator(0));
    LstmOutput<Tensor> r = lstm.forward(Tensor.zeros(5, 2));
    assertArrayEquals(new int[] {5, 6}, r.output().shape().dims());
    assertArrayEquals(new int[] {4, 3}, r.hN().shape().dims());
    assertArrayEquals(new int[] {4, 3}, r.cN().shape().dims());
    var packed = lstm.forward(Packing.packSequence(List.of(Tensor.zeros(3, 2), Tensor.zeros(1, 2)), false));
    assertArrayEquals(new int[] {4, 6}, packed.output().data().shape().dims());
    assertArrayEquals(new int[] {4, 2, 3}, packed.hN().shape().dims());
  }

  private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable ex) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
    assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
  }

  /** The types say which layer has a cell state: LSTM returns LstmOutput (with cN), RNN and GRU an RnnOutput. */
  @Test
  void outputTypesSayWhetherThereIsACellState() throws NoSuchMethodException {
    RnnConfig cfg = RnnConfig.builder(2, 3).numLayers(2).build();
    Tensor x = Tensor.zeros(4, 1, 2);
    LstmOutput<Tensor> lstm = new Lstm(cfg, new Generator(0)).forward(x);
    assertArrayEquals(new int[] {2, 1, 3}, lstm.cN().shape().dims());
    RnnOutput<Tensor> asBase = lstm; // an LSTM result still fits code that needs only output and h_n
    assertArrayEquals(new int[] {2, 1, 3}, asBase.hN().shape().dims());
    assertEquals(RnnOutput.class, new Gru(cfg, new Generator(0)).forward(x).getClass());
    assertEquals(RnnOutput.class, new Rnn(cfg, new Generator(0)).forward(x).getClass());
    // what the compiler checks: RnnOutput has no cN() to call, and each forward is declared with its own type
    assertThrows(NoSuchMethodException.class, () -> RnnOutput.class.getMethod("cN"));
    for (Class<?>[] sig : new Class<?>[][] {{Tensor.class}, {dev.rnn4j.nn.rnn.pack.PackedSequence.class}}) {
      assertEquals(LstmOutput.class, Lstm.class.getMethod("forward", sig).getReturnType());
      assertEquals(RnnOutput.class, Gru.class.getMethod("forward", sig).getReturnType());
      assertEquals(RnnOutput.class, Rnn.class.getMethod("forward", sig).getReturnType());
    }
  }
}
