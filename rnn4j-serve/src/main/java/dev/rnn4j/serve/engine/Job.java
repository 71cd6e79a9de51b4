package dev.rnn4j.serve.engine;

/**
 * One generation request for the {@link Engine}: a prompt (token ids, starting with {@code <bos>}), how to decode it,
 * how many samples, a deadline, and the listener that receives its tokens. {@link #cancel()} may be called from any
 * thread (the client went away); its rows leave the batch before the next step.
 */
public final class Job {
  /** Receives a job's events, on the engine's thread: implementations must only hand them on (e.g. to a queue). */
  public interface Listener {
    /** The job left the queue and its prompt was read; {@code queueNanos} it waited. */
    void onStart(long queueNanos);

    /** Sample {@code index} produced token {@code id}. */
    void onToken(int index, int id);

    /** Sample {@code index} ended after {@code tokens} tokens. */
    void onFinish(int index, FinishReason reason, int tokens);
  }

  final int[] prompt;
  final DecodeSettings settings;
  final int numSamples;
  final long deadlineNanos; // System.nanoTime() scale
  final Listener listener;
  volatile boolean cancelled;
  long enqueuedNanos;
  long waitedNanos; // in the queue, set when the engine takes it

  /** A job; {@code deadlineNanos} is on the {@link System#nanoTime()} scale. */
  public Job(int[] prompt, DecodeSettings settings, int numSamples, long deadlineNanos, Listener listener) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("a prompt needs at least one token (the <bos> token)");
    }
    if (numSamples < 1) {
      throw new IllegalArgumentException("num samples must be at least 1, got " + numSamples);
    }
    this.prompt = prompt.clone();
    this.settings = settings;
    this.numSamples = numSamples;
    this.deadlineNanos = deadlineNanos;
    this.listener = listener;
  }

  /** Asks the engine to drop this job's rows (finish reason {@link FinishReason#CANCELLED}). */
  public void cancel() {
    cancelled = true;
  }
}
