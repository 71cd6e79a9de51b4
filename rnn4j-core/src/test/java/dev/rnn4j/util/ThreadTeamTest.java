package dev.rnn4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.runtime.RuntimeSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link ThreadTeam}: every index exactly once, exceptions reach the caller, nested and concurrent calls, which team
 * a thread runs on, and helpers that park when idle and end when the team is closed.
 */
class ThreadTeamTest {
  private static void coverOnce(ThreadTeam team, int lo, int hi, int minChunk) {
    AtomicIntegerArray seen = new AtomicIntegerArray(hi + 1);
    team.forRange(lo, hi, minChunk, (a, b) -> {
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
      try (ThreadTeam team = new ThreadTeam(t)) {
        for (int rep = 0; rep < 200; rep++) { // many hand-offs back to back: spinning and parked helpers
          coverOnce(team, 3, 3 + rep % 37 + 1, 1);
        }
        coverOnce(team, 0, 1000, 7);
        coverOnce(team, 5, 5, 1);
      }
    }
  }

  @Test
  void exceptionsFromAnyChunkReachTheCaller() {
    try (ThreadTeam team = new ThreadTeam(2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> team.forRange(0, 10, 1, (a, b) -> {
            if (a > 0) {
              throw new IllegalArgumentException("helper chunk " + a);
            }
          }));
      // 2 threads, 2 chunks each: [0,2) [2,5) [5,7) [7,10); the lowest failing chunk is reported, whoever ran it
      assertEquals("helper chunk 2", e.getMessage());
      assertThrows(AssertionError.class, () -> team.forRange(0, 10, 1, (a, b) -> {
        throw new AssertionError("caller chunk");
      }));
      coverOnce(team, 0, 100, 1); // still usable afterwards
    }
    assertThrows(IllegalArgumentException.class, () -> new ThreadTeam(0));
  }

  @Test
  void chunkBoundsDependOnlyOnTheRangeTheMinimumAndTheThreadCount() {
    try (ThreadTeam team = new ThreadTeam(2)) {
      for (int rep = 0; rep < 50; rep++) {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        team.forRange(3, 103, 10, (a, b) -> seen.add(a + ".." + b));
        assertEquals(Set.of("3..28", "28..53", "53..78", "78..103"), seen);
        Set<String> few = ConcurrentHashMap.newKeySet();
        team.forRange(0, 25, 10, (a, b) -> few.add(a + ".." + b)); // only two chunks of at least 10
        assertEquals(Set.of("0..12", "12..25"), few);
      }
    }
  }

  @Test
  void aThreadRunsOnTheTeamItUsesAndHelpersOnTheirOwn() throws Exception {
    ThreadTeam runtimes = ThreadTeam.current();
    assertEquals(RuntimeSettings.current().threads(), runtimes.threads(), "the runtime's team");
    try (ThreadTeam a = new ThreadTeam(2); ThreadTeam b = new ThreadTeam(3)) {
      try (ThreadTeam.Scope sa = a.use()) {
        assertSame(a, ThreadTeam.current());
        try (ThreadTeam.Scope sb = b.use()) {
          assertSame(b, ThreadTeam.current(), "scopes nest");
          Set<ThreadTeam> insideChunks = ConcurrentHashMap.newKeySet();
          for (int rep = 0; rep < 20; rep++) {
            b.forRange(0, 6, 1, (lo, hi) -> insideChunks.add(ThreadTeam.current()));
          }
          assertEquals(Set.of(b), insideChunks, "a nested range runs on the team of the range around it");
        }
        assertSame(a, ThreadTeam.current(), "closing a scope gives back the team before it");
        ThreadTeam.Scope[] other = new ThreadTeam.Scope[1];
        Thread t = new Thread(() -> other[0] = b.use()); // another thread's scope: not this thread's team
        t.start();
        t.join();
        assertSame(a, ThreadTeam.current());
        assertThrows(IllegalStateException.class, () -> other[0].close(), "closed on another thread");
      }
      assertSame(runtimes, ThreadTeam.current());
      ThreadTeam.Scope outer = a.use();
      ThreadTeam.Scope inner = b.use();
      assertThrows(IllegalStateException.class, outer::close, "scopes close innermost first");
      inner.close();
      outer.close();
      assertSame(runtimes, ThreadTeam.current());
    }
  }

  /** Helpers park once idle (no CPU while nothing runs), end when the team closes, and a closed team still computes. */
  @Test
  void idleHelpersParkAndClosingEndsThem() throws Exception {
    ThreadTeam team = new ThreadTeam(3);
    assertEquals(List.of(), team.helperStates(), "no helper before the first range");
    coverOnce(team, 0, 100, 1);
    assertEquals(2, team.helperStates().size());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!team.helperStates().stream().allMatch(s -> s == Thread.State.WAITING)) {
      assertTrue(System.nanoTime() < deadline, "helpers still not parked 10 s after the range: " + team.helperStates());
      Thread.sleep(1);
    }
    coverOnce(team, 0, 100, 1); // parked helpers wake for the next range
    team.close();
    deadline = System.nanoTime() + 10_000_000_000L;
    while (!team.helperStates().stream().allMatch(s -> s == Thread.State.TERMINATED)) {
      assertTrue(System.nanoTime() < deadline, "helpers still alive 10 s after close: " + team.helperStates());
      Thread.sleep(1);
    }
    coverOnce(team, 0, 100, 1); // on the calling thread, same chunks
    ThreadTeam.current().close(); // the runtime's team serves the process: closing it does nothing
    coverOnce(ThreadTeam.current(), 0, 100, 1);
  }

  @Test
  void nestedAndConcurrentRangesStillCoverEverything() throws Exception {
    try (ThreadTeam team = new ThreadTeam(2)) {
      AtomicIntegerArray seen = new AtomicIntegerArray(100);
      team.forRange(0, 10, 1, (a, b) -> {
        for (int i = a; i < b; i++) {
          int row = i;
          ThreadTeam.current().forRange(0, 10, 1, (c, d) -> {
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
              coverOnce(team, 0, 50, 1);
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
  }

  /**
   * A float sum whose rounding depends on the chunk boundaries: each chunk sums its elements in order, then the
   * chunks' sums are added in chunk order.
   */
  private static float chunkedSum(ThreadTeam team, float[] v) {
    float[] partial = new float[v.length];
    boolean[] start = new boolean[v.length];
    team.forRange(0, v.length, 1, (lo, hi) -> {
      float s = 0;
      for (int i = lo; i < hi; i++) {
        s += v[i];
      }
      partial[lo] = s;
      start[lo] = true;
    });
    float total = 0;
    for (int i = 0; i < v.length; i++) {
      if (start[i]) {
        total += partial[i];
      }
    }
    return total;
  }

  /**
   * Eight threads calling at once on a team of two, each with nested ranges: every call finishes (no thread waits for
   * another's range), covers its range exactly once, and gives the bits one caller alone gets.
   */
  @Test
  void eightCallersAtOnceEachMakeProgressAndGetOneCallersBits() {
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      try (ThreadTeam team = new ThreadTeam(2)) {
        float[] v = new float[1001];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
        }
        float alone = chunkedSum(team, v);
        float serial = 0;
        for (float x : v) {
          serial += x;
        }
        assertTrue(alone != serial, "the test sum must depend on the chunks, or it proves nothing");
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> callers = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
          Thread c = new Thread(() -> {
            try (ThreadTeam.Scope s = team.use()) {
              go.await();
              for (int rep = 0; rep < 200; rep++) {
                AtomicIntegerArray seen = new AtomicIntegerArray(64);
                ThreadTeam.current().forRange(0, 8, 1, (a, b) -> {
                  for (int i = a; i < b; i++) {
                    int row = i;
                    ThreadTeam.current().forRange(0, 8, 1, (cc, d) -> {
                      for (int j = cc; j < d; j++) {
                        seen.incrementAndGet(row * 8 + j);
                      }
                    });
                  }
                });
                for (int i = 0; i < 64; i++) {
                  assertEquals(1, seen.get(i), "index " + i);
                }
                float got = chunkedSum(ThreadTeam.current(), v);
                assertEquals(Float.floatToIntBits(alone), Float.floatToIntBits(got), "sum " + got + " vs " + alone);
              }
              done.incrementAndGet();
            } catch (Throwable e) {
              failed.set(e);
            }
          });
          c.start();
          callers.add(c);
        }
        go.countDown();
        for (Thread c : callers) {
          c.join();
        }
        assertEquals(null, failed.get());
        assertEquals(8, done.get(), "every caller finished");
      }
    });
  }
}
