package dev.rnn4j.util;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place rnn4j runs work on several threads. Ranges are split into equal, deterministic chunks (the same
 * thread count always gives the same split, so results reproduce), and small ranges run on the calling thread: RNN
 * matrices are small and a thread hand-off costs microseconds.
 *
 * <p>The thread count comes from {@code -Drnn4j.threads=N} (default: the available processors) and can be set once
 * at start-up with {@link #setThreads(int)} (the CLI's {@code --threads}).
 */
public final class Parallel {
  private static volatile int threads =
      Integer.getInteger("rnn4j.threads", Runtime.getRuntime().availableProcessors());
  private static volatile ExecutorService pool;

  private Parallel() {}

  /** A body over the half-open range {@code [lo, hi)}. */
  @FunctionalInterface
  public interface RangeBody {
    void run(int lo, int hi);
  }

  /** Threads used by {@link #forRange}. */
  public static int threads() {
    return threads;
  }

  /** Sets the thread count (at least 1); takes effect for the next parallel range. */
  public static synchronized void setThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + n);
    }
    if (n != threads) {
      threads = n;
      if (pool != null) {
        pool.shutdown();
        pool = null;
      }
    }
  }

  private static synchronized ExecutorService pool() {
    if (pool == null) {
      AtomicInteger id = new AtomicInteger();
      pool =
          Executors.newFixedThreadPool(
              Math.max(threads - 1, 1),
              r -> {
                Thread t = new Thread(r, "rnn4j-worker-" + id.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }
    return pool;
  }

  /**
   * Runs {@code body} over {@code [lo, hi)} split into at most {@link #threads()} chunks of at least
   * {@code minChunk} elements; the caller runs the first chunk. Serial when only one chunk results.
   */
  public static void forRange(int lo, int hi, int minChunk, RangeBody body) {
    int n = hi - lo;
    if (n <= 0) {
      return;
    }
    int chunks = Math.min(threads, Math.max(1, n / Math.max(minChunk, 1)));
    if (chunks <= 1) {
      body.run(lo, hi);
      return;
    }
    ExecutorService ex = pool();
    @SuppressWarnings("unchecked")
    Future<?>[] futures = new Future<?>[chunks - 1];
    for (int c = 1; c < chunks; c++) {
      int a = lo + (int) ((long) n * c / chunks);
      int b = lo + (int) ((long) n * (c + 1) / chunks);
      futures[c - 1] = ex.submit(() -> body.run(a, b));
    }
    RuntimeException first = null;
    try {
      body.run(lo, lo + n / chunks);
    } catch (RuntimeException e) {
      first = e;
    }
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a parallel range", e);
      } catch (java.util.concurrent.ExecutionException e) {
        if (first == null) {
          first =
              e.getCause() instanceof RuntimeException re
                  ? re
                  : new IllegalStateException(e.getCause());
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
