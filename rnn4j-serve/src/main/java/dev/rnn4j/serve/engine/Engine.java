package dev.rnn4j.serve.engine;

import dev.rnn4j.generate.Sampling;
import dev.rnn4j.tensor.Generator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Continuous batching for one language model: a single decoding thread owns up to {@code maxRows} active rows and
 * advances all of them by one token per step ({@link LmStepper#step}). Between steps, rows whose sequence ended (end
 * token, stop string, token limit, deadline, cancellation) leave, and queued jobs join: the prompts joining together
 * are read in one packed pass ({@link LmStepper#prompts}: one input product over all their tokens, the recurrence
 * batched over the prompts still running, logits only at each last position), each first token is chosen from those
 * logits, and the new rows step with the others from the next step on. A job with {@code numSamples} samples takes
 * that many rows (its prompt is read once and the state copied). Rows are kept dense, {@code [0, active)}: a leaving
 * row's slot takes the last row.
 *
 * <p>Each row has its own generator (seeded per sample), and the stepper's products do not depend on which rows share
 * a step, so a seeded request gets the same tokens whatever else is being decoded.
 *
 * <p>With batching off ({@code batching == false}) the same loop steps each row on its own, one after the other: the
 * baseline the load test compares with.
 *
 * <p>The queue is bounded: {@link #submit} refuses a job when {@code maxQueue} jobs wait. When nothing is active or
 * queued the thread waits on a condition and uses no CPU.
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Engine.class.getName());
  /** Why {@link #submit} refused a job. */
  public static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;
    /** {@code queue_full} or {@code shutting_down}. */
    public final String code;

    Rejected(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** What the engine reports per step and per job; the server turns these into metrics. */
  public interface Observer {
    /** One step advanced {@code rows} rows in {@code nanos}. */
    void step(int rows, long nanos);

    /** A job waited {@code nanos} in the queue. */
    void queueWait(long nanos);

    /** A token was emitted. */
    void token();

    /** No-op observer. */
    Observer NONE = new Observer() {
      @Override public void step(int rows, long nanos) {}
      @Override public void queueWait(long nanos) {}
      @Override public void token() {}
    };
  }

  /** A row: which sample of which job, its generator and progress. */
  private static final class Row {
    final Job job;
    final int index;
    final Generator gen;
    final StringBuilder text; // only with stop strings
    int produced;

    Row(Job job, int index) {
      this.job = job;
      this.index = index;
      this.gen = job.settings.sample() ? new Generator(job.settings.seed() + index) : null;
      this.text = job.settings.stops().isEmpty() ? null : new StringBuilder();
    }
  }

  private final LmStepper stepper;
  private final LmStepper.Rows rows;
  private final IntFunction<String> pieces;
  private final int maxRows;
  private final int maxQueue;
  private final boolean batching;
  private final Observer observer;
  private final Sampling chooser;
  private final Row[] slot;
  private final int[] feed;
  private final boolean[] done;
  private int active;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition drained = lock.newCondition();
  private final ArrayDeque<Job> queue = new ArrayDeque<>();
  private boolean accepting = true;
  private boolean stop;
  private volatile int activeSnapshot;
  private volatile long lastStepNanos;
  private final Thread thread;

  /**
   * Starts the decoding thread.
   *
   * @param pieces token id to text, for stop strings
   * @param maxRows most rows decoded at once
   * @param maxQueue most jobs waiting
   * @param batching false: each row is stepped alone (the unbatched baseline)
   */
  public Engine(LmStepper stepper, IntFunction<String> pieces, int maxRows, int maxQueue, boolean batching,
      Observer observer) {
    if (maxRows < 1 || maxQueue < 0) {
      throw new IllegalArgumentException("max rows must be >= 1 and max queue >= 0, got " + maxRows + ", " + maxQueue);
    }
    this.stepper = stepper;
    this.rows = stepper.newRows(maxRows);
    this.pieces = pieces;
    this.maxRows = maxRows;
    this.maxQueue = maxQueue;
    this.batching = batching;
    this.observer = observer;
    this.chooser = new Sampling(stepper.vocabSize());
    this.slot = new Row[maxRows];
    this.feed = new int[maxRows];
    this.done = new boolean[maxRows];
    this.thread = new Thread(this::loop, "rnn4j-serve-decoder");
    thread.setDaemon(true);
    thread.start();
  }

  /** Most rows decoded at once. */
  public int maxRows() {
    return maxRows;
  }

  /** Rows being decoded now. */
  public int activeRows() {
    return activeSnapshot;
  }

  /** How long the last decoding step took (all its rows), in nanoseconds; 0 before the first. */
  public long lastStepNanos() {
    return lastStepNanos;
  }

  /** Jobs waiting. */
  public int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Whether the engine still takes jobs. */
  public boolean accepting() {
    lock.lock();
    try {
      return accepting;
    } finally {
      lock.unlock();
    }
  }

  /** Queues {@code job}, or refuses it when the queue is full or the engine is shutting down. */
  public void submit(Job job) throws Rejected {
    if (job.numSamples > maxRows) {
      throw new IllegalArgumentException("num_samples " + job.numSamples + " exceeds the server's " + maxRows + " rows");
    }
    lock.lock();
    try {
      if (!accepting) {
        throw new Rejected("shutting_down", "the server is shutting down and takes no new requests");
      }
      if (queue.size() >= maxQueue) {
        throw new Rejected("queue_full", "the queue is full (" + maxQueue + " requests waiting); retry later");
      }
      job.enqueuedNanos = System.nanoTime();
      queue.add(job);
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses new jobs, lets queued and active ones finish for up to {@code graceNanos}, then cancels what is left and
   * stops the thread. Returns whether everything finished within the grace period.
   */
  public boolean shutdown(long graceNanos) throws InterruptedException {
    boolean clean;
    lock.lock();
    try {
      accepting = false;
      long left = graceNanos;
      while ((!queue.isEmpty() || activeSnapshot > 0) && left > 0) {
        left = drained.awaitNanos(left);
      }
      clean = queue.isEmpty() && activeSnapshot == 0;
      stop = true;
      work.signal();
    } finally {
      lock.unlock();
    }
    thread.join(TimeUnit.SECONDS.toMillis(10));
    return clean;
  }

  @Override
  public void close() throws InterruptedException {
    shutdown(0);
  }

  private void loop() {
    List<Job> joining = new ArrayList<>();
    try {
      while (true) {
        joining.clear();
        lock.lock();
        try {
          while (active == 0 && queue.isEmpty() && !stop) {
            drained.signalAll();
            work.awaitUninterruptibly();
          }
          if (stop) {
            break;
          }
          int free = maxRows - active;
          while (!queue.isEmpty() && queue.peek().numSamples <= free) {
            Job j = queue.poll();
            free -= j.numSamples;
            joining.add(j);
          }
        } finally {
          lock.unlock();
        }
        admit(joining);
        long now = System.nanoTime();
        for (int r = 0; r < active; r++) {
          Job j = slot[r].job;
          if (j.cancelled) {
            finish(r, FinishReason.CANCELLED);
          } else if (now - j.deadlineNanos > 0) {
            finish(r, FinishReason.TIMEOUT);
          }
        }
        compact();
        if (active > 0) {
          try {
            stepAll();
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "decoding step failed; its " + active + " rows end with finish reason error", e);
            for (int r = 0; r < active; r++) {
              finish(r, FinishReason.ERROR);
            }
            compact();
          }
        }
      }
    } finally {
      cancelEverything();
    }
  }

  /**
   * Starts the jobs that left the queue: reads their prompts (batched: all in one packed pass, longest first;
   * unbatched: one by one), gives each sample a row with a copy of its prompt's state, and chooses every row's first
   * token.
   */
  private void admit(List<Job> jobs) {
    if (jobs.isEmpty()) {
      return;
    }
    List<Job> reading = new ArrayList<>(jobs.size());
    long now = System.nanoTime();
    for (Job job : jobs) {
      long waited = now - job.enqueuedNanos;
      observer.queueWait(waited);
      if (job.cancelled || now - job.deadlineNanos > 0) {
        FinishReason why = job.cancelled ? FinishReason.CANCELLED : FinishReason.TIMEOUT;
        for (int i = 0; i < job.numSamples; i++) {
          job.listener.onFinish(i, why, 0);
        }
      } else if (job.settings.maxNewTokens() == 0) {
        job.listener.onStart(waited);
        for (int i = 0; i < job.numSamples; i++) {
          job.listener.onFinish(i, FinishReason.LENGTH, 0);
        }
      } else {
        job.waitedNanos = waited;
        reading.add(job);
      }
    }
    if (batching) {
      read(reading);
    } else {
      for (Job job : reading) {
        read(List.of(job));
      }
    }
  }

  /** Reads {@code jobs}' prompts in one packed pass into the rows after the active ones, and starts their samples. */
  private void read(List<Job> jobs) {
    if (jobs.isEmpty()) {
      return;
    }
    Job[] sorted = jobs.toArray(new Job[0]);
    Arrays.sort(sorted, (a, b) -> Integer.compare(b.prompt.length, a.prompt.length)); // stable
    int[][] prompts = new int[sorted.length][];
    for (int i = 0; i < sorted.length; i++) {
      prompts[i] = sorted[i].prompt;
    }
    int first = active;
    try {
      stepper.prompts(rows, first, prompts);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "reading " + sorted.length + " prompts failed; their requests end with finish reason"
          + " error", e);
      for (Job job : sorted) {
        for (int i = 0; i < job.numSamples; i++) {
          job.listener.onFinish(i, FinishReason.ERROR, 0);
        }
      }
      return;
    }
    // Job i's prompt is in row first + i: its first sample stays there, the others take copies after the prompts.
    int next = first + sorted.length;
    for (int i = 0; i < sorted.length; i++) {
      Job job = sorted[i];
      job.listener.onStart(job.waitedNanos);
      for (int k = 0; k < job.numSamples; k++) {
        int r = k == 0 ? first + i : next++;
        rows.copyRow(first + i, r);
        slot[r] = new Row(job, k);
        done[r] = false;
      }
    }
    active = next;
    for (int r = first; r < next; r++) {
      try {
        advance(r);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "choosing a token failed; the row ends with finish reason error", e);
        finish(r, FinishReason.ERROR);
      }
    }
    compact();
  }

  private void stepAll() {
    long t0 = System.nanoTime();
    if (batching) {
      stepper.step(rows, feed, 0, active);
    } else {
      for (int r = 0; r < active; r++) {
        stepper.step(rows, feed, r, 1);
      }
    }
    long took = System.nanoTime() - t0;
    lastStepNanos = took;
    observer.step(active, took);
    for (int r = 0; r < active; r++) {
      try {
        advance(r);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "choosing a token failed; the row ends with finish reason error", e);
        finish(r, FinishReason.ERROR);
      }
    }
    compact();
  }

  /** Chooses row {@code r}'s next token from its logits, emits it, and marks the row done when its sequence ends. */
  private void advance(int r) {
    Row row = slot[r];
    DecodeSettings s = row.job.settings;
    float[] logits = rows.logits();
    int v = stepper.vocabSize();
    int tok = s.sample() ? chooser.sample(logits, r * v, s.temperature(), s.topK(), s.topP(), row.gen)
        : Sampling.argmax(logits, r * v, v);
    if (tok == s.eosId()) {
      finish(r, FinishReason.EOS);
      return;
    }
    row.produced++;
    observer.token();
    row.job.listener.onToken(row.index, tok);
    if (row.text != null) {
      row.text.append(pieces.apply(tok));
      for (String stopString : s.stops()) {
        if (endsWith(row.text, stopString)) {
          finish(r, FinishReason.STOP);
          return;
        }
      }
    }
    if (row.produced >= s.maxNewTokens()) {
      finish(r, FinishReason.LENGTH);
      return;
    }
    feed[r] = tok;
  }

  private static boolean endsWith(StringBuilder sb, String s) {
    int n = sb.length();
    int m = s.length();
    if (m > n) {
      return false;
    }
    for (int i = 0; i < m; i++) {
      if (sb.charAt(n - m + i) != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void finish(int r, FinishReason why) {
    if (done[r]) {
      return;
    }
    done[r] = true;
    Row row = slot[r];
    row.job.listener.onFinish(row.index, why, row.produced);
  }

  /** Removes the done rows, moving the last row into each freed slot. */
  private void compact() {
    for (int r = active - 1; r >= 0; r--) {
      if (done[r]) {
        int last = active - 1;
        if (r != last) {
          rows.copyRow(last, r);
          slot[r] = slot[last];
          feed[r] = feed[last];
          done[r] = done[last];
        }
        slot[last] = null;
        done[last] = false;
        active--;
      }
    }
    activeSnapshot = active;
  }

  private void cancelEverything() {
    for (int r = 0; r < active; r++) {
      finish(r, FinishReason.CANCELLED);
    }
    compact();
    lock.lock();
    try {
      accepting = false;
      for (Job j : queue) {
        for (int i = 0; i < j.numSamples; i++) {
          j.listener.onFinish(i, FinishReason.CANCELLED, 0);
        }
      }
      queue.clear();
      drained.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
