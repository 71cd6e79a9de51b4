package dev.rnn4j.util;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one place rnn4j runs work on several threads. Ranges are split into equal, deterministic chunks (the same
 * thread count always gives the same split, so results reproduce), and small ranges run on the calling thread: RNN
 * matrices are small and a thread hand-off costs microseconds.
 *
 * <p>The thread count comes from {@code -Drnn4j.threads=N} (default: the available processors) and can be set once
 * at start-up with {@link #setThreads(int)} (the CLI's {@code --threads}).
 *
 * <p>The helpers are {@code threads - 1} daemon threads that, after each chunk, spin for a short while
 * ({@link #SPIN_NANOS}) waiting for the next one before they park: a recurrent layer splits two or three products
 * per time step, and handing work to a parked thread through an executor measured 42 us per split (empty body) on
 * the 2-core build machine, a large part of a 100-300 us step. A range started while the helpers are busy (a nested
 * or a concurrent call) runs its chunks one after another on the calling thread, with the same chunk boundaries.
 * Spinning threads yield every few microseconds: on a machine shared with other processes, a spinner holding the
 * core its partner needs made 2 threads 1.5-3x slower than 1 (seed_lstm_packed_fwd, load 3.5 on 2 cores).
 */
public final class Parallel {
  /** How long an idle helper polls for the next chunk before it parks. */
  static final long SPIN_NANOS = 200_000;

  private static volatile int threads =
      Integer.getInteger("rnn4j.threads", Runtime.getRuntime().availableProcessors());
  private static volatile Team team;

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
      Team old = team;
      team = null;
      if (old != null) {
        old.stop();
      }
    }
  }

  private static synchronized Team team() {
    Team t = team;
    if (t == null || t.helpers.length != threads - 1) {
      if (t != null) {
        t.stop();
      }
      t = new Team(threads - 1);
      team = t;
    }
    return t;
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
    Team t = team();
    if (t.helpers.length < chunks - 1 || t.lock.isHeldByCurrentThread() || !t.lock.tryLock()) {
      for (int c = 0; c < chunks; c++) { // helpers busy: the same chunks, in order, here
        body.run(lo + (int) ((long) n * c / chunks), lo + (int) ((long) n * (c + 1) / chunks));
      }
      return;
    }
    try {
      for (int c = 1; c < chunks; c++) {
        int a = lo + (int) ((long) n * c / chunks);
        int b = lo + (int) ((long) n * (c + 1) / chunks);
        t.helpers[c - 1].submit(() -> body.run(a, b));
      }
      Throwable first = null;
      try {
        body.run(lo, lo + n / chunks);
      } catch (RuntimeException | Error e) {
        first = e;
      }
      for (int c = 1; c < chunks; c++) {
        Throwable e = t.helpers[c - 1].await();
        if (first == null) {
          first = e;
        }
      }
      if (first instanceof RuntimeException re) {
        throw re;
      }
      if (first instanceof Error er) {
        throw er;
      }
      if (first != null) {
        throw new IllegalStateException(first);
      }
    } finally {
      t.lock.unlock();
    }
  }

  /** The helper threads; one range at a time holds {@link #lock}. */
  private static final class Team {
    private static final AtomicInteger IDS = new AtomicInteger();
    final Helper[] helpers;
    final ReentrantLock lock = new ReentrantLock();

    Team(int n) {
      helpers = new Helper[n];
      for (int i = 0; i < n; i++) {
        helpers[i] = new Helper("rnn4j-worker-" + IDS.incrementAndGet());
        helpers[i].start();
      }
    }

    void stop() {
      for (Helper h : helpers) {
        h.stopping = true;
        LockSupport.unpark(h);
      }
    }
  }

  private static final class Helper extends Thread {
    private volatile Runnable task; // set by the caller, cleared by the helper before it reports done
    private volatile boolean busy; // from submit until the task has run
    private volatile Throwable failure;
    private volatile boolean stopping;

    Helper(String name) {
      super(name);
      setDaemon(true);
    }

    void submit(Runnable r) {
      failure = null;
      busy = true;
      task = r;
      LockSupport.unpark(this);
    }

    /** Waits until the submitted task has run; returns what it threw, or null. */
    Throwable await() {
      long spinUntil = System.nanoTime() + SPIN_NANOS;
      for (int spins = 1; busy; spins++) {
        if (System.nanoTime() >= spinUntil) {
          LockSupport.parkNanos(20_000);
        } else if ((spins & 63) == 0) {
          Thread.yield(); // the helper may be waiting for this core (other processes hold the rest)
        } else {
          Thread.onSpinWait();
        }
      }
      return failure;
    }

    @Override
    public void run() {
      while (!stopping) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        Runnable r;
        for (int spins = 1; (r = task) == null && !stopping; spins++) {
          if (System.nanoTime() >= spinUntil) {
            LockSupport.park(this);
          } else if ((spins & 63) == 0) {
            Thread.yield(); // let the caller have this core if it shares it
          } else {
            Thread.onSpinWait();
          }
        }
        if (r == null) {
          return;
        }
        try {
          r.run();
        } catch (Throwable e) {
          failure = e;
        }
        task = null;
        busy = false; // publishes the task's writes to the waiting caller
      }
    }
  }
}
