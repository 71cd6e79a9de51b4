package dev.rnn4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The backward engine: accumulation, deep graphs, retain_graph, no-grad, detach, diamonds, errors, names. */
class GraphTest {
  @Test
  void gradientsAccumulateAcrossBackwardCalls() {
    Tensor x = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    x.mul(x).sum().backward(); // d/dx x^2 = 2x
    assertArrayEquals(new float[] {2, 4, 6}, x.grad().data());
    x.mul(3).sum().backward();
    assertArrayEquals(new float[] {5, 7, 9}, x.grad().data());
    x.zeroGrad();
    assertNull(x.grad());
  }

  @Test
  void leavesSharingAnUpstreamGradientDoNotAliasEachOther() {
    Tensor a = Tensor.of(1f, 2f).requiresGrad(true);
    Tensor b = Tensor.of(3f, 4f).requiresGrad(true);
    a.add(b).sum().backward(); // both receive the same incoming gradient
    assertNotSame(a.grad().data(), b.grad().data());
    a.mul(2).sum().backward();
    assertArrayEquals(new float[] {3, 3}, a.grad().data());
    assertArrayEquals(new float[] {1, 1}, b.grad().data());
    Tensor seed = Tensor.of(1f, 1f);
    Tensor c = Tensor.of(0f, 0f).requiresGrad(true);
    c.view(2).backward(seed);
    c.view(2).backward(seed);
    assertArrayEquals(new float[] {1, 1}, seed.data(), "the caller's gradient tensor must not be written");
  }

  @Test
  void aTwentyThousandNodeChainDoesNotOverflowTheStack() {
    Tensor x = Tensor.of(1f).requiresGrad(true);
    Tensor y = x;
    for (int i = 0; i < 20_000; i++) {
      y = y.mul(1.0001).add(0.0);
    }
    y.sum().backward();
    assertEquals(Math.pow(1.0001, 20_000), x.grad().data()[0], 1e-2);
  }

  @Test
  void secondBackwardNeedsRetainGraph() {
    Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
    Tensor loss = x.exp().sum();
    loss.backward(Tensor.scalar(1f), true);
    loss.backward(Tensor.scalar(1f), true); // retained: works and accumulates
    assertEquals(2 * Math.exp(2), x.grad().data()[1], 1e-4);
    loss.backward(); // frees the graph
    IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
    assertTrue(e.getMessage().contains("freed") && e.getMessage().contains("retainGraph"), e.getMessage());
  }

  @Test
  void noGradScopeRecordsNothingAndNests() {
    Tensor x = Tensor.of(1f).requiresGrad(true);
    try (GradMode g = GradMode.disable()) {
      Tensor y = x.mul(2);
      assertNull(y.gradFn());
      assertFalse(y.requiresGrad());
      try (GradMode h = GradMode.enable()) {
        assertEquals("MulBackward0", x.mul(2).gradFn().name());
      }
      assertFalse(GradMode.isEnabled());
    }
    assertTrue(GradMode.isEnabled());
    assertEquals("MulBackward0", x.mul(2).gradFn().name());
  }

  @Test
  void detachCutsTheGraphAndSharesStorage() {
    Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
    Tensor y = x.mul(2);
    Tensor d = y.detach();
    assertNull(d.gradFn());
    assertFalse(d.requiresGrad());
    assertSame(y.data(), d.data());
    y.add(d).sum().backward(); // only the y path contributes
    assertArrayEquals(new float[] {2, 2}, x.grad().data());
  }

  @Test
  void diamondGraphSumsBothPaths() {
    Tensor x = Tensor.of(0.5f, -1f).requiresGrad(true);
    Tensor h = x.tanh(); // used twice
    Tensor out = h.mul(h).add(h.mul(3)).sum(); // h^2 + 3h
    out.backward();
    for (int i = 0; i < 2; i++) {
      double t = Math.tanh(x.data()[i]);
      assertEquals((2 * t + 3) * (1 - t * t), x.grad().data()[i], 1e-6);
    }
  }

  @Test
  void retainGradKeepsANonLeafGradient() {
    Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
    Tensor h = x.mul(2).retainGrad();
    h.mul(h).sum().backward();
    assertArrayEquals(new float[] {4, 8}, h.grad().data()); // 2h
    assertArrayEquals(new float[] {8, 16}, x.grad().data());
  }

  @Test
  void errorsAreClear() {
    Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
    IllegalArgumentException nonScalar = assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward());
    assertTrue(nonScalar.getMessage().contains("scalar outputs") && nonScalar.getMessage().contains("[2]"),
        nonScalar.getMessage());
    IllegalStateException noGrad = assertThrows(IllegalStateException.class, () -> Tensor.of(1f).sum().backward());
    assertTrue(noGrad.getMessage().contains("does not require grad"), noGrad.getMessage());
    IllegalArgumentException badSeed =
        assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward(Tensor.of(1f, 2f, 3f)));
    assertTrue(badSeed.getMessage().contains("[3]") && badSeed.getMessage().contains("[2]"), badSeed.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(1, 2).requiresGrad(true));
    assertThrows(IllegalStateException.class, () -> x.mul(2).requiresGrad(false));
  }

  @Test
  void gradFnNamesAreTorchs() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
    assertEquals("AddBackward0", x.add(1).gradFn().name());
    assertEquals("ViewBackward0", x.view(3, 2).gradFn().name());
    // As PyTorch 1.13 names them (checked with python3-torch).
    assertEquals("TBackward0", x.t().gradFn().name());
    assertEquals("TransposeBackward0", x.transpose(0, 1).gradFn().name());
    assertEquals("UnsqueezeBackward0", x.unsqueeze(0).gradFn().name());
    assertEquals("SqueezeBackward1", x.unsqueeze(0).squeeze(0).gradFn().name());
    assertEquals("SelectBackward0", x.select(0, 1).gradFn().name());
    assertEquals("IndexBackward0", x.index(Tensor.ofLongs(1, 0)).gradFn().name());
    assertEquals("StackBackward0", Tensor.stack(java.util.List.of(x, x), 0).gradFn().name());
    assertEquals("SplitBackward0", x.chunk(2, 1).get(0).gradFn().name());
    assertEquals("PowBackward0", x.square().gradFn().name());
    Tensor v = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    assertEquals("DotBackward0", v.matmul(v).gradFn().name());
    assertEquals("MvBackward0", x.matmul(v).gradFn().name());
    assertEquals("UnsafeViewBackward0", x.view(1, 2, 3).matmul(x.t()).gradFn().name());
    Tensor w = Tensor.zeros(4, 3).requiresGrad(true);
    Tensor b = Tensor.zeros(4).requiresGrad(true);
    assertEquals("AddmmBackward0", dev.rnn4j.autograd.op.LinearOp.apply(x, w, b).gradFn().name());
    assertEquals("MmBackward0", dev.rnn4j.autograd.op.LinearOp.apply(x, w, null).gradFn().name());
    assertEquals("ViewBackward0", dev.rnn4j.autograd.op.LinearOp.apply(x.view(1, 2, 3), w, b).gradFn().name());
    assertEquals("MmBackward0", x.matmul(x.t()).gradFn().name());
    assertEquals("TanhBackward0", x.tanh().gradFn().name());
    assertEquals("CatBackward0", Tensor.cat(0, x, x).gradFn().name());
    assertEquals("<SumBackward0>", x.sum().gradFn().toString());
    assertTrue(x.isLeaf());
    assertFalse(x.exp().isLeaf());
  }
}
