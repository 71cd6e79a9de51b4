package dev.rnn4j.tensor;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * NOTE [tensor versions]: the version counter of a tensor's storage, shared by the tensor and its views. Every
 * in-place write through rnn4j's API changes it: the optimizers' steps, {@code Module.loadStateDict}, the
 * initialisers, {@link Tensor#markModified()}. Code that keeps something derived from a tensor's values (a recurrent
 * module's packed weights) records the version it derived it from and derives again when the version has moved on.
 *
 * <p>The counter is a sequence lock: a write section ({@link #beginWrite(List)} ... {@link WriteSection#close()})
 * makes it odd while the values change and even again after, each a change of version. A reader that reads the
 * versions, then the values, then the versions again ({@link #unchangedSince}) and finds them equal and even has read
 * values no write section overlapped. {@link Tensor#markModified()} alone moves an even version to the next even one:
 * it marks a write already done, so a reader that overlapped that write is not told.
 */
public final class TensorVersion {
  private final AtomicLong value = new AtomicLong();

  TensorVersion() {}

  /** The current version: even outside write sections, odd inside one. */
  public long get() {
    return value.get();
  }

  void bump() {
    value.addAndGet(2);
  }

  /**
   * Starts one write section over {@code tensors} (each storage counted once): their versions turn odd until the
   * section is closed. The optimizers open one for a whole step, so a reader sees the parameters as they were before
   * the step or after it. A thread must not run inference on these tensors while its own section is open: the call
   * would wait for the section to close.
   */
  public static WriteSection beginWrite(List<Tensor> tensors) {
    List<TensorVersion> open = new ArrayList<>(tensors.size());
    for (Tensor t : tensors) {
      TensorVersion v = t.versionCounter();
      if (!open.contains(v)) {
        v.value.incrementAndGet(); // a full fence: the writes that follow cannot move above it
        open.add(v);
      }
    }
    return new WriteSection(open);
  }

  /**
   * Whether every version in {@code seen} (read with {@link #read} before some plain reads of the tensors' values)
   * was even and is unchanged now, that is, whether those reads saw no write section.
   */
  public static boolean unchangedSince(List<Tensor> tensors, long[] seen) {
    VarHandle.acquireFence(); // the plain reads before this call may not move below the version reads that follow
    for (int i = 0; i < seen.length; i++) {
      if ((seen[i] & 1) != 0 || tensors.get(i).versionCounter().get() != seen[i]) {
        return false;
      }
    }
    return true;
  }

  /** The versions of {@code tensors}, in order. */
  public static long[] read(List<Tensor> tensors) {
    long[] v = new long[tensors.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = tensors.get(i).versionCounter().get();
    }
    return v;
  }

  /** An open write section; closing it makes the versions even again (and different from before). */
  public static final class WriteSection implements AutoCloseable {
    private final List<TensorVersion> open;

    private WriteSection(List<TensorVersion> open) {
      this.open = open;
    }

    @Override
    public void close() {
      for (TensorVersion v : open) {
        v.value.incrementAndGet(); // publishes the section's writes before the new version
      }
    }
  }
}
