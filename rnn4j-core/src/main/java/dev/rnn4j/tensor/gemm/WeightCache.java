package dev.rnn4j.tensor.gemm;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Packed copies of weights kept from one call to the next, for inference: a greedy decoding loop runs the recurrent
 * layer once per token, a step of a few rows each time, and without this every call would read the weight in its
 * stored layout (a few-row product then costs 1.4-2x what it costs on the packed copy: 10 x 1536 x 256 on two threads
 * 97 against 46 us, 10 x 1536 x 512 126 against 91) or pack it again.
 *
 * <p>An entry is keyed by the weight's storage array and dropped when that array is collected or
 * {@link #invalidate}d. Everything in rnn4j that writes into a tensor in place invalidates it through
 * {@code Tensor.markModified()}: the optimizers' steps, {@code Module.loadStateDict}, the initialisers. Code that
 * writes into {@code Tensor.data()} itself must call {@code markModified()} afterwards, or later inference calls may
 * still see the old values. The recurrent layers use the cache only when they record no graph (under
 * {@code GradMode.disable()} or with no input requiring grad); a training step always reads the weights as they are.
 * {@code -Drnn4j.weightCache=false} turns it off.
 */
public final class WeightCache {
  private static volatile boolean on = !"false".equals(System.getProperty("rnn4j.weightCache"));

  /** One packed copy, and the view of the array it was packed from (no reference to the array: the key is weak). */
  private record Entry(boolean transB, int k, int n, int bOff, int ldb, float[] panels) {
    boolean matches(boolean t, int kk, int nn, int off, int ld) {
      return transB == t && k == kk && n == nn && bOff == off && ldb == ld;
    }
  }

  private static final Map<float[], Entry> ENTRIES = new WeakHashMap<>(); // arrays hash by identity; guarded by itself

  private WeightCache() {}

  /**
   * Whether the cache is on: {@code -Drnn4j.weightCache} is not false (or {@link #setEnabled} said so) and the packed
   * kernel can run here.
   */
  public static boolean enabled() {
    return on && Gemm.canPrepack();
  }

  /** Turns the cache on or off from now on; the copies it holds stay until {@link #clear()} or invalidation. */
  public static void setEnabled(boolean enabled) {
    on = enabled;
  }

  /**
   * {@code op(B)} prepared for products of any row count, from the cached packed copy when there is one for this
   * array and view; otherwise packed now and kept. Same arguments as {@link Gemm#prepareB}, without the row counts.
   * When the cache is off, a plain operand (products take the usual path).
   */
  public static PreparedB prepared(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
    if (!enabled() || k == 0 || n == 0) {
      return Gemm.prepareB(transB, k, n, b, bOff, ldb, new int[0]);
    }
    Entry e;
    synchronized (ENTRIES) {
      e = ENTRIES.get(b);
    }
    if (e == null || !e.matches(transB, k, n, bOff, ldb)) {
      Gemm.checkOperand(transB, k, n, b, bOff, ldb);
      e = new Entry(transB, k, n, bOff, ldb, PackedGemm.packAll(transB, b, bOff, ldb, k, n)); // outside the lock
      synchronized (ENTRIES) {
        ENTRIES.put(b, e);
      }
    }
    return new PreparedB(transB, k, n, b, bOff, ldb, e.panels, true);
  }

  /** Drops the packed copy of {@code b}, if any: its values have changed. */
  public static void invalidate(float[] b) {
    if (b == null) {
      return;
    }
    synchronized (ENTRIES) {
      if (!ENTRIES.isEmpty()) {
        ENTRIES.remove(b);
      }
    }
  }

  /** Drops every packed copy. */
  public static void clear() {
    synchronized (ENTRIES) {
      ENTRIES.clear();
    }
  }

  /** Arrays with a packed copy (for tests and diagnostics). */
  public static int size() {
    synchronized (ENTRIES) {
      return ENTRIES.size();
    }
  }
}
