package dev.rnn4j.nn.rnn.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PyTorch's defaults and keyword arguments for packing, and {@code pad_sequence} over int64 token ids. */
class PackingDefaultsTest {
  private final Generator gen = new Generator(3);

  @Test
  void shortPackPaddedSequenceUsesPyTorchsDefaults() {
    Tensor x = Tensor.randn(gen, 4, 3, 2); // (L, B, *)
    Tensor lengths = Tensor.ofLongs(4, 2, 1);
    PackedSequence shortForm = Packing.packPaddedSequence(x, lengths);
    assertEquals(Packing.packPaddedSequence(x, lengths, false, true), shortForm);
    assertEquals(shortForm, Packing.packPaddedSequence(x, new int[] {4, 2, 1}));
    assertArrayEquals(new int[] {3, 2, 1, 1}, shortForm.batchSizes());
    // enforce_sorted=True by default: an unsorted batch gets PyTorch's message
    var e = assertThrows(IllegalArgumentException.class,
        () -> Packing.packPaddedSequence(x, Tensor.ofLongs(2, 4, 1)));
    assertTrue(e.getMessage().startsWith("`lengths` array must be sorted in decreasing order when `enforce_sorted` is"
        + " True"), e.getMessage());
  }

  @Test
  void optionsNameTheKeywordArguments() {
    Tensor x = Tensor.randn(gen, 3, 4, 2); // (B, L, *)
    Tensor lengths = Tensor.ofLongs(2, 4, 1);
    PackOptions opts = PackOptions.DEFAULT.batchFirst(true).enforceSorted(false);
    assertEquals(new PackOptions(true, false), opts);
    assertEquals(new PackOptions(false, true), PackOptions.DEFAULT);
    PackedSequence p = Packing.packPaddedSequence(x, lengths, opts);
    assertEquals(Packing.packPaddedSequence(x, lengths, true, false), p);
    assertEquals(p, Packing.packPaddedSequence(x, new int[] {2, 4, 1}, opts));
    assertArrayEquals(new int[] {1, 0, 2}, p.sortedIndices());
    List<Tensor> seqs = List.of(Tensor.randn(gen, 3, 2), Tensor.randn(gen, 1, 2));
    assertEquals(Packing.packSequence(seqs, true), Packing.packSequence(seqs));
  }

  @Test
  void padSequencePadsInt64TokenIds() {
    // pad_sequence([tensor([1,2,3]), tensor([4]), tensor([5,6])], batch_first=True, padding_value=-1)
    Tensor padded = Packing.padSequence(
        List.of(Tensor.ofLongs(1, 2, 3), Tensor.ofLongs(4), Tensor.ofLongs(5, 6)), true, -1, PaddingSide.RIGHT);
    assertEquals(DType.INT64, padded.dtype());
    assertArrayEquals(new int[] {3, 3}, padded.shape().dims());
    assertArrayEquals(new long[] {1, 2, 3, 4, -1, -1, 5, 6, -1}, padded.toLongArray());
    // pad_sequence([tensor([[1,2],[3,4]]), tensor([[5,6]])]) -> [[[1,2],[5,6]], [[3,4],[0,0]]]
    Tensor timeMajor = Packing.padSequence(List.of(
        Tensor.ofLongs(new long[][] {{1, 2}, {3, 4}}), Tensor.ofLongs(new long[][] {{5, 6}})));
    assertArrayEquals(new int[] {2, 2, 2}, timeMajor.shape().dims());
    assertArrayEquals(new long[] {1, 2, 5, 6, 3, 4, 0, 0}, timeMajor.toLongArray());
    Tensor left = Packing.padSequence(List.of(Tensor.ofLongs(1, 2), Tensor.ofLongs(3)), true, 0, PaddingSide.LEFT);
    assertArrayEquals(new long[] {1, 2, 0, 3}, left.toLongArray());
  }

  @Test
  void padSequenceNamesTheSequenceAtFault() {
    var mixed = assertThrows(IllegalArgumentException.class,
        () -> Packing.padSequence(List.of(Tensor.ofLongs(1, 2, 3), Tensor.ofLongs(4), Tensor.zeros(2))));
    assertEquals("pad_sequence expects sequences of one dtype and rank; sequence 0 is [3] INT64, sequence 2 is [2]"
        + " FLOAT32", mixed.getMessage());
    var scalar = assertThrows(IllegalArgumentException.class,
        () -> Packing.padSequence(List.of(Tensor.scalar(1), Tensor.zeros(2))));
    assertEquals("pad_sequence expects float32 or int64 sequences of shape (L_i, *); sequence 0 is [] FLOAT32",
        scalar.getMessage());
    var half = assertThrows(IllegalArgumentException.class,
        () -> Packing.padSequence(List.of(Tensor.ofLongs(1)), false, 0.5f, PaddingSide.RIGHT));
    assertTrue(half.getMessage().contains("padding value 0.5 is not a whole number"), half.getMessage());
  }
}
