package dev.rnn4j.serve.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.util.ThreadTeam;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LmStepperTest {
  /**
   * The vector kernels and their scalar twin give identical bits, on every tile path, with offsets and strides, over
   * both block layouts, and when a product is computed a few column blocks at a time.
   */
  @org.junit.jupiter.api.Test
  void vectorKernelsMatchTheirScalarTwinBitwise() {
    RowKernels vec = RowKernels.forProcess();
    RowKernels scalar = new ScalarRowKernels();
    Generator g = new Generator(5);
    for (int m : new int[] {1, 7, 16, 17, 33, 63, 100, 130, 300}) {
      for (int k : new int[] {1, 5, 64}) {
        for (int n : new int[] {1, 3, 4, 5, 8, 9, 13, 17}) {
          float[] wt = new float[k * m];
          float[] bias = new float[m];
          int xStride = k + 3;
          float[] x = new float[2 + n * xStride];
          for (float[] a : new float[][] {wt, bias, x}) {
            for (int i = 0; i < a.length; i++) {
              a[i] = (float) g.nextGaussian();
            }
          }
          int outStride = m + 2;
          float[] o1 = new float[1 + n * outStride];
          float[] o2 = new float[1 + n * outStride];
          float[] o3 = new float[1 + n * outStride];
          float[] o4 = new float[1 + n * outStride];
          RowKernels.Packed pv = vec.pack(wt, m, k);
          vec.matvec(pv, bias, x, 2, xStride, n, o1, 1, outStride);
          scalar.matvec(pv, bias, x, 2, xStride, n, o2, 1, outStride);
          scalar.matvec(scalar.pack(wt, m, k), bias, x, 2, xStride, n, o3, 1, outStride);
          for (int b = 0; b < pv.blocks(); b += 2) { // two blocks per call, as a split product's chunks
            vec.matvec(pv, bias, x, 2, xStride, n, o4, 1, outStride, b, Math.min(b + 2, pv.blocks()));
          }
          String at = " at m=" + m + " k=" + k + " n=" + n;
          assertArrayEquals(o2, o1, vec.name() + " vs scalar" + at);
          assertArrayEquals(o2, o3, "scalar on its own blocks vs on " + vec.name() + "'s" + at);
          assertArrayEquals(o1, o4, vec.name() + " two blocks per call vs all at once" + at);
          for (int b = 0; b < n; b++) { // and the plain definition, summed in order of i
            for (int j = 0; j < m; j++) {
              float s = 0f;
              for (int i = 0; i < k; i++) {
                s = Math.fma(x[2 + b * xStride + i], wt[i * m + j], s);
              }
              assertEquals(s + bias[j], o1[1 + b * outStride + j], "element " + b + "," + j + at);
            }
          }
        }
      }
    }
  }

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(new LanguageModelConfig("gru", 23, 12, 17, 1, 0, 0)),
        Arguments.of(new LanguageModelConfig("gru", 23, 12, 17, 2, 0.1, 0)),
        Arguments.of(new LanguageModelConfig("lstm", 19, 9, 21, 2, 0, 0)),
        Arguments.of(new LanguageModelConfig("lstm", 19, 9, 21, 2, 0, 7)),
        Arguments.of(new LanguageModelConfig("rnn", 30, 16, 33, 1, 0, 0)));
  }

  private static LanguageModel model(LanguageModelConfig c) {
    LanguageModel m = new LanguageModel(c, new Generator(3));
    m.eval();
    return m;
  }

  /** The stepper's logits after a token sequence agree with LanguageModel.step (PyTorch-exact) to float rounding. */
  @ParameterizedTest
  @MethodSource("models")
  void stepAgreesWithTheModel(LanguageModelConfig c) {
    LanguageModel m = model(c);
    LmStepper s = new LmStepper(m);
    int[][] seqs = {{1, 5, 7, 2, 9}, {1, 4}, {1, 11, 11, 3}};
    LmStepper.Rows rows = s.newRows(3);
    LanguageModel.State state = m.initialState(3);
    int v = c.vocabSize();
    int[] feed = new int[3];
    for (int t = 0; t < 5; t++) {
      long[] toks = new long[3];
      for (int b = 0; b < 3; b++) {
        feed[b] = seqs[b][Math.min(t, seqs[b].length - 1)];
        toks[b] = feed[b];
      }
      var out = m.step(toks, state);
      state = out.state();
      s.step(rows, feed, 3);
      float[] want = out.logits();
      for (int i = 0; i < 3 * v; i++) {
        float d = Math.abs(want[i] - rows.logits()[i]);
        assertTrue(d <= 1e-5f + 1e-4f * Math.abs(want[i]),
            c + " step " + t + " logit " + i + ": model " + want[i] + ", stepper " + rows.logits()[i]);
      }
    }
  }

  /** A row's logits are bitwise the same alone, among other rows, in any slot, and after a packed prompt pass. */
  @ParameterizedTest
  @MethodSource("models")
  void rowsAreIndependentOfTheirBatch(LanguageModelConfig c) {
    LanguageModel m = model(c);
    LmStepper s = new LmStepper(m);
    int v = c.vocabSize();
    int[] prompt = {1, 6, 2, 8, 3, 3, 5};
    // alone, token by token
    LmStepper.Rows alone = s.newRows(1);
    float[] aloneLogits = null;
    for (int t = 0; t < prompt.length; t++) {
      s.step(alone, new int[] {prompt[t]}, 1);
    }
    aloneLogits = Arrays.copyOf(alone.logits(), v);
    // packed prompt pass into slot 0
    LmStepper.Rows packed = s.newRows(2);
    s.prompt(packed, 1, prompt);
    assertArrayEquals(aloneLogits, Arrays.copyOfRange(packed.logits(), v, 2 * v), "prompt pass vs token by token");
    // in slot 5 of 9 rows whose other rows read other tokens
    LmStepper.Rows batch = s.newRows(9);
    Generator g = new Generator(1);
    for (int t = 0; t < prompt.length; t++) {
      int[] feed = new int[9];
      for (int b = 0; b < 9; b++) {
        feed[b] = b == 5 ? prompt[t] : g.nextInt(v);
      }
      s.step(batch, feed, 9);
    }
    assertArrayEquals(aloneLogits, Arrays.copyOfRange(batch.logits(), 5 * v, 6 * v), "row 5 of 9 vs alone");
  }

  /**
   * Several prompts read in one packed pass (longest first, lengths 9, 6, 6, 2, 1 into rows 2..6 of 8) leave each row
   * with bitwise the state and logits of its prompt read alone: the logits after the pass, and after one more step.
   */
  @ParameterizedTest
  @MethodSource("models")
  void packedPromptsEqualEachPromptAlone(LanguageModelConfig c) {
    LmStepper s = new LmStepper(model(c));
    int v = c.vocabSize();
    int[][] prompts = {{1, 6, 2, 8, 3, 3, 5, 7, 2}, {1, 4, 4, 2, 9, 5}, {1, 2, 3, 4, 5, 6}, {1, 7}, {1}};
    LmStepper.Rows batch = s.newRows(8);
    s.prompts(batch, 2, prompts);
    int[] feed = new int[8];
    float[] afterPass = batch.logits().clone();
    for (int i = 0; i < prompts.length; i++) {
      feed[2 + i] = 3 + i;
    }
    s.step(batch, feed, 2, prompts.length);
    for (int i = 0; i < prompts.length; i++) {
      LmStepper.Rows alone = s.newRows(1);
      s.prompt(alone, 0, prompts[i]);
      assertArrayEquals(Arrays.copyOf(alone.logits(), v), Arrays.copyOfRange(afterPass, (2 + i) * v, (3 + i) * v),
          "prompt " + i + " after the pass");
      s.step(alone, new int[] {3 + i}, 1);
      assertArrayEquals(Arrays.copyOf(alone.logits(), v),
          Arrays.copyOfRange(batch.logits(), (2 + i) * v, (3 + i) * v), "prompt " + i + " one step later");
    }
  }

  @Test
  void packedPromptsRefuseBadLayouts() {
    LmStepper s = new LmStepper(model(new LanguageModelConfig("gru", 11, 5, 7, 1, 0, 0)));
    LmStepper.Rows rows = s.newRows(3);
    var unsorted = assertThrows(IllegalArgumentException.class, () -> s.prompts(rows, 0, new int[][] {{1}, {1, 2}}));
    assertTrue(unsorted.getMessage().contains("longest first"), unsorted.getMessage());
    var tooMany = assertThrows(IllegalArgumentException.class,
        () -> s.prompts(rows, 2, new int[][] {{1, 2}, {1}}));
    assertTrue(tooMany.getMessage().contains("do not fit buffers of 3 rows"), tooMany.getMessage());
    var empty = assertThrows(IllegalArgumentException.class, () -> s.prompts(rows, 0, new int[][] {{1}, {}}));
    assertTrue(empty.getMessage().contains("prompt 1 is empty"), empty.getMessage());
  }

  /**
   * A step and a prompt pass whose products are split over a team of threads (from one row on) give the same bits as
   * on one thread, on every model shape.
   */
  @ParameterizedTest
  @MethodSource("models")
  void splittingProductsOverThreadsKeepsTheBits(LanguageModelConfig c) {
    LanguageModel m = model(c);
    try (ThreadTeam two = new ThreadTeam(2); ThreadTeam one = new ThreadTeam(1)) {
      LmStepper split = new LmStepper(m, RowKernels.forProcess(), two, 1);
      LmStepper serial = new LmStepper(m, RowKernels.forProcess(), one, 1);
      int v = c.vocabSize();
      int[] prompt = {1, 6, 2, 8, 3};
      for (int n : new int[] {1, 3, 9}) {
        LmStepper.Rows a = split.newRows(n);
        LmStepper.Rows b = serial.newRows(n);
        split.prompt(a, 0, prompt);
        serial.prompt(b, 0, prompt);
        assertArrayEquals(Arrays.copyOf(b.logits(), v), Arrays.copyOf(a.logits(), v), "prompt pass, " + n + " rows");
        Generator g = new Generator(n);
        for (int t = 0; t < 4; t++) {
          int[] feed = new int[n];
          for (int r = 0; r < n; r++) {
            feed[r] = g.nextInt(v);
          }
          split.step(a, feed, n);
          serial.step(b, feed, n);
          assertArrayEquals(b.logits(), a.logits(), "step " + t + " of " + n + " rows");
        }
      }
    }
  }
}
