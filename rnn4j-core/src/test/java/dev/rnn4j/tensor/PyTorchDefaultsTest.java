package dev.rnn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * PyTorch's short forms on {@link Tensor}: {@code max(dim)}, {@code argmax(dim)}, {@code argmax()}, {@code item()} on
 * integers, the {@code torch.Size} text, and the documented copy semantics of {@code transpose}. Expected values were
 * printed by PyTorch 1.13 on CPU.
 */
class PyTorchDefaultsTest {
  private static final Tensor X = Tensor.of(new float[][] {{1, 3, 3, 0}, {2, 2, 1, 2}});

  @Test
  void maxAlongADimReturnsValuesAndFirstIndicesWithTheDimRemoved() {
    // torch.max(x, 1) -> values=tensor([3., 2.]), indices=tensor([1, 0]): ties pick the first index
    ValuesIndices m = X.max(1);
    assertArrayEquals(new float[] {3, 2}, m.values().toFloatArray());
    assertArrayEquals(new long[] {1, 0}, m.indices().toLongArray());
    assertEquals(DType.INT64, m.indices().dtype());
    assertArrayEquals(new int[] {2}, m.values().shape().dims());
    // torch.max(x, 0) -> values=tensor([2., 3., 3., 2.]), indices=tensor([1, 0, 0, 1]); dim=-1 as in the notebook
    assertArrayEquals(new long[] {1, 0, 0, 1}, X.max(0).indices().toLongArray());
    assertArrayEquals(new long[] {1, 0}, X.max(-1).indices().toLongArray());
    // torch.min(x, 1) -> values=tensor([0., 1.]), indices=tensor([3, 2])
    assertArrayEquals(new long[] {3, 2}, X.min(1).indices().toLongArray());
    assertArrayEquals(new float[] {0, 1}, X.min(1).values().toFloatArray());
  }

  @Test
  void argmaxWithAndWithoutADim() {
    assertArrayEquals(new long[] {1, 0}, X.argmax(1).toLongArray()); // x.argmax(1) -> tensor([1, 0])
    assertArrayEquals(new long[] {1, 0, 0, 1}, X.argmax(0).toLongArray());
    assertArrayEquals(new long[] {3, 2}, X.argmin(1).toLongArray());
    Tensor flat = X.argmax(); // x.argmax() -> tensor(1), the flattened index of the first 3
    assertEquals(0, flat.dim());
    assertEquals(1L, flat.itemLong());
    assertEquals(7L, Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 9}, 2, 2, 2).argmax().itemLong());
    assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0).argmax());
  }

  @Test
  void maxTreatsNanAsTheLargestLikePyTorch() {
    // torch.max(tensor([[nan, 1., nan], [1., nan, 2.]]), 1) -> values=tensor([nan, nan]), indices=tensor([0, 1])
    Tensor y = Tensor.of(new float[][] {{Float.NaN, 1, Float.NaN}, {1, Float.NaN, 2}});
    ValuesIndices m = y.max(1);
    assertArrayEquals(new long[] {0, 1}, m.indices().toLongArray());
    assertTrue(Float.isNaN(m.values().toFloatArray()[0]) && Float.isNaN(m.values().toFloatArray()[1]));
  }

  @Test
  void itemLongIsExactForInt64AndRefusesFloats() {
    long big = (1L << 53) + 1; // a double cannot hold it
    assertEquals(big, Tensor.ofLongs(big).itemLong());
    assertEquals(5L, Tensor.ofLongs(new long[] {5}, 1, 1).itemLong());
    var many = assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(1, 2).itemLong());
    assertEquals("a Tensor with 2 elements cannot be converted to a scalar", many.getMessage());
    var f = assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1.5f).itemLong());
    assertEquals("itemLong() needs an int64 or bool tensor, got float32; use item()", f.getMessage());
  }

  @Test
  void shapePrintsLikeTorchSize() {
    assertEquals("torch.Size([1, 10, 100])", Tensor.zeros(1, 10, 100).shape().toTorchString());
    assertEquals("torch.Size([])", Tensor.scalar(1).shape().toTorchString());
    assertEquals("[1, 10, 100]", Tensor.zeros(1, 10, 100).shape().toString()); // what error messages print
  }

  @Test
  void transposeAndPermuteCopyAsDocumented() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor t = a.t();
    t.data()[0] = 100; // PyTorch's view would write through to a; rnn4j's copy does not
    assertEquals(1.0, a.get(0, 0));
    assertArrayEquals(new float[] {100, 4, 2, 5, 3, 6}, t.view(6).toFloatArray()); // PyTorch: view needs contiguous
    Tensor p = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3).permute(2, 0, 1);
    assertArrayEquals(new int[] {3, 1, 2}, p.shape().dims());
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, p.toFloatArray());
  }
}
