package dev.rnn4j.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WarmupTest {
  @Test
  void withoutAQuietPeriodItStopsAtTheMinimumCalls() {
    AtomicInteger n = new AtomicInteger();
    Warmup.Result r = Warmup.run(n::incrementAndGet, 7, 0, 0, 10);
    assertEquals(7, r.calls());
    assertEquals(7, n.get());
    assertNull(r.jitQuiet(), "no quiet period was asked for");
  }

  @Test
  void itRunsForTheMinimumTimeEvenWhenTheCallsAreDone() {
    Warmup.Result r = Warmup.run(() -> { }, 1, 0.2, 0, 10);
    assertTrue(r.seconds() >= 0.2, "ran " + r.seconds() + " s");
    assertTrue(r.calls() > 1, "kept calling during the minimum time: " + r.calls());
  }

  @Test
  void aCompilerThatNeverSettlesStopsAtTheCap() {
    // A quiet period longer than the cap cannot be met: the warm-up ends at the cap and says so.
    Warmup.Result r = Warmup.run(() -> { }, 2, 0, 1000, 0.3);
    assertTrue(r.seconds() >= 0.3 && r.seconds() < 30, "ran " + r.seconds() + " s");
    if (ManagementFactory.getCompilationMXBean().isCompilationTimeMonitoringSupported()) {
      assertFalse(r.jitQuiet());
    }
  }

  @Test
  void aShortQuietPeriodIsMetOnceTheStepIsCompiled() {
    double[] sink = new double[1];
    Warmup.Result r = Warmup.run(() -> {
      for (int i = 0; i < 1000; i++) {
        sink[0] += Math.sqrt(i);
      }
    }, 3, 0, 0.05, 30);
    assertTrue(r.calls() >= 3);
    if (ManagementFactory.getCompilationMXBean().isCompilationTimeMonitoringSupported()) {
      assertTrue(r.jitQuiet(), "the JIT should settle within 30 s on a loop this small: " + r);
    }
  }

  @Test
  void badArgumentsNameWhatWasExpected() {
    var e = assertThrows(IllegalArgumentException.class, () -> Warmup.run(() -> { }, -1, 0, 0, 1));
    assertTrue(e.getMessage().contains("minCalls >= 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Warmup.run(() -> { }, 1, 2, 0, 1));
    assertTrue(e.getMessage().contains("maxSeconds >= minSeconds"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Warmup.run(() -> { }, 1, 0, Double.NaN, 1));
  }
}
