package dev.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;
import org.junit.jupiter.api.Test;

/** Linear, Embedding and Dropout: PyTorch's default init, errors, and dropout's statistics and stream. */
class LayersTest {
  @Test
  void linearInitIsUniformWithinOneOverSqrtFanIn() {
    Linear l = new Linear(64, 200, new Generator(1));
    double bound = 1 / Math.sqrt(64);
    double max = 0;
    for (float v : l.weight().data()) {
      max = Math.max(max, Math.abs(v));
    }
    assertTrue(max <= bound && max > 0.98 * bound, "max |w| " + max + " vs bound " + bound);
    double mean = 0;
    double sq = 0;
    for (float v : l.weight().data()) {
      mean += v;
      sq += v * v;
    }
    int n = l.weight().numel();
    assertEquals(0, mean / n, 0.01);
    assertEquals(bound * bound / 3, sq / n, 0.05 * bound * bound / 3); // variance of U(-b, b)
    for (float v : l.bias().data()) {
      assertTrue(Math.abs(v) <= bound);
    }
    assertEquals("Linear(in_features=64, out_features=200, bias=True)", l.toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.zeros(3, 63)));
    assertTrue(e.getMessage().contains("[*, 64]") && e.getMessage().contains("[3, 63]"), e.getMessage());
  }

  @Test
  void embeddingInitIsStandardNormalWithAZeroPaddingRow() {
    Embedding emb = new Embedding(500, 40, 3, new Generator(2));
    float[] w = emb.weight().data();
    double mean = 0;
    double sq = 0;
    for (float v : w) {
      mean += v;
      sq += v * v;
    }
    assertEquals(0, mean / w.length, 0.02);
    assertEquals(1, sq / w.length, 0.03);
    for (int j = 0; j < 40; j++) {
      assertEquals(0f, w[3 * 40 + j]);
    }
    assertEquals(3, new Embedding(5, 2, -2, new Generator(1)).paddingIdx());
  }

  @Test
  void embeddingOutOfRangeIdNamesTheIdAndTheVocabularySize() {
    Embedding emb = new Embedding(10, 4, new Generator(3));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> emb.forward(Tensor.ofLongs(1, 2, 10)));
    assertTrue(e.getMessage().contains("token id 10") && e.getMessage().contains("vocabulary of 10"), e.getMessage());
    IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> emb.forward(Tensor.ofLongs(-1)));
    assertTrue(neg.getMessage().contains("token id -1"), neg.getMessage());
    assertThrows(IllegalArgumentException.class, () -> emb.forward(Tensor.of(1f)));
    assertThrows(IllegalArgumentException.class, () -> new Embedding(5, 2, 5, new Generator(1)));
  }

  @Test
  void dropoutKeepsTheMeanAndZeroesAboutP() {
    for (double p : new double[] {0.1, 0.5, 0.8}) {
      Dropout d = new Dropout(p, new Generator(7));
      Tensor x = Tensor.ones(200_000);
      float[] y = d.forward(x).data();
      int zeros = 0;
      double sum = 0;
      for (float v : y) {
        if (v == 0) {
          zeros++;
        } else {
          assertEquals(1 / (1 - p), v, 1e-6);
        }
        sum += v;
      }
      double frac = zeros / (double) y.length;
      double sd = Math.sqrt(p * (1 - p) / y.length);
      assertEquals(p, frac, 5 * sd, "fraction zeroed for p=" + p);
      assertEquals(1.0, sum / y.length, 5 * sd / (1 - p), "mean kept for p=" + p);
    }
  }

  @Test
  void dropoutIsTheIdentityInEvalAndAtPZero() {
    Dropout d = new Dropout(0.5, new Generator(1));
    Tensor x = Tensor.of(1f, 2f, 3f);
    d.eval();
    assertSame(x, d.forward(x));
    assertSame(x, new Dropout(0, new Generator(1)).forward(x));
    float[] all = new Dropout(1, new Generator(1)).forward(x).data();
    assertEquals(0f, all[0] + all[1] + all[2]);
    assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5, new Generator(1)));
    assertThrows(IllegalArgumentException.class, () -> new Dropout(Double.NaN, new Generator(1)));
  }

  /**
   * The mask is drawn in bulk and split over threads; it must be exactly the one-by-one definition (element i kept
   * when the i-th nextDouble() is >= p), whatever the thread count, and leave the generator where those draws end.
   */
  @Test
  void dropoutMaskIsTheOneByOneStreamForEveryThreadCount() {
    int n = 100_003; // several chunks, and an odd tail
    float[] xs = new float[n];
    for (int i = 0; i < n; i++) {
      xs[i] = (i % 7) - 3.5f;
    }
    Tensor x = Tensor.wrap(xs, dev.rnn4j.tensor.Shape.of(n));
    for (double p : new double[] {0.1, 0.5, 0.9, 0x1p-53, Math.nextDown(1.0)}) {
      Generator ref = new Generator(11);
      float keep = (float) (1.0 / (1.0 - p));
      float[] want = new float[n];
      for (int i = 0; i < n; i++) {
        want[i] = ref.nextDouble() >= p ? xs[i] * keep : xs[i] * 0f;
      }
      long next = ref.nextLong();
      for (int threads : new int[] {1, 2, 3}) {
        Generator gen = new Generator(11);
        float[] got;
        try (ThreadTeam team = new ThreadTeam(threads); ThreadTeam.Scope s = team.use()) {
          got = new Dropout(p, gen).forward(x).data();
        }
        for (int i = 0; i < n; i++) {
          if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
            throw new AssertionError("p=" + p + ", " + threads + " threads, element " + i + ": " + got[i]
                + " but one-by-one draws give " + want[i]);
          }
        }
        assertEquals(next, gen.nextLong(), "the stream after the mask, p=" + p + ", " + threads + " threads");
      }
    }
  }

  @Test
  void dropoutMultipliesByTheMaskLikePyTorch() {
    Tensor x = Tensor.of(Float.NaN, Float.POSITIVE_INFINITY, -2f);
    float[] all = new Dropout(1, new Generator(1)).forward(x).data(); // PyTorch: input * 0
    assertTrue(Float.isNaN(all[0]) && Float.isNaN(all[1]), "NaN and inf times a zero mask are NaN");
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(all[2]));
  }

  @Test
  void reservedDrawsAreTheNextDraws() {
    Generator a = new Generator(5);
    Generator b = new Generator(5);
    a.nextLong();
    b.nextLong();
    long at = a.reserve(1000);
    for (int i = 0; i < 1000; i++) {
      assertEquals(b.nextLong(), Generator.drawAt(at, i), "draw " + i);
    }
    assertEquals(b.nextLong(), a.nextLong());
    long empty = a.reserve(0);
    assertEquals(Generator.drawAt(empty, 0), a.nextLong(), "an empty block moves nothing");
    assertThrows(IllegalArgumentException.class, () -> a.reserve(-1));
    Generator shared = Generator.defaultGenerator(); // its reserve holds the lock like its other draws
    long[] saved = shared.snapshot();
    try {
      shared.manualSeed(3);
      long sat = shared.reserve(2);
      Generator c = new Generator(3);
      assertEquals(c.nextLong(), Generator.drawAt(sat, 0));
      assertEquals(c.nextLong(), Generator.drawAt(sat, 1));
      assertEquals(c.nextLong(), shared.nextLong());
    } finally {
      shared.restore(saved);
    }
  }
}
