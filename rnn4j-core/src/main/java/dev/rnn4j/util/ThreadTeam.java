package dev.rnn4j.util;

import dev.rnn4j.runtime.RuntimeSettings;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A team of threads that runs rnn4j's parallel loops: the one place rnn4j computes on more than one thread. Ranges
 * are split into equal, deterministic chunks (the same thread count always gives the same split, so results
 * reproduce), and small ranges run on the calling thread: RNN matrices are small and a hand-off costs microseconds.
 *
 * <p><b>Which team runs a range.</b> {@link #current()}: the team the calling thread runs inside ({@link #use()}), a
 * helper's own team when the range is nested in one of its chunks, or else the runtime's team, made once, at first use,
 * with {@link RuntimeSettings#threads()} of {@link RuntimeSettings#current()} threads and never changed. A program
 * that wants another count sets {@code rnn4j.threads} or installs settings with that count before its first
 * computation; code on the class path (the CLI's {@code --threads}, tests, benchmarks) may also build its own team and
 * run some calls inside {@code try (ThreadTeam.Scope s = team.use()) { ... }}. Nothing changes a team once made.
 *
 * <p><b>What runs in parallel, what waits.</b> A team of {@code n} threads has {@code n - 1} helpers and runs one range
 * at a time: the calling thread and the helpers claim that range's chunks from a shared counter, so the caller never
 * waits for a helper that has not woken yet, and returns when every chunk is done. A range started while the team is
 * busy (a nested range, or another thread's call) does not wait for it: it runs its chunks one after another on its
 * own calling thread, with the same chunk boundaries, so the same bits. Any number of threads may call at once; each
 * makes progress on its own thread, none waits for another's range, and there is no lock order to deadlock on.
 * Different teams are independent of each other.
 *
 * <p><b>Idle threads.</b> Helpers are daemon threads, started at the first range that needs them. After a range a
 * helper polls for {@link #SPIN_NANOS} for the next one (a recurrent layer splits two or three products per time step,
 * and waking a parked thread costs far more than a polling one takes to notice), yielding every few microseconds so it
 * does not hold a core a busy caller needs; then it parks until the next range. A process that has stopped computing
 * runs no rnn4j thread after that. {@link #close()} ends a team's helpers (the runtime's team lives as long as the
 * process).
 */
public final class ThreadTeam implements AutoCloseable {
  /** How long an idle helper polls for the next chunk before it parks. */
  static final long SPIN_NANOS = 200_000;

  /** Chunks per thread (when the range allows): a late helper still finds work, and chunk sizes even out. */
  private static final int CHUNKS_PER_THREAD = 2;

  /** How long a caller waiting for helpers' chunks parks between checks once it has spun {@link #SPIN_NANOS}. */
  private static final long AWAIT_PARK_NANOS = 20_000;

  private static final AtomicInteger IDS = new AtomicInteger();

  /** The team a thread runs inside ({@link #use()}), or null for the runtime's. */
  private static final ThreadLocal<ThreadTeam> BOUND = new ThreadLocal<>();

  private final int threads;
  private final boolean runtimes;
  private final ReentrantLock lock = new ReentrantLock(); // held by the range that has the helpers
  private volatile Helper[] helpers; // started at the first range that needs them, under lock
  private volatile boolean closed;

  /**
   * A team of {@code threads} threads: the calling thread and {@code threads - 1} helpers.
   *
   * @throws IllegalArgumentException when {@code threads < 1}
   */
  public ThreadTeam(int threads) {
    this(threads, false);
  }

  private ThreadTeam(int threads, boolean runtimes) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.threads = threads;
    this.runtimes = runtimes;
  }

  /** The runtime's team, made once from {@link RuntimeSettings#current()}. */
  private static final class Runtime {
    static final ThreadTeam TEAM = new ThreadTeam(RuntimeSettings.current().threads(), true);
  }

  /**
   * The team that runs the calling thread's ranges: the one it runs inside ({@link #use()}), else, on a helper, the
   * helper's own team, else the runtime's.
   */
  public static ThreadTeam current() {
    ThreadTeam bound = BOUND.get();
    if (bound != null) {
      return bound;
    }
    return Thread.currentThread() instanceof Helper h ? h.team : Runtime.TEAM;
  }

  /** The thread count, the caller included. */
  public int threads() {
    return threads;
  }

  /**
   * Makes this the calling thread's team ({@link #current()}) until the returned scope is closed, on the same thread.
   * Scopes nest.
   */
  public Scope use() {
    Scope s = new Scope(this, BOUND.get());
    BOUND.set(this);
    return s;
  }

  /** A {@link #use()} of a team by one thread; closing it gives the thread back the team it had before. */
  public static final class Scope implements AutoCloseable {
    private final ThreadTeam team;
    private final ThreadTeam previous;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private Scope(ThreadTeam team, ThreadTeam previous) {
      this.team = team;
      this.previous = previous;
    }

    @Override
    public void close() {
      if (Thread.currentThread() != owner) {
        throw new IllegalStateException("a thread team's scope must be closed on the thread that opened it ("
            + owner.getName() + "), got " + Thread.currentThread().getName());
      }
      if (closed) {
        return;
      }
      if (BOUND.get() != team) {
        throw new IllegalStateException("thread team scopes must be closed innermost first");
      }
      closed = true;
      if (previous == null) {
        BOUND.remove();
      } else {
        BOUND.set(previous);
      }
    }
  }

  /** A body over the half-open range {@code [lo, hi)}. */
  @FunctionalInterface
  public interface RangeBody {
    /** Runs the chunk {@code [lo, hi)}. */
    void run(int lo, int hi);
  }

  /**
   * Runs {@code body} over {@code [lo, hi)} split into at most {@code 2 * threads()} chunks of at least
   * {@code minChunk} elements. Serial when only one chunk results. The chunks are fixed by the range, the minimum
   * and the thread count; which thread runs which chunk is not: the caller and the helpers claim them in turn, so a
   * helper that is slow to wake leaves its chunk to the caller instead of holding it up. An exception from a chunk
   * reaches the caller (the one of the lowest failing chunk) once every chunk has ended.
   */
  public void forRange(int lo, int hi, int minChunk, RangeBody body) {
    int n = hi - lo;
    if (n <= 0) {
      return;
    }
    int chunks = Math.min(CHUNKS_PER_THREAD * threads, Math.max(1, n / Math.max(minChunk, 1)));
    if (chunks <= 1 || threads == 1) {
      body.run(lo, hi);
      return;
    }
    if (closed || lock.isHeldByCurrentThread() || !lock.tryLock()) {
      for (int c = 0; c < chunks; c++) { // helpers busy (or gone): the same chunks, in order, here
        body.run(bound(lo, n, chunks, c), bound(lo, n, chunks, c + 1));
      }
      return;
    }
    try {
      Helper[] team = helpers();
      Job job = new Job(body, lo, n, chunks);
      for (int h = 0; h < Math.min(team.length, chunks - 1); h++) {
        team[h].offer(job);
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
      lock.unlock();
    }
  }

  /** The helpers, started now if this is the first range that needs them; called with {@link #lock} held. */
  private Helper[] helpers() {
    Helper[] h = helpers;
    if (h == null) {
      h = new Helper[threads - 1];
      for (int i = 0; i < h.length; i++) {
        h[i] = new Helper(this, "rnn4j-worker-" + IDS.incrementAndGet());
        h[i].start();
      }
      helpers = h;
    }
    return h;
  }

  /**
   * Ends the helpers once the range running now (if any) is done; later ranges run on their calling threads, with
   * the same chunks. Does nothing to the runtime's team, which serves the whole process.
   */
  @Override
  public void close() {
    if (runtimes) {
      return;
    }
    lock.lock();
    try {
      closed = true;
      Helper[] h = helpers;
      if (h != null) {
        for (Helper helper : h) {
          helper.stopping = true;
          LockSupport.unpark(helper);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** The helpers' states, for tests: empty before the first range that needs them. */
  java.util.List<Thread.State> helperStates() {
    Helper[] h = helpers;
    java.util.List<Thread.State> states = new java.util.ArrayList<>();
    if (h != null) {
      for (Helper helper : h) {
        states.add(helper.getState());
      }
    }
    return states;
  }

  @Override
  public String toString() {
    return "ThreadTeam[" + threads + " threads" + (runtimes ? ", the runtime's" : "") + (closed ? ", closed" : "")
        + "]";
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
      this.body = Objects.requireNonNull(body, "body");
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

  private static final class Helper extends Thread {
    final ThreadTeam team;
    /** The latest job offered; the helper clears it once taken, so nothing outlives the range. */
    private final AtomicReference<Job> offered = new AtomicReference<>();
    private volatile boolean parked;
    volatile boolean stopping;

    Helper(ThreadTeam team, String name) {
      super(name);
      this.team = team;
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
