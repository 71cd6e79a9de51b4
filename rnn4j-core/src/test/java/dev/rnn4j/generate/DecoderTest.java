package dev.rnn4j.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Generator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every decoding strategy on hand-built bigram models whose answers are worked out by hand. */
class DecoderTest {
  // vocabulary: 0 = <bos>, 1 = <eos>, 2 = 'a', 3 = 'b', 4 = 'c', 5 = 'd'
  private static final int EOS = 1;

  /** Chain bos -> a -> b -> c -> eos by clear margins. */
  private static float[][] chain() {
    float[][] t = new float[6][6];
    t[0][2] = 5;
    t[2][3] = 5;
    t[3][4] = 5;
    t[4][EOS] = 5;
    t[5][5] = 5;
    t[1][1] = 5;
    return t;
  }

  private static float[] logProbs(double... p) {
    float[] x = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      x[i] = p[i] == 0 ? -1e9f : (float) Math.log(p[i]);
    }
    return x;
  }

  @Test
  void greedyFollowsTheArgmaxStopsAtEosAndStreams() {
    TableModel m = new TableModel(chain(), EOS, 1000);
    List<String> streamed = new ArrayList<>();
    var r = new Decoder<>(m).generate(
        List.of(new int[] {0}), DecodeOptions.greedy().eosId(EOS), (s, t) -> streamed.add(s + ":" + t));
    assertArrayEquals(new int[] {2, 3, 4}, r.get(0).tokens());
    assertEquals(Decoder.FinishReason.EOS, r.get(0).reason());
    assertEquals(List.of("0:2", "0:3", "0:4"), streamed);
  }

  @Test
  void lengthLimitAndStopString() {
    TableModel m = new TableModel(chain(), EOS, 1000);
    var r = new Decoder<>(m).generate(List.of(new int[] {0}), DecodeOptions.greedy().eosId(EOS).maxNewTokens(2), null);
    assertArrayEquals(new int[] {2, 3}, r.get(0).tokens());
    assertEquals(Decoder.FinishReason.LENGTH, r.get(0).reason());
    String[] text = {"", "", "a", "b", "c", "d"};
    r = new Decoder<>(m).generate(
        List.of(new int[] {0}), DecodeOptions.greedy().stopStrings(List.of("ab"), id -> text[id]), null);
    assertArrayEquals(new int[] {2, 3}, r.get(0).tokens());
    assertEquals(Decoder.FinishReason.STOP_STRING, r.get(0).reason());
  }

  @Test
  void batchedSequencesStopOnTheirOwnAndLeaveTheBatch() {
    // prompts of different lengths; the row state forces eos once 5 tokens were consumed (prompt included)
    TableModel m = new TableModel(chain(), EOS, 5);
    List<int[]> prompts =
        List.of(new int[] {0}, new int[] {0, 2, 3}, new int[] {5}, new int[] {0, 2}, new int[] {3});
    var r = new Decoder<>(m).generate(prompts, DecodeOptions.greedy().eosId(EOS).maxNewTokens(10), null);
    assertArrayEquals(new int[] {2, 3, 4}, r.get(0).tokens()); // the chain, eos after c at step 4
    assertArrayEquals(new int[] {4}, r.get(1).tokens()); // 3 prompt tokens, then c, eos
    assertArrayEquals(new int[] {5, 5, 5, 5}, r.get(2).tokens()); // d loops until eos is forced at step 5
    assertArrayEquals(new int[] {3, 4}, r.get(3).tokens());
    assertArrayEquals(new int[] {4}, r.get(4).tokens()); // b -> c -> eos after step 2
    // each alone gives the same answer
    for (int i = 0; i < prompts.size(); i++) {
      var alone = new Decoder<>(new TableModel(chain(), EOS, 5))
          .generate(List.of(prompts.get(i)), DecodeOptions.greedy().eosId(EOS).maxNewTokens(10), null);
      assertArrayEquals(alone.get(0).tokens(), r.get(i).tokens(), "prompt " + i);
    }
    assertEquals(List.of(5, 5, 4, 4, 1), m.batchSizes, "finished sequences must leave the batch");
  }

  @Test
  void filteredProbabilitiesFollowTemperatureTopKAndTopP() {
    float[] x = logProbs(0.5, 0.3, 0.15, 0.05);
    double[] p = Sampling.filteredProbs(x, 0, 4, 1.0, 0, 1.0);
    assertArrayEquals(new double[] {0.5, 0.3, 0.15, 0.05}, p, 1e-6);
    p = Sampling.filteredProbs(x, 0, 4, 1.0, 2, 1.0);
    assertArrayEquals(new double[] {0.625, 0.375, 0, 0}, p, 1e-6);
    p = Sampling.filteredProbs(x, 0, 4, 1.0, 0, 0.7); // 0.5 + 0.3 reaches 0.7
    assertArrayEquals(new double[] {0.625, 0.375, 0, 0}, p, 1e-6);
    p = Sampling.filteredProbs(x, 0, 4, 1.0, 0, 0.9); // needs the third
    assertArrayEquals(new double[] {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}, p, 1e-6);
    p = Sampling.filteredProbs(x, 0, 4, 0.5, 0, 1.0); // p^2 renormalised
    double z = 0.25 + 0.09 + 0.0225 + 0.0025;
    assertArrayEquals(new double[] {0.25 / z, 0.09 / z, 0.0225 / z, 0.0025 / z}, p, 1e-6);
  }

  @Test
  void samplingDrawsFromTheFilteredDistributionAndIsSeeded() {
    // a bigram model where after bos each of 4 tokens has a known probability, then eos
    float[][] t = new float[6][];
    t[0] = logProbs(0, 0, 0.5, 0.3, 0.15, 0.05);
    for (int i = 1; i < 6; i++) {
      t[i] = logProbs(0, 1, 0, 0, 0, 0);
    }
    int n = 4000;
    List<int[]> prompts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      prompts.add(new int[] {0});
    }
    var r = new Decoder<>(new TableModel(t, EOS, 1000)).generate(prompts, DecodeOptions.sample(1.0, 0, 1.0).eosId(EOS).seed(7), null);
    int[] counts = new int[6];
    for (var res : r) {
      counts[res.tokens()[0]]++;
    }
    double[] want = {0, 0, 0.5, 0.3, 0.15, 0.05};
    for (int c = 2; c < 6; c++) { // 4 standard deviations at n = 4000
      double sd = Math.sqrt(want[c] * (1 - want[c]) / n);
      assertEquals(want[c], counts[c] / (double) n, 4 * sd, "token " + c);
    }
    var again = new Decoder<>(new TableModel(t, EOS, 1000)).generate(prompts, DecodeOptions.sample(1.0, 0, 1.0).eosId(EOS).seed(7), null);
    var other = new Decoder<>(new TableModel(t, EOS, 1000)).generate(prompts, DecodeOptions.sample(1.0, 0, 1.0).eosId(EOS).seed(8), null);
    int same = 0;
    int differ = 0;
    for (int i = 0; i < n; i++) {
      same += r.get(i).tokens()[0] == again.get(i).tokens()[0] ? 1 : 0;
      differ += r.get(i).tokens()[0] != other.get(i).tokens()[0] ? 1 : 0;
    }
    assertEquals(n, same, "same seed, same samples");
    assertTrue(differ > n / 4, "another seed changes the samples, " + differ);
    var topK = new Decoder<>(new TableModel(t, EOS, 1000)).generate(prompts.subList(0, 200), DecodeOptions.sample(1.0, 2, 1.0).eosId(EOS), null);
    for (var res : topK) {
      assertTrue(res.tokens()[0] == 2 || res.tokens()[0] == 3, "top-2 sampled " + res.tokens()[0]);
    }
  }

  @Test
  void beamSearchFindsTheLikelierSequenceThatGreedyMisses() {
    // after bos: a 0.5, b 0.4, eos 0.1; after a: a,b,c,d 0.25 each (eos 0); after b: c 0.9, eos 0.1; after c, d: eos
    float[][] t = new float[6][];
    t[0] = logProbs(0, 0.1, 0.5, 0.4, 0, 0);
    t[1] = logProbs(0, 1, 0, 0, 0, 0);
    t[2] = logProbs(0, 0, 0.25, 0.25, 0.25, 0.25);
    t[3] = logProbs(0, 0.1, 0, 0, 0.9, 0);
    t[4] = logProbs(0, 1, 0, 0, 0, 0);
    t[5] = logProbs(0, 1, 0, 0, 0, 0);
    var greedy = new Decoder<>(new TableModel(t, EOS, 1000)).generate(List.of(new int[] {0}), DecodeOptions.greedy().eosId(EOS).maxNewTokens(5), null);
    assertArrayEquals(new int[] {2, 2, 2, 2, 2}, greedy.get(0).tokens()); // a, then ties go to the lowest id (a)
    var beam = new Decoder<>(new TableModel(t, EOS, 1000)).generate(List.of(new int[] {0}), DecodeOptions.beam(2, 1.0).eosId(EOS).maxNewTokens(5), null);
    assertArrayEquals(new int[] {3, 4}, beam.get(0).tokens()); // b c eos: 0.4 * 0.9 * 1
    assertEquals(Math.log(0.36), beam.get(0).logProb(), 1e-5);
    assertEquals(Decoder.FinishReason.EOS, beam.get(0).reason());
  }

  @Test
  void beamWidthOneEqualsGreedyOnRandomModels() {
    Generator gen = new Generator(42);
    for (int trial = 0; trial < 30; trial++) {
      int v = 3 + gen.nextInt(5);
      float[][] t = new float[v][v];
      for (float[] row : t) {
        for (int c = 0; c < v; c++) {
          row[c] = (float) (gen.nextGaussian() * 2);
        }
      }
      List<int[]> prompts = List.of(new int[] {0}, new int[] {1, 2}, new int[] {2, 0, 1});
      int force = 3 + gen.nextInt(6);
      var g = new Decoder<>(new TableModel(t, 1, force)).generate(prompts, DecodeOptions.greedy().eosId(1).maxNewTokens(6), null);
      var b = new Decoder<>(new TableModel(t, 1, force)).generate(prompts, DecodeOptions.beam(1, 1.0).eosId(1).maxNewTokens(6), null);
      for (int i = 0; i < prompts.size(); i++) {
        assertArrayEquals(g.get(i).tokens(), b.get(i).tokens(), "trial " + trial + " prompt " + i);
        assertEquals(g.get(i).reason(), b.get(i).reason());
        assertEquals(g.get(i).logProb(), b.get(i).logProb(), 1e-9);
      }
    }
  }

  @Test
  void lengthPenaltyDecidesBetweenShortAndLongHypotheses() {
    // after bos: eos 0.45 or a 0.55; after a: b 1.0; after b: eos 1.0. Short: log 0.45 / 1; long: log 0.55 / 3^lp
    float[][] t = new float[6][];
    t[0] = logProbs(0, 0.45, 0.55, 0, 0, 0);
    t[1] = logProbs(0, 1, 0, 0, 0, 0);
    t[2] = logProbs(0, 0, 0, 1, 0, 0);
    t[3] = logProbs(0, 1, 0, 0, 0, 0);
    t[4] = t[1];
    t[5] = t[1];
    var noPenalty = new Decoder<>(new TableModel(t, EOS, 1000)).generate(List.of(new int[] {0}), DecodeOptions.beam(2, 0.0).eosId(EOS), null);
    assertArrayEquals(new int[] {2, 3}, noPenalty.get(0).tokens()); // log .55 > log .45
    var shortFavoured = new Decoder<>(new TableModel(t, EOS, 1000)).generate(List.of(new int[] {0}), DecodeOptions.beam(2, -2.0).eosId(EOS), null);
    assertArrayEquals(new int[] {}, shortFavoured.get(0).tokens()); // log .55 * 9 < log .45
  }

  @Test
  void badOptionsNameTheOption() {
    TableModel m = new TableModel(chain(), EOS, 1000);
    Decoder<int[]> d = new Decoder<>(m);
    var e = assertThrows(IllegalArgumentException.class, () -> d.generate(List.of(new int[] {0}), DecodeOptions.sample(0, 0, 1), null));
    assertTrue(e.getMessage().contains("temperature"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> d.generate(List.of(new int[] {9}), DecodeOptions.greedy(), null));
    assertTrue(e.getMessage().contains("token id 9"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> d.generate(List.of(new int[] {0}), DecodeOptions.beam(0, 1), null));
    assertTrue(e.getMessage().contains("beam width"), e.getMessage());
    assertNotEquals(null, e.getMessage());
  }

  @Test
  void aReusedSamplerDrawsTheTokensOfTheStaticRule() {
    Generator logits = new Generator(3);
    Sampling reused = new Sampling(37);
    double[][] settings = {{1.0, 0, 1.0}, {0.7, 5, 1.0}, {1.3, 0, 0.8}, {0.9, 10, 0.6}, {2.0, 37, 0.999}};
    for (int trial = 0; trial < 200; trial++) {
      float[] x = new float[3 + 37];
      for (int k = 0; k < x.length; k++) {
        x[k] = (float) (logits.nextDouble() * 8 - 4);
      }
      double[] st = settings[trial % settings.length];
      Generator a = new Generator(trial);
      Generator b = new Generator(trial);
      for (int draw = 0; draw < 5; draw++) {
        assertEquals(Sampling.sample(x, 3, 37, st[0], (int) st[1], st[2], a),
            reused.sample(x, 3, st[0], (int) st[1], st[2], b), "trial " + trial + " draw " + draw);
      }
    }
  }
}
