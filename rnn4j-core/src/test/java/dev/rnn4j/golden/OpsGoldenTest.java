package dev.rnn4j.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.nn.Dropout;
import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.ValuesIndices;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op and basic module against real PyTorch 1.13 ({@code scripts/fixtures/fx_ops.py}): the fixture holds the
 * inputs, the output and the gradients of {@code sum(out * R)} for a fixed random {@code R}. The same op runs here
 * on the same float32 inputs; forward values must agree to 1e-6 relative (plus 1e-7 absolute for values near 0),
 * gradients to 1e-5, and integer outputs (indices) exactly.
 */
class OpsGoldenTest {
  /** A Java twin of one fixture case: the inputs in order, returning the output (or values and indices). */
  private static final Map<String, Function<Tensor[], Object>> CASES = new LinkedHashMap<>();

  static {
    CASES.put("add_bcast", x -> x[0].add(x[1]));
    CASES.put("sub_bcast", x -> x[0].sub(x[1]));
    CASES.put("mul_bcast", x -> x[0].mul(x[1]));
    CASES.put("div_bcast", x -> x[0].div(x[1]));
    CASES.put("mul_scalar", x -> x[0].mul(2.5).add(1));
    CASES.put("exp", x -> x[0].exp());
    CASES.put("log", x -> x[0].log());
    CASES.put("tanh", x -> x[0].tanh());
    CASES.put("sigmoid", x -> x[0].sigmoid());
    CASES.put("relu", x -> x[0].relu());
    CASES.put("sqrt", x -> x[0].sqrt());
    CASES.put("neg", x -> x[0].neg());
    CASES.put("pow_scalar", x -> x[0].pow(2.5));
    CASES.put("pow_int", x -> x[0].pow(3));
    CASES.put("clamp", x -> x[0].clamp(-0.5, 0.3));
    CASES.put("where", x -> Tensor.where(x[0], x[1], x[2]));
    CASES.put("matmul_1d1d", x -> x[0].matmul(x[1]));
    CASES.put("matmul_1d2d", x -> x[0].matmul(x[1]));
    CASES.put("matmul_2d1d", x -> x[0].matmul(x[1]));
    CASES.put("matmul_2d", x -> x[0].matmul(x[1]));
    CASES.put("matmul_batched_mat", x -> x[0].matmul(x[1]));
    CASES.put("matmul_bcast", x -> x[0].matmul(x[1]));
    CASES.put("matmul_1d_batched", x -> x[0].matmul(x[1]));
    CASES.put("sum_all", x -> x[0].sum());
    CASES.put("sum_dim", x -> x[0].sum(1, false));
    CASES.put("sum_dim_keep", x -> x[0].sum(-1, true));
    CASES.put("mean_all", x -> x[0].mean());
    CASES.put("mean_dim", x -> x[0].mean(0, false));
    CASES.put("mean_dim_keep", x -> x[0].mean(1, true));
    CASES.put("max_dim", x -> x[0].max(1, false));
    CASES.put("max_dim_keep", x -> x[0].max(0, true));
    CASES.put("min_dim", x -> x[0].min(-1, false));
    CASES.put("sort_desc", x -> x[0].sort(-1, true));
    CASES.put("sort_asc_dim0", x -> x[0].sort(0, false));
    CASES.put("softmax_last", x -> x[0].softmax(-1));
    CASES.put("softmax_dim0", x -> x[0].softmax(0));
    CASES.put("log_softmax", x -> x[0].logSoftmax(1));
    CASES.put("masked_fill", x -> x[0].maskedFill(x[1], -1e4));
    CASES.put("index_select0", x -> x[0].indexSelect(0, x[1]));
    CASES.put("index_select1", x -> x[0].indexSelect(1, x[1]));
    CASES.put("index_tensor", x -> x[0].index(x[1]));
    CASES.put("gather", x -> x[0].gather(1, x[1]));
    CASES.put("cat0", x -> Tensor.cat(0, x[0], x[1]));
    CASES.put("cat1", x -> Tensor.cat(List.of(x[0], x[1]), 1));
    CASES.put("stack0", x -> Tensor.stack(List.of(x[0], x[1]), 0));
    CASES.put("stack1", x -> Tensor.stack(List.of(x[0], x[1]), 1));
    CASES.put("narrow", x -> x[0].narrow(1, 1, 3));
    CASES.put("permute", x -> x[0].permute(2, 0, 1));
    CASES.put("transpose", x -> x[0].transpose(0, 1));
    CASES.put("view", x -> x[0].view(3, -1));
    CASES.put("unsqueeze_squeeze", x -> x[0].unsqueeze(1).squeeze(-1));
    // Module cases load the fixture's parameters through loadStateDict(strict) and put the module's own parameter
    // tensors back into x, so their gradients are the ones compared.
    CASES.put("linear_bias", x -> {
      Linear lin = new Linear(4, 5, true, new Generator(1));
      lin.loadStateDict(Map.of("weight", x[1], "bias", x[2]), true);
      x[1] = lin.weight();
      x[2] = lin.bias();
      return lin.forward(x[0]);
    });
    CASES.put("linear_nobias", x -> {
      Linear lin = new Linear(4, 2, false, new Generator(1));
      lin.loadStateDict(Map.of("weight", x[1]), true);
      x[1] = lin.weight();
      return lin.forward(x[0]);
    });
    CASES.put("embedding_pad", x -> {
      Embedding emb = new Embedding(6, 4, 1, new Generator(1));
      emb.loadStateDict(Map.of("weight", x[0]), true);
      x[0] = emb.weight();
      return emb.forward(x[1]);
    });
    CASES.put("dropout_eval", x -> {
      Dropout d = new Dropout(0.5, new Generator(1));
      d.eval();
      return d.forward(x[0]);
    });
  }

  static Stream<String> cases() {
    return CASES.keySet().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesPyTorch(String name) {
    SafeTensors.Contents fx = Fixtures.load("ops_" + name);
    List<Tensor> in = new ArrayList<>();
    for (int i = 0; fx.tensors().containsKey("in" + i); i++) {
      Tensor t = fx.tensors().get("in" + i);
      in.add(t.dtype() == DType.FLOAT32 ? t.requiresGrad(true) : t);
    }
    Tensor[] args = in.toArray(new Tensor[0]);
    Object result = CASES.get(name).apply(args);
    in = List.of(args); // module cases swap in their own parameters
    Tensor out;
    if (result instanceof ValuesIndices vi) {
      out = vi.values();
      Tensor idx = Fixtures.get(fx, "out_indices");
      assertEquals(idx.shape(), vi.indices().shape(), name + " indices shape");
      assertArrayEquals(idx.longData(), vi.indices().longData(), name + " indices");
    } else {
      out = (Tensor) result;
    }
    Tensor expected = Fixtures.get(fx, "out");
    assertEquals(expected.shape(), out.shape(), name + " shape");
    assertEquals(expected.dtype(), out.dtype(), name + " dtype");
    Approx.assertClose(name + " forward", out, expected, 1e-7, 1e-6);

    Tensor r = Fixtures.get(fx, "R");
    if (out.requiresGrad()) {
      out.mul(r).sum().backward();
    }
    int checked = 0;
    for (int i = 0; i < in.size(); i++) {
      Tensor g = fx.tensors().get("grad" + i);
      if (g == null) {
        continue;
      }
      Tensor actual = in.get(i).grad() == null ? Tensor.zerosLike(in.get(i)) : in.get(i).grad();
      Approx.assertClose(name + " grad of input " + i, actual, g, 1e-6, 1e-5);
      checked++;
    }
    assertTrue(checked > 0, name + ": the fixture should hold at least one gradient");
  }
}
