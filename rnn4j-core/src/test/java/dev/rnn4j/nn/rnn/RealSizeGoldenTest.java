package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Det;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.util.ThreadTeam;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden parity with PyTorch at real sizes ({@code scripts/fixtures/fx_big.py}): hidden 64, 256 and 512, batches of
 * 16 to 32, packed unsorted batches with tied and zero lengths, two-layer bidirectional stacks and an LSTM with
 * projection, so the vector gate kernels' main loops, the packed or native GEMM, the steps cut by hidden units and the
 * concurrent directions all run. Each case runs twice: in training (output, {@code h_n}, {@code c_n} and the gradient
 * of a projected loss with respect to the input, the initial states and every parameter) and under
 * {@link GradMode#disable()}, called twice so that the second call runs on the weights packed by the first.
 *
 * <p>Inputs and weights are not stored: both sides generate them with {@link Det}; the references are PyTorch's
 * float64 results, sampled by a stride for the large tensors (see the script).
 */
class RealSizeGoldenTest {
  /** Forward: output and states against PyTorch's float64 results. */
  static final double FWD_ATOL = 1e-6;
  static final double FWD_RTOL = 1e-5;
  /** Gradients: sums over the batch and the steps, so their error grows with their size. */
  static final double GRAD_ATOL = 1e-5;
  static final double GRAD_RTOL = 2e-5;

  /**
   * Bidirectional layers run their directions concurrently with exactly two threads; split loops need two or more.
   * Each case runs inside this team.
   */
  private static final ThreadTeam TWO_THREADS = new ThreadTeam(2);

  @AfterAll
  static void endTeam() {
    TWO_THREADS.close();
  }

  private static void onTwoThreads(org.junit.jupiter.api.function.Executable body) throws Throwable {
    try (ThreadTeam.Scope scope = TWO_THREADS.use()) {
      body.execute();
    }
  }

  @TestFactory
  List<DynamicTest> realSizeCases() {
    SafeTensors.Contents c = Fixtures.load("rnn_big");
    List<DynamicTest> tests = new ArrayList<>();
    c.metadata().forEach((k, v) -> {
      if (k.startsWith("case.")) {
        String id = k.substring(5);
        Map<String, String> m = parse(v);
        tests.add(DynamicTest.dynamicTest(m.get("name") + " training", () -> onTwoThreads(() -> check(c, id, m, true))));
        tests.add(DynamicTest.dynamicTest(m.get("name") + " no-grad inference", () -> onTwoThreads(() -> check(c, id, m, false))));
      }
    });
    assertEquals(14, tests.size(), "expected the 7 cases of fx_big.py in training and inference");
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

  private static void check(SafeTensors.Contents c, String id, Map<String, String> m, boolean training) {
    String p = id + ".";
    String mode = m.get("mode");
    int in = num(m, "input");
    int hidden = num(m, "hidden");
    int proj = num(m, "proj");
    int layers = num(m, "layers");
    int d = m.get("bi").equals("1") ? 2 : 1;
    int batch = num(m, "batch");
    int steps = num(m, "steps");
    boolean packed = m.get("packed").equals("1");
    long seed = Long.parseLong(m.get("seed"));
    double wscale = Double.parseDouble(m.get("wscale"));
    int hout = proj > 0 ? proj : hidden;

    RnnConfig cfg = RnnConfig.builder(in, hidden).numLayers(layers).bidirectional(d == 2).projSize(proj).build();
    Generator gen = new Generator(0);
    RnnBase rnn = switch (mode) {
      case "lstm" -> new Lstm(cfg, gen);
      case "gru" -> new Gru(cfg, gen);
      default -> new Rnn(cfg, mode.substring(4), gen);
    };
    Map<String, Tensor> weights = new LinkedHashMap<>();
    int k = 0;
    for (Map.Entry<String, Tensor> e : rnn.namedParameters().entrySet()) {
      Tensor w = e.getValue();
      weights.put(e.getKey(), Tensor.wrap(Det.values(seed * 1000 + k++, w.numel(), wscale), w.shape()));
    }
    assertTrue(rnn.loadStateDict(weights, true).isClean());
    rnn.eval();

    Tensor x = Tensor.of(Det.values(seed * 1000 + 100, steps * batch * in, 1.0), steps, batch, in);
    Approx.assertClose("probe of x (Det must match fx_big.py's det)", x.reshape(-1).narrow(0, 0, 8),
        Fixtures.get(c, p + "probe.x"), 0, 0);
    Tensor h0 = Tensor.of(Det.values(seed * 1000 + 101, layers * d * batch * hout, 0.5), layers * d, batch, hout);
    Tensor c0 = mode.equals("lstm")
        ? Tensor.of(Det.values(seed * 1000 + 102, layers * d * batch * hidden, 0.5), layers * d, batch, hidden)
        : null;
    Tensor lengths = Fixtures.get(c, p + "lengths");

    if (!training) {
      try (var g = GradMode.disable()) {
        for (int call = 1; call <= 2; call++) { // the second call runs on the packed weights the first one kept
          Run r = run(rnn, x, h0, c0, lengths, packed, steps);
          compareForward(c, p, r, " (inference call " + call + ")");
        }
      }
      return;
    }
    x.requiresGrad(true);
    h0.requiresGrad(true);
    if (c0 != null) {
      c0.requiresGrad(true);
    }
    Run r = run(rnn, x, h0, c0, lengths, packed, steps);
    compareForward(c, p, r, "");
    Tensor rOut = Tensor.of(Det.values(seed * 1000 + 103, steps * batch * d * hout, 1.0), steps, batch, d * hout);
    Tensor rH = Tensor.of(Det.values(seed * 1000 + 104, layers * d * batch * hout, 1.0), layers * d, batch, hout);
    Tensor loss = r.out.mul(rOut).sum().add(r.hN.mul(rH).sum());
    if (c0 != null) {
      Tensor rC = Tensor.of(Det.values(seed * 1000 + 105, layers * d * batch * hidden, 1.0), layers * d, batch, hidden);
      loss = loss.add(r.cN.mul(rC).sum());
    }
    loss.backward();
    compare(c, p + "ref.g.x", "d input", x.grad(), GRAD_ATOL, GRAD_RTOL);
    compare(c, p + "ref.g.h0", "d h0", h0.grad(), GRAD_ATOL, GRAD_RTOL);
    if (c0 != null) {
      compare(c, p + "ref.g.c0", "d c0", c0.grad(), GRAD_ATOL, GRAD_RTOL);
    }
    rnn.namedParameters().forEach((name, w) ->
        compare(c, p + "ref.g." + name, "d " + name, w.grad(), GRAD_ATOL, GRAD_RTOL));
  }

  private record Run(Tensor out, Tensor hN, Tensor cN) {}

  private static Run run(RnnBase rnn, Tensor x, Tensor h0, Tensor c0, Tensor lengths, boolean packed, int steps) {
    if (!packed) {
      RnnOutput<Tensor> r = RnnGoldenTest.forward(rnn, x, h0, c0);
      return new Run(r.output(), r.hN(), r instanceof LstmOutput<Tensor> l ? l.cN() : null);
    }
    PackedSequence ps = Packing.packPaddedSequence(x, lengths, false, false);
    RnnOutput<PackedSequence> r = RnnGoldenTest.forwardPacked(rnn, ps, h0, c0);
    return new Run(Packing.padPackedSequence(r.output(), false, 0f, steps).output(), r.hN(),
        r instanceof LstmOutput<PackedSequence> l ? l.cN() : null);
  }

  private static void compareForward(SafeTensors.Contents c, String p, Run r, String when) {
    compare(c, p + "ref.out", "output" + when, r.out, FWD_ATOL, FWD_RTOL);
    compare(c, p + "ref.h_n", "h_n" + when, r.hN, FWD_ATOL, FWD_RTOL);
    if (r.cN != null) {
      compare(c, p + "ref.c_n", "c_n" + when, r.cN, FWD_ATOL, FWD_RTOL);
    }
  }

  /** Compares the stride-sampled elements of {@code actual} with the stored reference. */
  private static void compare(SafeTensors.Contents c, String key, String what, Tensor actual, double atol, double rtol) {
    assertTrue(actual != null, what + ": no value (no gradient reached it?)");
    String s = c.metadata().get("stride." + key);
    assertTrue(s != null, "fixture has no stride for " + key);
    int stride = Integer.parseInt(s);
    float[] full = actual.contiguous().toFloatArray();
    assertEquals(stride, (full.length / 1024) | 1, what + ": the fixture sampled a tensor of another size");
    float[] picked = new float[(full.length + stride - 1) / stride];
    for (int i = 0; i < picked.length; i++) {
      picked[i] = full[i * stride];
    }
    Approx.assertClose(what, picked, Approx.toDouble(Fixtures.get(c, key).toFloatArray()), atol, rtol);
  }

  private static int num(Map<String, String> m, String k) {
    return Integer.parseInt(m.get(k));
  }
}
