package dev.rnn4j.nn.rnn.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packing functions against PyTorch 1.13, their invariants, gradients and error messages. */
class PackingTest {
  private final SafeTensors.Contents fx = Fixtures.load("rnn_pack");

  private static long[] longs(int[] v) {
    long[] r = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = v[i];
    }
    return r;
  }

  @Test
  void packPaddedUnsortedBatchFirstMatchesPyTorch() {
    Tensor x = Fixtures.get(fx, "bf.x");
    PackedSequence p = Packing.packPaddedSequence(x, Fixtures.get(fx, "bf.lengths"), true, false);
    Approx.assertClose("data", p.data(), Fixtures.get(fx, "bf.data"), 0, 0);
    assertArrayEquals(Fixtures.get(fx, "bf.batch_sizes").toLongArray(), longs(p.batchSizes()));
    assertArrayEquals(Fixtures.get(fx, "bf.sorted_indices").toLongArray(), longs(p.sortedIndices()));
    assertArrayEquals(Fixtures.get(fx, "bf.unsorted_indices").toLongArray(), longs(p.unsortedIndices()));

    Packing.Padded padded = Packing.padPackedSequence(p, false, -1f, 7);
    Approx.assertClose("padded", padded.output(), Fixtures.get(fx, "bf.pad_tm_total7"), 0, 0);
    assertArrayEquals(Fixtures.get(fx, "bf.pad_lengths").toLongArray(), padded.lengths().toLongArray());
  }

  @Test
  void padAndPackSequenceMatchPyTorch() {
    List<Tensor> seqs = List.of(Fixtures.get(fx, "seq.0"), Fixtures.get(fx, "seq.1"), Fixtures.get(fx, "seq.2"));
    Tensor padded = Packing.padSequence(seqs, true, 0.5f, PaddingSide.RIGHT);
    Approx.assertClose("pad_sequence", padded, Fixtures.get(fx, "seq.pad_bf"), 0, 0);
    PackedSequence p = Packing.packSequence(seqs, false);
    Approx.assertClose("pack_sequence", p.data(), Fixtures.get(fx, "seq.packed_data"), 0, 0);
    assertArrayEquals(Fixtures.get(fx, "seq.packed_batch_sizes").toLongArray(), longs(p.batchSizes()));
    assertArrayEquals(Fixtures.get(fx, "seq.packed_sorted_indices").toLongArray(), longs(p.sortedIndices()));
    List<Tensor> back = Packing.unpackSequence(p);
    for (int i = 0; i < seqs.size(); i++) {
      assertTrue(back.get(i).contentEquals(seqs.get(i)), "unpack_sequence must give back sequence " + i);
    }
  }

  @Test
  void docExampleAbcX() {
    // "abc" and "x": data axbc, batch_sizes [2, 1, 1]
    Tensor abc = Tensor.of(new float[] {1, 2, 3}, 3, 1);
    Tensor x = Tensor.of(new float[] {9}, 1, 1);
    PackedSequence p = Packing.packSequence(List.of(abc, x), true);
    assertArrayEquals(new float[] {1, 9, 2, 3}, p.data().toFloatArray());
    assertArrayEquals(new int[] {2, 1, 1}, p.batchSizes());
    assertNull(p.sortedIndices());
  }

  @Test
  void roundTripForEveryLayoutAndZeroLengths() {
    Generator g = new Generator(5);
    int[][] lengthSets = {{5, 3, 3, 1}, {2, 5, 0, 4}, {0, 0, 0, 0}, {1, 1, 1, 1}, {5, 5, 5, 5}};
    for (int[] lengths : lengthSets) {
      for (boolean bf : new boolean[] {false, true}) {
        Tensor x = bf ? Tensor.randn(g, 4, 5, 2) : Tensor.randn(g, 5, 4, 2);
        // zero the padding so the round trip can be compared exactly
        for (int b = 0; b < 4; b++) {
          for (int t = lengths[b]; t < 5; t++) {
            for (int k = 0; k < 2; k++) {
              x.data()[x.offsetOf(bf ? new int[] {b, t, k} : new int[] {t, b, k})] = 0f;
            }
          }
        }
        PackedSequence p = Packing.packPaddedSequence(x, lengths, bf, false);
        assertEquals(4, p.batchSize());
        assertArrayEquals(lengths, p.lengths());
        Packing.Padded back = Packing.padPackedSequence(p, bf, 0f, 5);
        assertTrue(back.output().contentEquals(x), "round trip of lengths " + java.util.Arrays.toString(lengths));
        assertArrayEquals(longs(lengths), back.lengths().toLongArray());
      }
    }
  }

  @Test
  void zeroLengthWithEnforceSortedKeepsBatchSize() {
    Tensor x = Tensor.randn(new Generator(1), 3, 3, 2);
    PackedSequence p = Packing.packPaddedSequence(x, new int[] {3, 1, 0}, false, true);
    assertArrayEquals(new int[] {2, 1, 1}, p.batchSizes());
    assertEquals(3, p.batchSize());
    assertEquals(3, Packing.padPackedSequence(p).output().size(1));
  }

  @Test
  void leftPaddingPutsPaddingFirst() {
    Tensor a = Tensor.of(new float[] {1, 2, 3}, 3, 1);
    Tensor b = Tensor.of(new float[] {7}, 1, 1);
    Tensor left = Packing.padSequence(List.of(a, b), true, 0f, PaddingSide.LEFT);
    assertArrayEquals(new float[] {1, 2, 3, 0, 0, 7}, left.toFloatArray());
    Tensor right = Packing.padSequence(List.of(a, b), false, -1f, PaddingSide.RIGHT);
    assertArrayEquals(new float[] {1, 7, 2, -1, 3, -1}, right.toFloatArray());
  }

  @Test
  void gradientsFlowThroughPackAndPad() {
    Tensor x = Tensor.randn(new Generator(2), 4, 3, 2).requiresGrad(true);
    PackedSequence p = Packing.packPaddedSequence(x, new int[] {2, 4, 1}, false, false);
    Packing.Padded padded = Packing.padPackedSequence(p, true, 9f, null);
    padded.output().mul(2).sum().backward();
    // valid positions get 2, padding gets 0
    int[] len = {2, 4, 1};
    for (int t = 0; t < 4; t++) {
      for (int b = 0; b < 3; b++) {
        for (int k = 0; k < 2; k++) {
          assertEquals(t < len[b] ? 2.0 : 0.0, x.grad().get(t, b, k), "grad at t=" + t + " b=" + b);
        }
      }
    }
    List<Tensor> seqs = List.of(Tensor.randn(new Generator(3), 2, 2).requiresGrad(true),
        Tensor.randn(new Generator(4), 3, 2).requiresGrad(true));
    Packing.padSequence(seqs, false, 0f, PaddingSide.LEFT).sum().backward();
    for (Tensor s : seqs) {
      assertArrayEquals(Tensor.onesLike(s).toFloatArray(), s.grad().toFloatArray());
    }
    Tensor y = Tensor.randn(new Generator(6), 3, 2, 2).requiresGrad(true);
    List<Tensor> parts = Packing.unpadSequence(y, Tensor.ofLongs(3, 1), false);
    parts.get(1).sum().backward();
    assertEquals(1.0, y.grad().get(0, 1, 0));
    assertEquals(0.0, y.grad().get(1, 1, 0));
  }

  @Test
  void errorsAreStatedClearly() {
    Tensor x = Tensor.zeros(4, 3, 2);
    var unsorted = assertThrows(IllegalArgumentException.class,
        () -> Packing.packPaddedSequence(x, new int[] {1, 3, 2}, false, true));
    assertTrue(unsorted.getMessage().contains("must be sorted in decreasing order when `enforce_sorted` is True"));
    var tooLong = assertThrows(IllegalArgumentException.class,
        () -> Packing.packPaddedSequence(x, new int[] {5, 3, 2}, false, true));
    assertTrue(tooLong.getMessage().contains("has length 5 but the padded input has only 4 steps"),
        tooLong.getMessage());
    var count = assertThrows(IllegalArgumentException.class,
        () -> Packing.packPaddedSequence(x, new int[] {2, 1}, false, true));
    assertTrue(count.getMessage().contains("Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"));
    var negative = assertThrows(IllegalArgumentException.class,
        () -> Packing.packPaddedSequence(x, new int[] {2, 1, -1}, false, false));
    assertTrue(negative.getMessage().contains("non-negative"));
    PackedSequence p = Packing.packPaddedSequence(x, new int[] {4, 3, 2}, false, true);
    var total = assertThrows(IllegalArgumentException.class, () -> Packing.padPackedSequence(p, false, 0f, 3));
    assertEquals("Expected total_length to be at least the length of the longest sequence in input, but got "
        + "total_length=3 and max sequence length being 4", total.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Packing.padSequence(List.of()));
    var trailing = assertThrows(IllegalArgumentException.class,
        () -> Packing.padSequence(List.of(Tensor.zeros(2, 3), Tensor.zeros(2, 4))));
    assertTrue(trailing.getMessage().contains("trailing shape [3]"), trailing.getMessage());
  }

  @Test
  void constructorValidatesInvariants() {
    Tensor d = Tensor.zeros(4, 2);
    assertThrows(IllegalArgumentException.class, () -> new PackedSequence(d, new int[] {1, 3}, null, null));
    assertThrows(IllegalArgumentException.class, () -> new PackedSequence(d, new int[] {2, 1}, null, null));
    assertThrows(IllegalArgumentException.class, () -> new PackedSequence(d, new int[] {2, 2}, new int[] {0, 1}, null));
    assertThrows(IllegalArgumentException.class,
        () -> new PackedSequence(d, new int[] {2, 2}, new int[] {1, 0}, new int[] {0, 1}));
    assertThrows(IllegalArgumentException.class, () -> new PackedSequence(d, new int[] {2, 2, 0}, null, null));
    new PackedSequence(d, new int[] {2, 2}, new int[] {1, 0}, new int[] {1, 0}); // valid
  }

  @Test
  void equalsHashCodeAndToString() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2, 1);
    PackedSequence a = Packing.packPaddedSequence(x, new int[] {2, 1}, false, true);
    PackedSequence b = Packing.packPaddedSequence(x.copy(), new int[] {2, 1}, false, true);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, Packing.packPaddedSequence(x, new int[] {1, 2}, false, false));
    String s = a.toString();
    assertTrue(s.startsWith("PackedSequence(data=tensor("), s);
    assertTrue(s.endsWith(", batch_sizes=tensor([2, 1]), sorted_indices=None, unsorted_indices=None)"), s);
    String u = Packing.packPaddedSequence(x, new int[] {1, 2}, false, false).toString();
    assertTrue(u.endsWith("sorted_indices=tensor([1, 0]), unsorted_indices=tensor([1, 0]))"), u);
  }
}
