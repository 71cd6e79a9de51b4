package dev.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Module}'s contract: parameter order and dotted names, state dicts, train/eval, zeroGrad. */
class ModuleTest {
  /** embedding -> block(linear, dropout) -> head, like a small language model. */
  static final class Block extends Module {
    final Linear linear;
    final Dropout drop;

    Block(Generator g) {
      linear = registerModule("linear", new Linear(4, 4, g));
      drop = registerModule("drop", new Dropout(0.5, g));
    }
  }

  static final class Net extends Module {
    final Tensor scale;
    final Embedding embedding;
    final Block block;
    final Linear head;

    Net(Generator g) {
      scale = registerParameter("scale", Tensor.ones(1));
      embedding = registerModule("embedding", new Embedding(10, 4, 0, g));
      block = registerModule("block", new Block(g));
      head = registerModule("head", new Linear(4, 3, false, g));
    }
  }

  @Test
  void namedParametersInRegistrationOrderWithDottedNames() {
    Net net = new Net(new Generator(1));
    assertEquals(
        List.of("scale", "embedding.weight", "block.linear.weight", "block.linear.bias", "head.weight"),
        List.copyOf(net.namedParameters().keySet()));
    assertEquals(List.copyOf(net.namedParameters().values()), net.parameters());
    assertSame(net.block.linear.weight(), net.namedParameters().get("block.linear.weight"));
    assertEquals(1 + 40 + 16 + 4 + 12, net.parameterCount());
    assertTrue(net.parameters().stream().allMatch(Tensor::requiresGrad));
    assertEquals(List.of("embedding", "block", "head"), List.copyOf(net.namedChildren().keySet()));
  }

  @Test
  void duplicateAndDottedNamesAreRejected() {
    Module m = new Module() {
      {
        registerParameter("w", Tensor.zeros(1));
        assertThrows(IllegalArgumentException.class, () -> registerParameter("w", Tensor.zeros(1)));
        assertThrows(IllegalArgumentException.class, () -> registerParameter("a.b", Tensor.zeros(1)));
        assertThrows(IllegalArgumentException.class, () -> registerModule("w", new Dropout(0.1, new Generator(1))));
      }
    };
    assertEquals(1, m.parameters().size());
  }

  @Test
  void stateDictRoundTripsIntoAFreshModel() {
    Net a = new Net(new Generator(1));
    Net b = new Net(new Generator(2));
    assertFalse(a.head.weight().contentEquals(b.head.weight()));
    Module.LoadResult r = b.loadStateDict(a.stateDict(), true);
    assertTrue(r.isClean());
    for (String k : a.namedParameters().keySet()) {
      assertArrayEquals(a.namedParameters().get(k).data(), b.namedParameters().get(k).data(), k);
    }
    assertSame(a.head.weight().data(), a.stateDict().get("head.weight").data(), "state dict shares storage");
    assertNull(a.stateDict().get("head.weight").gradFn());
  }

  @Test
  void strictLoadNamesMissingUnexpectedAndMismatchedKeysAndChangesNothing() {
    Net net = new Net(new Generator(1));
    float[] before = net.head.weight().data().clone();
    Map<String, Tensor> sd = new LinkedHashMap<>(new Net(new Generator(3)).stateDict());
    sd.remove("block.linear.bias");
    sd.put("decoder.weight", Tensor.zeros(2));
    sd.put("embedding.weight", Tensor.zeros(11, 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(sd, true));
    String m = e.getMessage();
    assertTrue(m.contains("Missing key(s) in state_dict: \"block.linear.bias\"."), m);
    assertTrue(m.contains("Unexpected key(s) in state_dict: \"decoder.weight\"."), m);
    assertTrue(m.contains("size mismatch for embedding.weight: copying a param with shape [11, 4] from checkpoint,"
        + " the shape in current model is [10, 4]."), m);
    assertArrayEquals(before, net.head.weight().data());
  }

  @Test
  void nonStrictLoadReportsKeysAndLoadsTheRest() {
    Net net = new Net(new Generator(1));
    Net src = new Net(new Generator(4));
    Map<String, Tensor> sd = new LinkedHashMap<>(src.stateDict());
    sd.remove("scale");
    sd.put("extra", Tensor.zeros(1));
    Module.LoadResult r = net.loadStateDict(sd, false);
    assertEquals(List.of("scale"), r.missingKeys());
    assertEquals(List.of("extra"), r.unexpectedKeys());
    assertArrayEquals(src.head.weight().data(), net.head.weight().data());
    sd.put("head.weight", Tensor.zeros(4, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(sd, false));
    assertTrue(e.getMessage().contains("size mismatch for head.weight"), e.getMessage());
  }

  @Test
  void trainAndEvalPropagateToEveryDescendant() {
    Net net = new Net(new Generator(1));
    assertTrue(net.block.drop.isTraining());
    net.eval();
    assertFalse(net.isTraining());
    assertFalse(net.block.isTraining());
    assertFalse(net.block.drop.isTraining());
    net.train();
    assertTrue(net.block.drop.isTraining() && net.head.isTraining());
  }

  @Test
  void zeroGradClearsEveryParameter() {
    Net net = new Net(new Generator(1));
    Tensor x = net.embedding.forward(Tensor.ofLongs(1, 2));
    net.head.forward(net.block.linear.forward(x)).mul(net.scale).sum().backward();
    assertTrue(net.parameters().stream().allMatch(p -> p.grad() != null));
    net.zeroGrad();
    assertTrue(net.parameters().stream().allMatch(p -> p.grad() == null));
  }
}
