package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorVersion;
import dev.rnn4j.tensor.gemm.Gemm;
import dev.rnn4j.tensor.gemm.PreparedB;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The packed copies of one (layer, direction)'s {@code W_ih} and {@code W_hh} that a recurrent module keeps between
 * inference calls, as PyTorch's RNN modules own their flat weights: a decoding loop runs the layer once per token,
 * and without them every call would pack the weights again or read them in their stored layout.
 *
 * <p>Each copy carries the {@link Tensor#version()} of the weight it was packed from (NOTE [tensor versions]) and is
 * used only while the weight still has that version, so an in-place write through rnn4j's API (an optimizer step,
 * {@code loadStateDict}, an initialiser) retires it without anyone being told. A copy is published only if the
 * weight's version was even before packing and is unchanged after (no write overlapped the packing), and never over
 * a copy of a newer version, so a packing that raced a write can neither be kept nor displace a newer copy: the lost
 * invalidation of a cache that packs outside its lock and then stores unconditionally cannot happen here. A call that
 * finds no current copy packs its own and uses it; threads may do so at the same time.
 */
final class KeptWeights {
  private record Entry(long version, PreparedB packed) {}

  private final AtomicReference<Entry> ih = new AtomicReference<>();
  private final AtomicReference<Entry> hh = new AtomicReference<>();

  /** {@code W_ih^T} packed, (G*H, I) stored. */
  PreparedB inputWeight(Tensor wIh) {
    return get(ih, wIh);
  }

  /** {@code W_hh^T} packed, (G*H, P) stored. */
  PreparedB recurrentWeight(Tensor wHh) {
    return get(hh, wHh);
  }

  private static PreparedB get(AtomicReference<Entry> ref, Tensor w) {
    long v = w.version();
    Entry e = ref.get();
    if (e != null && e.version() == v) {
      return e.packed();
    }
    int rows = w.size(0);
    int cols = w.size(1);
    PreparedB packed = Gemm.packKept(true, cols, rows, w.data(), 0, cols); // W stored (n, k): op(B) = W^T
    if (TensorVersion.unchangedSince(List.of(w), new long[] {v})) {
      Entry fresh = new Entry(v, packed);
      ref.getAndUpdate(cur -> cur == null || cur.version() < v ? fresh : cur);
    }
    return packed;
  }
}
