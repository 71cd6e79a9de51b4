package dev.rnn4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Generator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Vocabulary, tokenizers, length-bucketed packed batches, truncated BPTT chunks and seeded splitting. */
class DataTest {
  @Test
  void vocabularyPutsTheSpecialsFirst() {
    Vocabulary v = new Vocabulary(List.of("a", "b"));
    assertEquals(List.of("<pad>", "<bos>", "<eos>", "<unk>", "a", "b"), v.tokens());
    assertEquals(0, v.id("<pad>"));
    assertEquals(Vocabulary.UNK_ID, v.id("zzz"));
    var e = assertThrows(IllegalArgumentException.class, () -> new Vocabulary(List.of("a", "a")));
    assertTrue(e.getMessage().contains("'a' appears twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> v.token(6));
    assertTrue(e.getMessage().contains("out of range for a vocabulary of 6"), e.getMessage());
  }

  @Test
  void charTokenizerRoundTripsAndSurvivesJson() {
    CharTokenizer t = CharTokenizer.fit("12+34=46\nhé😀");
    int[] ids = t.encode("43+é😀");
    assertEquals("43+é😀", t.decode(ids));
    assertEquals(Vocabulary.UNK_ID, t.encode("x")[0]);
    Tokenizer back = Tokenizer.fromJson(t.toJson());
    assertEquals(t.vocabulary(), back.vocabulary());
    assertArrayEquals(ids, back.encode("43+é😀"));
  }

  @Test
  void wordTokenizerSplitsWordsAndPunctuationMostFrequentFirst() {
    assertEquals(List.of("Hello", ",", "world", "!", "it", "'", "s"), WordTokenizer.split("Hello, world!  it's"));
    WordTokenizer t = WordTokenizer.fit("the cat and the dog and the end", 2, 100);
    assertEquals(List.of("the", "and"), t.vocabulary().ordinaryTokens());
    int[] ids = t.encode("the cat and");
    assertArrayEquals(new int[] {4, Vocabulary.UNK_ID, 5}, ids);
    assertEquals("the and", t.decode(ids)); // <unk> is special and skipped
    assertEquals(t.vocabulary(), Tokenizer.fromJson(t.toJson()).vocabulary());
    assertEquals(List.of("the"), WordTokenizer.fit("the cat and the dog and the end", 1, 1).vocabulary().ordinaryTokens());
  }

  @Test
  void lengthBatchesAreSortedPackableAndCoverEverySequenceOnce() {
    Generator gen = new Generator(1);
    List<int[]> seqs = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      int[] s = new int[1 + gen.nextInt(9)];
      for (int k = 0; k < s.length; k++) {
        s[k] = 4 + gen.nextInt(5);
      }
      seqs.add(s);
    }
    LengthBatcher b = new LengthBatcher(seqs, 5);
    assertEquals(5, b.numBatches());
    List<SequenceBatch> epoch = b.epoch(new Generator(9));
    Set<Integer> seen = new HashSet<>();
    int padding = 0;
    for (SequenceBatch batch : epoch) {
      int[] len = batch.lengths();
      int t = len[0];
      for (int i = 0; i < len.length; i++) {
        assertTrue(seen.add(batch.sourceIndices()[i]));
        int[] s = seqs.get(batch.sourceIndices()[i]);
        assertEquals(s.length + 1, len[i]);
        if (i > 0) {
          assertTrue(len[i] <= len[i - 1], "sorted by decreasing length");
        }
        // inputs: bos s; targets: s eos; then pad
        long[] in = batch.inputs().longData();
        long[] tg = batch.targets().longData();
        int bs = len.length;
        assertEquals(Vocabulary.BOS_ID, in[i]);
        for (int k = 0; k < s.length; k++) {
          assertEquals(s[k], in[(k + 1) * bs + i]);
          assertEquals(s[k], tg[k * bs + i]);
        }
        assertEquals(Vocabulary.EOS_ID, tg[s.length * bs + i]);
        for (int k = len[i]; k < t; k++) {
          assertEquals(Vocabulary.PAD_ID, tg[k * bs + i]);
          padding++;
        }
      }
      // packed targets: step by step, the first batchSizes[t] examples
      long[] packed = batch.packedTargets().longData();
      int r = 0;
      for (int k = 0; k < t; k++) {
        for (int i = 0; i < batch.batchSizes()[k]; i++) {
          assertEquals(batch.targets().longData()[k * len.length + i], packed[r++]);
        }
      }
      assertEquals(packed.length, r);
    }
    assertEquals(23, seen.size());
    assertTrue(padding < 23, "length bucketing keeps padding small, got " + padding);
    assertEquals(orderOf(epoch), orderOf(b.epoch(new Generator(9))), "seeded");
    assertNotEquals(orderOf(epoch), orderOf(b.epoch(new Generator(10))));
  }

  private static List<Integer> orderOf(List<SequenceBatch> epoch) {
    List<Integer> out = new ArrayList<>();
    epoch.forEach(b -> {
      for (int i : b.sourceIndices()) {
        out.add(i);
      }
    });
    return out;
  }

  @Test
  void bpttChunksContinueColumnByColumn() {
    int[] stream = new int[23];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = i;
    }
    BpttBatcher b = new BpttBatcher(stream, 2, 4); // columns 0..10 and 11..21; 22 dropped
    assertEquals(3, b.numChunks()); // 10 predictions per column in chunks of 4, 4, 2
    var c0 = b.chunk(0);
    assertArrayEquals(new long[] {0, 11, 1, 12, 2, 13, 3, 14}, c0.inputs().longData());
    assertArrayEquals(new long[] {1, 12, 2, 13, 3, 14, 4, 15}, c0.targets().longData());
    var c2 = b.chunk(2);
    assertEquals(2, c2.inputs().size(0));
    assertArrayEquals(new long[] {8, 19, 9, 20}, c2.inputs().longData());
    assertArrayEquals(new long[] {9, 20, 10, 21}, c2.targets().longData());
    assertThrows(IllegalArgumentException.class, () -> new BpttBatcher(new int[3], 2, 4));
  }

  @Test
  void splitIsSeededAndDisjoint() {
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      items.add(i);
    }
    var s = Shuffle.trainValidation(items, 0.1, new Generator(3));
    assertEquals(10, s.validation().size());
    assertEquals(90, s.train().size());
    Set<Integer> all = new HashSet<>(s.train());
    all.addAll(s.validation());
    assertEquals(100, all.size());
    assertEquals(s, Shuffle.trainValidation(items, 0.1, new Generator(3)));
    assertThrows(IllegalArgumentException.class, () -> new LengthBatcher(List.of(), 4));
  }
}
