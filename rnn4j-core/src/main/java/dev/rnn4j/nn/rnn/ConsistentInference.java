package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorVersion;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Runs an inference call so that it sees its weights as they were at one moment between write sections (NOTE [tensor
 * versions]): it reads the weights' versions, waits while a write section is open, computes, and computes again if
 * the versions moved meanwhile. Used by the recurrent modules and cells for every call that records no graph.
 */
final class ConsistentInference {
  /** Attempts that spin, then that yield, before an attempt parks for {@link #PARK_NANOS}. */
  private static final int SPINS = 16;

  private static final int YIELDS = 64;

  private static final long PARK_NANOS = 50_000;

  private ConsistentInference() {}

  static <T> T call(List<Tensor> weights, Supplier<T> body) {
    for (int attempt = 0; ; attempt++) {
      long[] seen = TensorVersion.read(weights);
      if (!isWriting(seen)) {
        T out = body.get();
        if (TensorVersion.unchangedSince(weights, seen)) {
          return out;
        }
      }
      if (attempt < SPINS) {
        Thread.onSpinWait();
      } else if (attempt < YIELDS) {
        Thread.yield();
      } else {
        LockSupport.parkNanos(PARK_NANOS);
      }
    }
  }

  private static boolean isWriting(long[] versions) {
    for (long v : versions) {
      if ((v & 1) != 0) {
        return true;
      }
    }
    return false;
  }
}
