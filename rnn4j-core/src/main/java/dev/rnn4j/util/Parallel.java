package dev.rnn4j.util;

import dev.rnn4j.runtime.RuntimeSettings;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one place rnn4j runs work on several threads: the runtime's thread team. Ranges are split into equal,
 * deterministic chunks (the same thread count always gives the same split, so results reproduce), and small ranges
 * run on the calling thread: RNN matrices are small and a thread hand-off costs microseconds.
 *
 * <p>The team has {@code threads - 1} helpers; the thread count comes from {@link RuntimeSettings#threads()} and can
 * be changed with {@link #setThreads(int)} (the CLI's {@code --threads}, tests), which replaces the team.
 *
 * <p><b>What runs in parallel, what waits.</b> One range at a time has the team: its chunks are claimed from a shared
 * counter by the calling thread and the helpers, so the caller never waits for a helper that has not woken yet, and
 * returns when every chunk is done. A range started while the team is busy (a nested range, or another thread's
 * call) does not wait for it: it runs its chunks one after another on its own calling thread, with the same chunk
 * boundaries, so the same bits. Any number of threads may call at once; each makes progress on its own thread, none
 * waits for another's range, and there is no lock order to deadlock on.
 *
 * <p><b>Idle threads.</b> The helpers are daemon threads. After a range a helper spins for {@link #SPIN_NANOS}
 * waiting for the next one (a recurrent layer splits two or three products per time step, and waking a parked thread
 * costs far more than a spinning one takes to notice), yielding every few microseconds so it does not hold a core a
 * busy caller needs; then it parks until the next range. A process that has stopped computing uses no CPU for rnn4j
 * after that.
 */
public final class Parallel {
  /** How long an idle helper polls for the next chunk before it parks. */
  static final long SPIN_NANOS = 200_000;

  /** Chunks per thread (when the range allows): a late helper still finds work, and chunk sizes even out. */
  private static final int CHUNKS_PER_THREAD = 2;

  /** How long a caller waiting for helpers' chunks parks between checks once it has spun {@link #SPIN_NANOS}. */
  private static final long AWAIT_PARK_NANOS = 20_000;

  private static volatile int threads = RuntimeSettings.current().threads();
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
   * {@code minChunk} elements. Serial when only one chunk results. The chunks are fixed by the range, the minimum
   * and the thread count; which thread runs which chunk is not: the caller and the helpers claim them in turn, so a
   * helper that is slow to wake leaves its chunk to the caller instead of holding it up.
   */
  public static void forRange(int lo, int hi, int minChunk, RangeBody body) {
    int n = hi - lo;
    if (n <= 0) {
      return;
    }
    int chunks = Math.min(CHUNKS_PER_THREAD * threads, Math.max(1, n / Math.max(minChunk, 1)));
    if (chunks <= 1 || threads == 1) {
      body.run(lo, hi);
      return;
    }
    Team t = team();
    if (t.lock.isHeldByCurrentThread() || !t.lock.tryLock()) {
      for (int c = 0; c < chunks; c++) { // helpers busy: the same chunks, in order, here
        body.run(bound(lo, n, chunks, c), bound(lo, n, chunks, c + 1));
      }
      return;
    }
    try {
      Job job = new Job(body, lo, n, chunks);
      for (int h = 0; h < Math.min(t.helpers.length, chunks - 1); h++) {
        t.helpers[h].offer(job);
      }
      job.work();
      job.awaitDone();
      Throwable first = job.firstFailure();
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

  private static int bound(int lo, int n, int chunks, int c) {
    return lo + (int) ((long) n * c / chunks);
  }

  /** One range being run: chunks are claimed from {@link #next}; {@link #done} counts the finished ones. */
  private static final class Job {
    final RangeBody body;
    final int lo;
    final int n;
    final int chunks;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    final Throwable[] failures; // by chunk, so the caller reports the lowest failing chunk whoever ran it

    Job(RangeBody body, int lo, int n, int chunks) {
      this.body = body;
      this.lo = lo;
      this.n = n;
      this.chunks = chunks;
      this.failures = new Throwable[chunks];
    }

    /** Claims and runs chunks until none are left. */
    void work() {
      for (int c; (c = next.getAndIncrement()) < chunks; ) {
        try {
          body.run(bound(lo, n, chunks, c), bound(lo, n, chunks, c + 1));
        } catch (Throwable e) {
          failures[c] = e;
        }
        done.incrementAndGet(); // publishes the chunk's writes (and failure) to the caller
      }
    }

    /** Waits for chunks claimed by helpers to finish (the caller has claimed or run everything else). */
    void awaitDone() {
      long spinUntil = System.nanoTime() + SPIN_NANOS;
      for (int spins = 1; done.get() < chunks; spins++) {
        if (System.nanoTime() >= spinUntil) {
          LockSupport.parkNanos(AWAIT_PARK_NANOS);
        } else if ((spins & 63) == 0) {
          Thread.yield(); // the helper may be waiting for this core (other processes hold the rest)
        } else {
          Thread.onSpinWait();
        }
      }
    }

    Throwable firstFailure() {
      for (Throwable f : failures) {
        if (f != null) {
          return f;
        }
      }
      return null;
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
    /** The latest job offered; the helper clears it once taken, so nothing outlives the range. */
    private final AtomicReference<Job> offered = new AtomicReference<>();
    private volatile boolean parked;
    private volatile boolean stopping;

    Helper(String name) {
      super(name);
      setDaemon(true);
    }

    void offer(Job job) {
      offered.set(job);
      if (parked) {
        LockSupport.unpark(this);
      }
    }

    @Override
    public void run() {
      while (!stopping) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        Job job;
        for (int spins = 1; (job = offered.getAndSet(null)) == null && !stopping; spins++) {
          if (System.nanoTime() >= spinUntil) {
            parked = true;
            if (offered.get() == null && !stopping) { // re-check after announcing: an offer may have just missed it
              LockSupport.park(this);
            }
            parked = false;
          } else if ((spins & 63) == 0) {
            Thread.yield(); // let the caller have this core if it shares it
          } else {
            Thread.onSpinWait();
          }
        }
        if (job != null) {
          job.work(); // a job whose chunks are all claimed already returns at once
        }
      }
    }
  }
}
