package dev.rnn4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Parallel#forRange}: every index exactly once, exceptions reach the caller, nested and concurrent calls. */
class ParallelTest {
  private final int before = Parallel.threads();

  @AfterEach
  void restore() {
    Parallel.setThreads(before);
  }

  private static void coverOnce(int lo, int hi, int minChunk) {
    AtomicIntegerArray seen = new AtomicIntegerArray(hi + 1);
    Parallel.forRange(lo, hi, minChunk, (a, b) -> {
      for (int i = a; i < b; i++) {
        seen.incrementAndGet(i);
      }
    });
    for (int i = 0; i <= hi; i++) {
      assertEquals(i >= lo && i < hi ? 1 : 0, seen.get(i), "index " + i + " of [" + lo + ", " + hi + ")");
    }
  }

  @Test
  void everyIndexExactlyOnceForEveryThreadCount() {
    for (int t : new int[] {1, 2, 3, 4}) {
      Parallel.setThreads(t);
      for (int rep = 0; rep < 200; rep++) { // many hand-offs back to back: spinning and parked helpers
        coverOnce(3, 3 + rep % 37 + 1, 1);
      }
      coverOnce(0, 1000, 7);
      coverOnce(5, 5, 1);
    }
  }

  @Test
  void exceptionsFromAnyChunkReachTheCaller() {
    Parallel.setThreads(2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Parallel.forRange(0, 10, 1, (a, b) -> {
          if (a > 0) {
            throw new IllegalArgumentException("helper chunk " + a);
          }
        }));
    // 2 threads, 2 chunks each: [0,2) [2,5) [5,7) [7,10); the lowest failing chunk is reported, whoever ran it
    assertEquals("helper chunk 2", e.getMessage());
    assertThrows(AssertionError.class, () -> Parallel.forRange(0, 10, 1, (a, b) -> {
      throw new AssertionError("caller chunk");
    }));
    coverOnce(0, 100, 1); // still usable afterwards
  }

  @Test
  void chunkBoundsDependOnlyOnTheRangeTheMinimumAndTheThreadCount() {
    Parallel.setThreads(2);
    for (int rep = 0; rep < 50; rep++) {
      java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
      Parallel.forRange(3, 103, 10, (a, b) -> seen.add(a + ".." + b));
      assertEquals(java.util.Set.of("3..28", "28..53", "53..78", "78..103"), seen);
      java.util.Set<String> few = java.util.concurrent.ConcurrentHashMap.newKeySet();
      Parallel.forRange(0, 25, 10, (a, b) -> few.add(a + ".." + b)); // only two chunks of at least 10
      assertEquals(java.util.Set.of("0..12", "12..25"), few);
    }
  }

  @Test
  void nestedAndConcurrentRangesStillCoverEverything() throws Exception {
    Parallel.setThreads(2);
    AtomicIntegerArray seen = new AtomicIntegerArray(100);
    Parallel.forRange(0, 10, 1, (a, b) -> {
      for (int i = a; i < b; i++) {
        int row = i;
        Parallel.forRange(0, 10, 1, (c, d) -> {
          for (int j = c; j < d; j++) {
            seen.incrementAndGet(row * 10 + j);
          }
        });
      }
    });
    for (int i = 0; i < 100; i++) {
      assertEquals(1, seen.get(i), "nested index " + i);
    }
    Thread[] callers = new Thread[3];
    Throwable[] failed = new Throwable[1];
    for (int k = 0; k < callers.length; k++) {
      callers[k] = new Thread(() -> {
        try {
          for (int rep = 0; rep < 300; rep++) {
            coverOnce(0, 50, 1);
          }
        } catch (Throwable e) {
          failed[0] = e;
        }
      });
      callers[k].start();
    }
    for (Thread c : callers) {
      c.join(60_000); // a deadlocked team fails here instead of hanging the build
      assertFalse(c.isAlive(), c.getName() + " still runs after 60 s: the thread team is stuck");
    }
    assertEquals(null, failed[0]);
  }

  /**
   * Eight threads calling at once, each with nested ranges, on a team of two: every call finishes (no thread waits
   * for another's range) and covers its range exactly once.
   */
  @Test
  void eightCallersAtOnceEachMakeProgress() {
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
      Parallel.setThreads(2);
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
      Thread[] callers = new Thread[8];
      for (int k = 0; k < callers.length; k++) {
        callers[k] = new Thread(() -> {
          try {
            go.await();
            for (int rep = 0; rep < 200; rep++) {
              AtomicIntegerArray seen = new AtomicIntegerArray(64);
              Parallel.forRange(0, 8, 1, (a, b) -> {
                for (int i = a; i < b; i++) {
                  int row = i;
                  Parallel.forRange(0, 8, 1, (c, d) -> {
                    for (int j = c; j < d; j++) {
                      seen.incrementAndGet(row * 8 + j);
                    }
                  });
                }
              });
              for (int i = 0; i < 64; i++) {
                assertEquals(1, seen.get(i), "index " + i);
              }
            }
            done.incrementAndGet();
          } catch (Throwable e) {
            failed.set(e);
          }
        });
        callers[k].start();
      }
      go.countDown();
      for (Thread c : callers) {
        c.join();
      }
      assertEquals(null, failed.get());
      assertEquals(8, done.get(), "every caller finished");
    });
  }
}
