package dev.rnn4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * When a streaming handler is woken: after a few tokens (more with more rows), or before a token would wait too long.
 */
class StreamWakeTest {
  private static final long FAST_STEP = Generation.MAX_HOLD_NANOS / 32; // far below the bound

  @Test
  void tokensPerWakeIsHalfTheRowsWithinBounds() {
    assertEquals(4, Generation.tokensPerWake(1));
    assertEquals(4, Generation.tokensPerWake(9));
    assertEquals(6, Generation.tokensPerWake(12));
    assertEquals(8, Generation.tokensPerWake(16));
    assertEquals(32, Generation.tokensPerWake(64));
    assertEquals(32, Generation.tokensPerWake(256));
  }

  @Test
  void aFastStreamIsWokenEveryFewTokens() {
    assertFalse(Generation.wakeFor(3, 1, 3 * FAST_STEP, FAST_STEP));
    assertTrue(Generation.wakeFor(4, 1, 4 * FAST_STEP, FAST_STEP));
    long step16 = Generation.MAX_HOLD_NANOS / 10; // eight such steps stay within the bound
    assertFalse(Generation.wakeFor(7, 16, 7 * step16, step16));
    assertTrue(Generation.wakeFor(8, 16, 8 * step16, step16));
  }

  @Test
  void noTokenWaitsForAStepThatWouldHoldItTooLong() {
    // steps longer than the bound (a large model's): even the first waiting token goes out at once
    assertTrue(Generation.wakeFor(1, 1, 0, Generation.MAX_HOLD_NANOS + 1));
    // steps of almost half the bound: one token may wait for the next step, a second one held that long may not
    long step = Generation.MAX_HOLD_NANOS * 9 / 20;
    assertFalse(Generation.wakeFor(1, 64, 0, step));
    assertTrue(Generation.wakeFor(2, 64, step + step / 3, step));
  }
}
