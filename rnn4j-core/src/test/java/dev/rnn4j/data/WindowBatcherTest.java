package dev.rnn4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Generator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link WindowBatcher}: windows inside the stream, drawn from the seed alone, and the consecutive windows a scorer reads. */
class WindowBatcherTest {
  private static int[] ramp(int n) {
    int[] s = new int[n];
    for (int i = 0; i < n; i++) {
      s[i] = i;
    }
    return s;
  }

  /** Every window's first input, batch by batch. */
  private static List<Long> starts(StreamBatcher.Epoch e, int batches) {
    List<Long> f = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      long[] in = e.chunk(i).inputs().longData();
      int cols = (int) e.chunk(i).inputs().size(1);
      for (int b = 0; b < cols; b++) {
        f.add(in[b]);
      }
    }
    return f;
  }

  @Test
  void windowsAreWholeContiguousAndInsideTheStream() {
    int n = 1000;
    int bptt = 16;
    WindowBatcher w = new WindowBatcher(TokenStream.of(ramp(n)), 5, bptt);
    assertEquals(n - bptt, w.numStarts());
    assertEquals(n / (5 * bptt), w.chunksPerEpoch());
    assertFalse(w.carriesState());
    Generator g = new Generator(3);
    long lowest = Long.MAX_VALUE;
    long highest = Long.MIN_VALUE;
    for (int epoch = 0; epoch < 20; epoch++) {
      StreamBatcher.Epoch e = w.epoch(g);
      assertEquals(w.chunksPerEpoch(), e.numChunks());
      for (int i = 0; i < e.numChunks(); i++) {
        BpttBatcher.Chunk c = e.chunk(i);
        assertEquals(bptt, c.inputs().size(0), "full-length windows, no padding");
        assertEquals(5, c.inputs().size(1));
        long[] in = c.inputs().longData();
        long[] tg = c.targets().longData();
        for (int b = 0; b < 5; b++) {
          long s = in[b];
          lowest = Math.min(lowest, s);
          highest = Math.max(highest, s);
          for (int k = 0; k < bptt; k++) { // a ramp: the window is s, s+1, ..., s+bptt, targets shifted by one
            assertEquals(s + k, in[k * 5 + b]);
            assertEquals(s + k + 1, tg[k * 5 + b]);
          }
          assertTrue(s >= 0 && s + bptt < n, "window [" + s + ", " + (s + bptt) + "] of a stream of " + n);
        }
      }
    }
    // 20 epochs x 12 batches x 5 windows = 1200 uniform draws over 984 starts: both ends are approached
    assertTrue(lowest < 20 && highest > n - bptt - 21, "starts spread over [0, " + (n - bptt) + "): " + lowest + ".." + highest);
  }

  @Test
  void windowsComeFromTheSeedAndTheGeneratorStateAlone() {
    WindowBatcher w = new WindowBatcher(TokenStream.of(ramp(50_000)), 8, 32);
    Generator g = new Generator(11);
    long[] start = g.snapshot();
    List<List<Long>> epochs = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      epochs.add(starts(w.epoch(g), 5));
    }
    assertEquals(4, new HashSet<>(epochs).size(), "every epoch draws its own windows");
    Set<Long> inOneEpoch = new HashSet<>(epochs.get(0));
    assertTrue(inOneEpoch.size() > 35, "40 draws over 49,968 starts are nearly all distinct: " + inOneEpoch.size());
    g.restore(start); // the state a checkpoint stores at the start of an epoch gives that epoch again
    assertEquals(epochs.get(0), starts(w.epoch(g), 5));
    assertEquals(epochs.get(1), starts(w.epoch(g), 5));
    assertEquals(epochs.get(0), starts(w.epoch(new Generator(11)), 5), "same seed, same windows");
    assertFalse(epochs.get(0).equals(starts(w.epoch(new Generator(12)), 5)), "another seed, other windows");
    // batch i is a function of the epoch and i alone: read out of order, or again, it is the same
    StreamBatcher.Epoch e = w.epoch(new Generator(11));
    List<Long> backwards = new ArrayList<>();
    for (int i = 4; i >= 0; i--) {
      backwards.addAll(0, starts(new SingleChunk(e, i), 1));
    }
    assertEquals(epochs.get(0), backwards);
  }

  /** Chunk {@code i} of an epoch as an epoch of one chunk. */
  private record SingleChunk(StreamBatcher.Epoch e, int i) implements StreamBatcher.Epoch {
    @Override
    public int numChunks() {
      return 1;
    }

    @Override
    public BpttBatcher.Chunk chunk(int k) {
      return e.chunk(i + k);
    }
  }

  @Test
  void consecutiveWindowsScoreEveryWholeWindowOnce() {
    int bptt = 10;
    StreamBatcher.Epoch e = WindowBatcher.consecutive(TokenStream.of(ramp(96)), 4, bptt);
    // (96 - 1) / 10 = 9 windows: chunks of 4, 4 and 1 columns
    assertEquals(3, e.numChunks());
    assertEquals(bptt, e.chunk(2).inputs().size(0));
    assertEquals(1, e.chunk(2).inputs().size(1));
    List<Long> firsts = starts(e, 3);
    List<Long> expected = new ArrayList<>();
    for (long k = 0; k < 9; k++) {
      expected.add(k * bptt);
    }
    assertEquals(expected, firsts, "window k starts at k * bptt, in order");
    long[] tg = e.chunk(2).targets().longData();
    assertEquals(81, tg[0]);
    assertEquals(90, tg[bptt - 1], "the last target of the last window is token 90; 91..95 make no whole window");
  }

  @Test
  void badArgumentsAreRefused() {
    TokenStream s = TokenStream.of(ramp(20));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new WindowBatcher(s, 0, 4)).getMessage()
        .contains("must be positive, got 0 and 4"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new WindowBatcher(s, 2, -1)).getMessage()
        .contains("must be positive"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new WindowBatcher(s, 2, 20)).getMessage()
        .contains("a stream of 20 tokens is too short for windows of 20 steps (needs at least 21)"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> WindowBatcher.consecutive(TokenStream.of(new int[] {5}), 2, 20)).getMessage()
        .contains("a stream of 1 tokens holds no window (needs at least 2)"));
    assertEquals(1, WindowBatcher.consecutive(s, 2, 19).numChunks(), "tokens 0..19: one window of 19 steps");
    StreamBatcher.Epoch shortText = WindowBatcher.consecutive(s, 2, 50); // shorter than a window: one of 19 steps
    assertEquals(1, shortText.numChunks());
    assertEquals(19, shortText.chunk(0).inputs().size(0));
    assertEquals(1, shortText.chunk(0).inputs().size(1));
    new WindowBatcher(s, 2, 19).epoch(new Generator(1)).chunk(0); // exactly one window fits: start 0 only
    StreamBatcher.Epoch e = new WindowBatcher(s, 2, 4).epoch(new Generator(1));
    assertThrows(IllegalArgumentException.class, () -> e.chunk(e.numChunks()));
  }
}
