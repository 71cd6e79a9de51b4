package dev.rnn4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * When a streaming handler is woken: after a few tokens (more with more rows), or before a token would wait too long.
 */
class StreamWakeTest {
  private static final long FAST_STEP = 60_000; // 0.06 ms, one row of the benchmark's model

  @Test
  void tokensPerWakeIsHalfTheRowsWithinBounds() {
    assertEquals(4, Generation.tokensPerWake(1));
    assertEquals(4, Generation.tokensPerWake(9));
    assertEquals(6, Generation.tokensPerWake(12));
    assertEquals(8, Generation.tokensPerWake(16));
    assertEquals(8, Generation.tokensPerWake(64));
  }

  @Test
  void aFastStreamIsWokenEveryFewTokens() {
    assertFalse(Generation.wakeFor(3, 1, 3 * FAST_STEP, FAST_STEP));
    assertTrue(Generation.wakeFor(4, 1, 4 * FAST_STEP, FAST_STEP));
    assertFalse(Generation.wakeFor(7, 16, 7 * 200_000, 200_000)); // 16 rows at 0.2 ms a step: 1.4 ms held
    assertTrue(Generation.wakeFor(8, 16, 8 * 200_000, 200_000));
  }

  @Test
  void noTokenWaitsForAStepThatWouldHoldItTooLong() {
    // a large model: 5 ms steps, so even the first waiting token goes out at once
    assertTrue(Generation.wakeFor(1, 1, 0, 5_000_000));
    // 64 rows at 0.9 ms a step: the third token would be held past the bound if it waited for the next step
    assertFalse(Generation.wakeFor(1, 64, 0, 900_000));
    assertTrue(Generation.wakeFor(2, 64, 1_200_000, 900_000));
  }
}
