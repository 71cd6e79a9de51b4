package dev.rnn4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

/** Epochs of {@link StreamBatcher}: different each epoch, the same for the same generator state, continuous columns. */
class StreamBatcherTest {
  private static int[] ramp(int n) {
    int[] s = new int[n];
    for (int i = 0; i < n; i++) {
      s[i] = i;
    }
    return s;
  }

  /** Column 0's first input and each chunk's length, as a fingerprint of an epoch. */
  private static List<Long> fingerprint(StreamBatcher.Epoch e) {
    List<Long> f = new ArrayList<>();
    f.add(e.chunk(0).inputs().longData()[0]);
    for (int i = 0; i < e.numChunks(); i++) {
      f.add((long) e.chunk(i).inputs().size(0));
    }
    return f;
  }

  @Test
  void epochsDifferAndRepeatForTheSameGeneratorState() {
    StreamBatcher b = StreamBatcher.shuffled(TokenStream.of(ramp(5000)), null, 4, 16);
    Generator g = new Generator(7);
    long[] start = g.snapshot();
    List<List<Long>> epochs = new ArrayList<>();
    for (int k = 0; k < 5; k++) {
      epochs.add(fingerprint(b.epoch(g)));
    }
    assertEquals(5, new HashSet<>(epochs).size(), "every epoch has its own start and chunk lengths: " + epochs);
    Set<Long> offsets = new HashSet<>();
    epochs.forEach(e -> offsets.add(e.get(0)));
    assertTrue(offsets.size() >= 4, "the start offset varies by epoch: " + offsets);
    g.restore(start); // the state a checkpoint stores at the start of an epoch gives that epoch again
    assertEquals(epochs.get(0), fingerprint(b.epoch(g)));
    assertEquals(epochs.get(1), fingerprint(b.epoch(g)));
    assertEquals(epochs.get(0), fingerprint(b.epoch(new Generator(7))), "same seed, same epoch");
    assertFalse(epochs.get(0).equals(fingerprint(b.epoch(new Generator(8)))), "another seed, another epoch");
  }

  @Test
  void columnsContinueFromChunkToChunkAndLengthsStayInRange() {
    int bptt = 16;
    StreamBatcher b = StreamBatcher.shuffled(TokenStream.of(ramp(20_000)), null, 3, bptt);
    StreamBatcher.Epoch e = b.epoch(new Generator(3));
    long total = 0;
    int half = 0;
    for (int i = 0; i < e.numChunks(); i++) {
      var c = e.chunk(i);
      int t = c.inputs().size(0);
      total += t;
      if (i < e.numChunks() - 1) {
        assertTrue(t >= bptt / 4 && t <= 2 * bptt, "chunk length " + t);
        half += t <= bptt * 3 / 4 ? 1 : 0;
      }
      long[] in = c.inputs().longData();
      long[] tg = c.targets().longData();
      for (int k = 0; k < in.length; k++) {
        assertEquals(in[k] + 1, tg[k], "targets are the inputs shifted by one");
      }
      if (i > 0) { // on a ramp, column b's next input is its last target
        long[] prev = e.chunk(i - 1).targets().longData();
        int tp = e.chunk(i - 1).inputs().size(0);
        for (int col = 0; col < 3; col++) {
          assertEquals(prev[(tp - 1) * 3 + col], in[col], "column " + col + " continues into chunk " + i);
        }
      }
    }
    double mean = (double) total / e.numChunks();
    assertTrue(mean > bptt * 0.85 && mean < bptt * 1.05, "mean chunk length " + mean);
    assertTrue(half > 0, "about 5% of the chunks are drawn around bptt / 2");
  }

  @Test
  void fixedGivesBpttBatchersChunksEveryEpoch() {
    int[] s = ramp(1000);
    BpttBatcher old = new BpttBatcher(s, 4, 7);
    StreamBatcher f = StreamBatcher.fixed(old);
    Generator g = new Generator(1);
    long[] before = g.snapshot();
    for (int epoch = 0; epoch < 2; epoch++) {
      StreamBatcher.Epoch e = f.epoch(g);
      assertEquals(old.numChunks(), e.numChunks());
      for (int i = 0; i < e.numChunks(); i++) {
        assertArrayEquals(old.chunk(i).inputs().longData(), e.chunk(i).inputs().longData());
        assertArrayEquals(old.chunk(i).targets().longData(), e.chunk(i).targets().longData());
      }
    }
    assertArrayEquals(before, g.snapshot(), "fixed epochs draw nothing");
  }

  @Test
  void documentsAreCutAtBlankLinesAndShuffled() {
    // documents "aaaa\n\n", "bbbb\n\n", ... as ids: letters 10.., newline 1
    int docs = 12;
    int[] s = new int[docs * 6];
    for (int d = 0; d < docs; d++) {
      for (int k = 0; k < 4; k++) {
        s[d * 6 + k] = 10 + d;
      }
      s[d * 6 + 4] = 1;
      s[d * 6 + 5] = 1;
    }
    TokenStream ts = TokenStream.of(s);
    long[] starts = StreamBatcher.documentStarts(ts, 1, -1, 1);
    assertEquals(docs, starts.length);
    for (int d = 0; d < docs; d++) {
      assertEquals(6L * d, starts[d]);
    }
    assertEquals(docs / 2, StreamBatcher.documentStarts(ts, 1, -1, 12).length, "short paragraphs stay joined");
    assertArrayEquals(new long[] {0}, StreamBatcher.documentStarts(ts, -1, -1, 1), "no newline token: one document");
    // "\r\n\r\n" is a blank line too
    int[] crlf = {5, 2, 1, 2, 1, 6, 6};
    assertArrayEquals(new long[] {0, 5}, StreamBatcher.documentStarts(TokenStream.of(crlf), 1, 2, 1));

    StreamBatcher b = StreamBatcher.shuffled(ts, starts, 1, 2);
    Set<List<Long>> orders = new HashSet<>();
    Generator g = new Generator(5);
    for (int epoch = 0; epoch < 4; epoch++) {
      StreamBatcher.Epoch e = b.epoch(g);
      List<Long> seen = new ArrayList<>();
      long[] all = new long[0];
      for (int i = 0; i < e.numChunks(); i++) {
        long[] in = e.chunk(i).inputs().longData();
        all = java.util.Arrays.copyOf(all, all.length + in.length);
        System.arraycopy(in, 0, all, all.length - in.length, in.length);
      }
      for (long t : all) {
        if (t >= 10 && (seen.isEmpty() || seen.get(seen.size() - 1) != t)) {
          seen.add(t);
        }
      }
      // each document appears whole, once (the first may be cut by the start offset)
      assertTrue(new HashSet<>(seen).size() == seen.size() && seen.size() >= docs - 1, "documents " + seen);
      orders.add(seen);
    }
    assertTrue(orders.size() >= 3, "the document order changes by epoch: " + orders);
  }

  @Test
  void badArgumentsAreRefused() {
    TokenStream ts = TokenStream.of(ramp(100));
    assertThrows(IllegalArgumentException.class, () -> StreamBatcher.shuffled(ts, null, 0, 4));
    assertThrows(IllegalArgumentException.class, () -> StreamBatcher.shuffled(ts, null, 4, 0));
    var e = assertThrows(IllegalArgumentException.class, () -> StreamBatcher.shuffled(ts, null, 40, 30));
    assertTrue(e.getMessage().contains("too short"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StreamBatcher.shuffled(ts, new long[] {0, 5, 5}, 2, 4));
    assertThrows(IllegalArgumentException.class, () -> StreamBatcher.shuffled(ts, new long[] {1}, 2, 4));
    assertThrows(IllegalArgumentException.class, () -> StreamBatcher.shuffled(ts, new long[] {0, 100}, 2, 4));
    StreamBatcher.Epoch ep = StreamBatcher.shuffled(ts, null, 2, 4).epoch(new Generator(1));
    assertThrows(IllegalArgumentException.class, () -> ep.chunk(ep.numChunks()));
  }

  @Test
  void holdOutTakesWholeDocumentsFromAllOverTheFile() {
    int docs = 100; // document d: four tokens 10 + d, then a blank line (1, 1)
    int[] s = new int[docs * 6];
    for (int d = 0; d < docs; d++) {
      java.util.Arrays.fill(s, d * 6, d * 6 + 4, 10 + d);
      s[d * 6 + 4] = 1;
      s[d * 6 + 5] = 1;
    }
    TokenStream ts = TokenStream.of(s);
    long[] starts = StreamBatcher.documentStarts(ts, 1, -1, 1);
    StreamBatcher.Split a = StreamBatcher.holdOut(ts, starts, 0.05, new Generator(4));
    assertEquals(5 * 6, a.validation().length());
    assertEquals(95 * 6, a.train().length());
    assertEquals(95, a.trainStarts().length);
    Set<Integer> val = new HashSet<>();
    for (long i = 0; i < a.validation().length(); i += 6) {
      val.add(a.validation().get(i) - 10);
      assertEquals(1, a.validation().get(i + 5), "whole documents");
    }
    for (long i = 0; i < a.train().length(); i++) {
      assertFalse(val.contains(a.train().get(i) - 10), "a held-out document is not trained on");
    }
    for (int k = 0; k < 95; k++) { // train documents in file order, each starting where trainStarts says
      assertEquals(6L * k, a.trainStarts()[k]);
    }
    assertTrue(val.stream().anyMatch(d -> d < 80), "validation samples the whole file, not its end: " + val);
    StreamBatcher.Split b = StreamBatcher.holdOut(ts, starts, 0.05, new Generator(4));
    int[] x = new int[30];
    int[] y = new int[30];
    a.validation().read(0, x, 0, 30);
    b.validation().read(0, y, 0, 30);
    assertArrayEquals(x, y, "seeded");
    assertThrows(IllegalArgumentException.class, () -> StreamBatcher.holdOut(ts, new long[] {0}, 0.05, new Generator(1)));
  }
}
