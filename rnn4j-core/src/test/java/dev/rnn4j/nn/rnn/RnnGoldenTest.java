package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden parity with PyTorch 1.13 ({@code scripts/fixtures/fx_rnn.py}): for RNN (tanh, relu), LSTM and GRU over 1-3
 * layers, uni/bidirectional, padded / packed sorted / packed unsorted input, batch-first, unbatched input, no h0,
 * no bias, dropout in eval mode and LSTM projections, PyTorch's weights loaded by name must give PyTorch's output,
 * {@code h_n}, {@code c_n} and the gradients of a projected loss with respect to the input, {@code h0}, {@code c0}
 * and every parameter.
 */
class RnnGoldenTest {
  private static final double FWD_TOL = 1e-6;
  private static final double GRAD_TOL = 1e-5;

  @TestFactory
  List<DynamicTest> rnnTanh() {
    return cases("rnn_tanh", "tanh");
  }

  @TestFactory
  List<DynamicTest> rnnRelu() {
    return cases("rnn_relu", "relu");
  }

  @TestFactory
  List<DynamicTest> lstm() {
    return cases("rnn_lstm", "lstm");
  }

  @TestFactory
  List<DynamicTest> gru() {
    return cases("rnn_gru", "gru");
  }

  private List<DynamicTest> cases(String file, String mode) {
    SafeTensors.Contents c = Fixtures.load(file);
    List<DynamicTest> tests = new ArrayList<>();
    c.metadata().forEach((k, v) -> {
      if (k.startsWith("case.")) {
        String id = k.substring(5);
        Map<String, String> meta = parse(v);
        tests.add(DynamicTest.dynamicTest(mode + " " + meta.get("name"), () -> check(c, id, mode, meta)));
      }
    });
    assertTrue(tests.size() >= 19, "expected the full case grid in " + file + ", found " + tests.size());
    return tests;
  }

  private static Map<String, String> parse(String s) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String kv : s.split(",")) {
      String[] p = kv.split("=", 2);
      m.put(p[0], p[1]);
    }
    return m;
  }

  private static RnnBase build(String mode, RnnConfig cfg) {
    Generator gen = new Generator(0);
    return switch (mode) {
      case "lstm" -> new Lstm(cfg, gen);
      case "gru" -> new Gru(cfg, gen);
      default -> new Rnn(cfg, mode, gen);
    };
  }

  private static void check(SafeTensors.Contents c, String id, String mode, Map<String, String> m) {
    String p = id + ".";
    boolean bf = m.get("batch_first").equals("1");
    String kind = m.get("kind");
    RnnConfig cfg = RnnConfig.builder(2, 3)
        .numLayers(Integer.parseInt(m.get("layers")))
        .bidirectional(m.get("bi").equals("1"))
        .batchFirst(bf)
        .projSize(Integer.parseInt(m.get("proj")))
        .bias(m.get("bias").equals("1"))
        .dropout(Double.parseDouble(m.get("dropout")))
        .build();
    RnnBase rnn = build(mode, cfg);
    rnn.eval();
    assertTrue(rnn.loadStateDict(Fixtures.withPrefix(c, p + "p."), true).isClean());
    assertEquals(List.copyOf(Fixtures.withPrefix(c, p + "p.").keySet()), List.copyOf(rnn.namedParameters().keySet()),
        "parameter registration order must be PyTorch's named_parameters order");

    Tensor x = Fixtures.get(c, p + "x").copy().requiresGrad(true);
    Tensor h0 = c.tensors().containsKey(p + "h0") ? Fixtures.get(c, p + "h0").copy().requiresGrad(true) : null;
    Tensor c0 = c.tensors().containsKey(p + "c0") ? Fixtures.get(c, p + "c0").copy().requiresGrad(true) : null;

    Tensor out;
    RnnOutput<?> res;
    if (kind.equals("padded")) {
      RnnOutput<Tensor> r = forward(rnn, x, h0, c0);
      out = r.output();
      res = r;
    } else {
      PackedSequence in = Packing.packPaddedSequence(
          x, Fixtures.get(c, p + "lengths"), bf, kind.equals("packed_sorted"));
      RnnOutput<PackedSequence> r = forwardPacked(rnn, in, h0, c0);
      out = r.output().data();
      assertArrayEquals(Fixtures.get(c, p + "batch_sizes").toLongArray(), toLong(r.output().batchSizes()));
      if (c.tensors().containsKey(p + "sorted_indices")) {
        assertArrayEquals(Fixtures.get(c, p + "sorted_indices").toLongArray(), toLong(r.output().sortedIndices()));
      } else {
        assertNull(r.output().sortedIndices());
      }
      res = r;
    }
    Approx.assertClose("output", out, Fixtures.get(c, p + "out"), FWD_TOL, FWD_TOL);
    Approx.assertClose("h_n", res.hN(), Fixtures.get(c, p + "h_n"), FWD_TOL, FWD_TOL);
    Tensor loss = out.mul(Fixtures.get(c, p + "r_out")).sum().add(res.hN().mul(Fixtures.get(c, p + "r_h")).sum());
    if (mode.equals("lstm")) {
      Tensor cN = assertInstanceOf(LstmOutput.class, res).cN();
      Approx.assertClose("c_n", cN, Fixtures.get(c, p + "c_n"), FWD_TOL, FWD_TOL);
      loss = loss.add(cN.mul(Fixtures.get(c, p + "r_c")).sum());
    } else {
      assertEquals(RnnOutput.class, res.getClass(), "RNN and GRU results carry no c_n");
    }
    loss.backward();
    Approx.assertClose("d input", x.grad(), Fixtures.get(c, p + "g.x"), GRAD_TOL, GRAD_TOL);
    if (h0 != null) {
      Approx.assertClose("d h0", h0.grad(), Fixtures.get(c, p + "g.h0"), GRAD_TOL, GRAD_TOL);
    }
    if (c0 != null) {
      Approx.assertClose("d c0", c0.grad(), Fixtures.get(c, p + "g.c0"), GRAD_TOL, GRAD_TOL);
    }
    rnn.namedParameters().forEach((name, param) -> {
      assertNotNull(param.grad(), "no gradient for " + name);
      Approx.assertClose("d " + name, param.grad(), Fixtures.get(c, p + "g." + name), GRAD_TOL, GRAD_TOL);
    });
  }

  static RnnOutput<Tensor> forward(RnnBase rnn, Tensor x, Tensor h0, Tensor c0) {
    if (rnn instanceof Lstm l) {
      return l.forward(x, h0, c0);
    }
    return rnn instanceof Gru g ? g.forward(x, h0) : ((Rnn) rnn).forward(x, h0);
  }

  static RnnOutput<PackedSequence> forwardPacked(RnnBase rnn, PackedSequence x, Tensor h0, Tensor c0) {
    if (rnn instanceof Lstm l) {
      return l.forward(x, h0, c0);
    }
    return rnn instanceof Gru g ? g.forward(x, h0) : ((Rnn) rnn).forward(x, h0);
  }

  private static long[] toLong(int[] v) {
    long[] r = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = v[i];
    }
    return r;
  }
}
