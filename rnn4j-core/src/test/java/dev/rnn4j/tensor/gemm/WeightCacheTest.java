package dev.rnn4j.tensor.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.RandomArrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WeightCache}: a kept operand gives the product of the weight as it is (naive twin, every row count through
 * the SkinnyGemm / packed threshold); the second request for the same array and view reuses the packed copy; a
 * different view of the same array, or an array marked modified, is packed again from its current values; and a bad
 * view fails with the numbers.
 */
class WeightCacheTest {
  private final Generator g = new Generator(5);

  @BeforeEach
  void needsTheCache() {
    assumeTrue(WeightCache.enabled(), "the packed kernel needs the Vector API");
    WeightCache.clear();
  }

  @AfterEach
  void empty() {
    WeightCache.clear();
  }

  private static void assertProduct(int m, int n, int k, float[] a, float[] w, int wOff, int ldw, PreparedB kept) {
    float[] c = new float[m * n];
    Gemm.sgemm(false, m, 1f, a, 0, k, kept, 0f, c, 0, n);
    float[] naive = new float[m * n];
    Gemm.sgemmNaive(false, true, m, n, k, 1f, a, 0, k, w, wOff, ldw, 0f, naive, 0, n);
    for (int i = 0; i < c.length; i++) {
      assertEquals(naive[i], c[i], 1e-6f * k, m + " rows, element " + i);
    }
  }

  @Test
  void keptOperandGivesTheProductForEveryRowCount() {
    int n = 37;
    int k = 300;
    float[] w = RandomArrays.uniform(g, n * k); // (n, k), used as W^T like a recurrent weight
    for (int m = 1; m <= 12; m++) {
      float[] a = RandomArrays.uniform(g, m * k);
      PreparedB kept = WeightCache.prepared(true, k, n, w, 0, k);
      assertTrue(kept.isPacked());
      assertProduct(m, n, k, a, w, 0, k, kept);
    }
    assertEquals(1, WeightCache.size());
  }

  @Test
  void theSecondRequestReusesThePackedCopy() {
    float[] w = RandomArrays.uniform(g, 64 * 48);
    PreparedB first = WeightCache.prepared(true, 48, 64, w, 0, 48);
    PreparedB second = WeightCache.prepared(true, 48, 64, w, 0, 48);
    assertSame(first.panels, second.panels);
  }

  @Test
  void aModifiedWeightIsPackedAgainFromItsNewValues() {
    int n = 40;
    int k = 24;
    Tensor weight = Tensor.of(RandomArrays.uniform(g, n * k), n, k);
    float[] w = weight.data();
    float[] a = RandomArrays.uniform(g, 6 * k);
    PreparedB before = WeightCache.prepared(true, k, n, w, 0, k);
    for (int i = 0; i < w.length; i++) {
      w[i] = -2 * w[i] + 0.5f; // as an optimizer step would
    }
    weight.view(k, n).markModified(); // through a view: the storage is shared
    assertEquals(0, WeightCache.size());
    PreparedB after = WeightCache.prepared(true, k, n, w, 0, k);
    assertNotSame(before.panels, after.panels);
    assertProduct(6, n, k, a, w, 0, k, after);
  }

  @Test
  void anotherViewOfTheSameArrayIsPackedForThatView() {
    int k = 16;
    float[] w = RandomArrays.uniform(g, 3 + 20 * (k + 2));
    float[] a = RandomArrays.uniform(g, 5 * k);
    PreparedB whole = WeightCache.prepared(true, k, 20, w, 3, k + 2);
    PreparedB part = WeightCache.prepared(true, k, 10, w, 3 + 10 * (k + 2), k + 2); // rows 10..19
    assertProduct(5, 10, k, a, w, 3 + 10 * (k + 2), k + 2, part);
    assertProduct(5, 20, k, a, w, 3, k + 2, whole);
    assertNotSame(whole.panels, part.panels);
  }

  @Test
  void turnedOffItNeitherPacksNorUsesItsCopies() {
    float[] w = RandomArrays.uniform(g, 64 * 48);
    WeightCache.prepared(true, 48, 64, w, 0, 48);
    WeightCache.setEnabled(false);
    try {
      assertFalse(WeightCache.prepared(true, 48, 64, w, 0, 48).isPacked());
      assertEquals(1, WeightCache.size(), "the copy stays until clear() or invalidation");
    } finally {
      WeightCache.setEnabled(true);
    }
    assertTrue(WeightCache.prepared(true, 48, 64, w, 0, 48).isPacked());
  }

  @Test
  void aBadViewFailsWithTheNumbers() {
    float[] w = new float[10 * 8];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WeightCache.prepared(true, 8, 11, w, 0, 8));
    assertTrue(e.getMessage().contains("needs 88 floats, the array has 80"), e.getMessage());
  }
}
