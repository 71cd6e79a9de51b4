package dev.rnn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Tensor API details with PyTorch's meaning: dtypes of results, split/chunk, and errors naming expected vs actual. */
class TensorApiTest {
  private static void assertError(String expectedFragment, Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(expectedFragment), "message '" + ex.getMessage() + "' should contain '"
        + expectedFragment + "'");
  }

  @Test
  void dtypePromotionFollowsPyTorch() {
    Tensor i = Tensor.ofLongs(1, 2, 3);
    assertEquals(DType.INT64, i.add(1).dtype());
    assertEquals(DType.FLOAT32, i.add(0.5).dtype());
    assertEquals(DType.FLOAT32, i.div(2).dtype()); // true division
    assertEquals(DType.INT64, i.mul(i).dtype());
    assertEquals(DType.BOOL, i.gt(1).dtype());
    assertEquals(DType.INT64, i.sum().dtype());
    assertEquals(DType.FLOAT32, i.exp().dtype());
    assertArrayEquals(new long[] {1, 2, 2}, i.clamp(0, 2).longData());
    assertEquals(DType.INT64, Tensor.onesLike(i).dtype());
    assertEquals("torch.Size([2, 3])", Tensor.zeros(2, 3).shape().toTorchString());
  }

  @Test
  void splitAndChunkAsPyTorch() {
    Tensor x = Tensor.arange(10).view(2, 5);
    List<Tensor> parts = x.split(2, 1);
    assertEquals(3, parts.size());
    assertEquals(Shape.of(2, 1), parts.get(2).shape());
    assertArrayEquals(new long[] {4, 9}, parts.get(2).longData());
    List<Tensor> chunks = Tensor.arange(8).chunk(3, 0); // ceil(8/3) = 3: sizes 3, 3, 2
    assertEquals(List.of(3, 3, 2), chunks.stream().map(t -> t.size(0)).toList());
    assertEquals(2, Tensor.arange(4).chunk(3, 0).size()); // ceil(4/3) = 2: sizes 2, 2
    assertError("positive", () -> x.split(0, 0));
  }

  @Test
  void minMaxArgTies() {
    Tensor x = Tensor.of(new float[] {3, 1, 1, 5, 5, 2}, 2, 3);
    assertArrayEquals(new long[] {1, 2}, x.argmin(1, false).longData()); // first of tied minima
    assertArrayEquals(new long[] {0, 0}, x.argmax(1, false).longData());
    assertEquals(1.0, x.min().item());
    assertEquals(5.0, x.max().item());
  }

  @Test
  void badInputsGiveClearErrors() {
    Tensor x = Tensor.zeros(2, 3);
    assertError("[-2, 1], but got 2", () -> x.sum(2, false));
    assertError("invalid for input of size 6", () -> x.view(4, 2));
    assertError("must match the size of tensor b (4) at non-singleton dimension 1", () -> x.add(Tensor.zeros(4)));
    assertError("2x3 and 4x5", () -> x.matmul(Tensor.zeros(4, 5)));
    assertError("out of range for dimension 0 with size 2", () -> x.indexSelect(0, Tensor.ofLongs(2)));
    assertError("int64 index", () -> x.indexSelect(0, Tensor.of(0f)));
    assertError("exceeds dimension size (3)", () -> x.narrow(1, 2, 2));
    assertError("Expected size 3 but got size 4", () -> Tensor.cat(0, x, Tensor.zeros(1, 4)));
    assertError("index 5 is out of bounds for dimension 1 with size 3",
        () -> x.gather(1, Tensor.ofLongs(new long[] {5}, 1, 1)));
    assertError("bool mask", () -> x.maskedFill(Tensor.zeros(2, 3), 1));
    assertError("boolean tensor", () -> Tensor.where(Tensor.zeros(2, 3), x, x));
    assertError("index 3 is out of bounds for dimension 0 with size 2", () -> x.get(3, 0));
    assertError("expected a float32 tensor, got INT64", () -> Tensor.ofLongs(1).data());
    assertError("repeated dim", () -> x.permute(1, 1));
    assertError("stack expects each tensor to be equal size", () -> Tensor.stack(List.of(x, Tensor.zeros(3, 2)), 0));
  }
}
