package dev.rnn4j.bench.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.recurrent.GRU;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs only in the {@code djl} profile: {@code ./mvnw -q -P djl -pl rnn4j-bench test}. */
class DjlWorkloadsTest {
  @BeforeAll
  static void offline() {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("OPT_OUT_TRACKING", "true");
  }

  /** Runs torch::gru through the engine on x (L, B, E) with h0 zeros; returns the output (L, B, D*H). */
  private static NDArray gru(NDManager m, NDArray x, NDList params, int hidden, boolean bidirectional) {
    int dirs = bidirectional ? 2 : 1;
    NDArray h0 = m.zeros(new Shape(dirs, x.getShape().get(1), hidden));
    return x.getNDArrayInternal().gru(x, h0, params, true, 1, 0.0, false, bidirectional, false).head();
  }

  /**
   * A GRU written out with NDArray ops from DJL's named parameters (PyTorch's equations, gates r, z, n):
   * x (L, B, E) -> output (L, B, H), reading x backwards in time when {@code reverse}.
   */
  private static NDArray gruByHand(NDManager m, NDArray x, String dir, GRU block, int hidden, boolean reverse) {
    var p = block.getParameters();
    NDArray wih = p.get(dir + "_0_i2h_WEIGHT").getArray(); // (3H, E)
    NDArray whh = p.get(dir + "_0_h2h_WEIGHT").getArray(); // (3H, H)
    NDArray bih = p.get(dir + "_0_i2h_BIAS").getArray(); // (3H)
    NDArray bhh = p.get(dir + "_0_h2h_BIAS").getArray(); // (3H)
    int len = (int) x.getShape().get(0);
    NDArray h = m.zeros(new Shape(x.getShape().get(1), hidden)); // (B, H)
    NDArray[] out = new NDArray[len];
    String r = ":, 0:" + hidden;
    String z = ":, " + hidden + ":" + 2 * hidden;
    String n = ":, " + 2 * hidden + ":";
    for (int i = 0; i < len; i++) {
      int t = reverse ? len - 1 - i : i;
      NDArray gi = x.get(t).matMul(wih.transpose()).add(bih); // (B, 3H)
      NDArray gh = h.matMul(whh.transpose()).add(bhh); // (B, 3H)
      NDArray rg = Activation.sigmoid(gi.get(r).add(gh.get(r)));
      NDArray zg = Activation.sigmoid(gi.get(z).add(gh.get(z)));
      NDArray ng = gi.get(n).add(rg.mul(gh.get(n))).tanh();
      h = zg.neg().add(1).mul(ng).add(zg.mul(h));
      out[t] = h;
    }
    return NDArrays.stack(new NDList(out));
  }

  /**
   * torch::gru fed with {@link DjlWorkloads#torchOrder} equals a GRU written out by hand from DJL's named parameters,
   * in both directions: this pins DJL's names (l/r, i2h/h2h, WEIGHT/BIAS) to PyTorch's (w_ih, w_hh, b_ih, b_hh per
   * direction). A wrong order is either rejected by torch::gru or mixes weights and fails the comparison.
   */
  @Test
  void torchOrderMatchesAGruByHand() {
    int len = 5;
    int batch = 3;
    int emb = 4;
    int hidden = 6;
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      Engine.getInstance().setRandomSeed(1);
      GRU bi = GRU.builder().setStateSize(hidden).setNumLayers(1).optBidirectional(true).optBatchFirst(false)
          .optReturnState(true).build();
      bi.initialize(m, DataType.FLOAT32, new Shape(len, batch, emb));
      for (var p : bi.getParameters()) { // DJL starts biases at zero: make every parameter distinct
        NDArray a = p.getValue().getArray();
        a.addi(m.randomNormal(a.getShape()).mul(0.5f));
      }
      NDArray x = m.randomNormal(new Shape(len, batch, emb));
      NDList params = DjlWorkloads.torchOrder(bi, 1);
      assertEquals(8, params.size());
      NDArray h0 = m.zeros(new Shape(2, batch, hidden));
      NDArray both = x.getNDArrayInternal().gru(x, h0, params, true, 1, 0.0, false, true, false).head();
      assertEquals(new Shape(len, batch, 2 * hidden), both.getShape());
      NDArray fwd = gruByHand(m, x, "l", bi, hidden, false);
      NDArray rev = gruByHand(m, x, "r", bi, hidden, true);
      assertTrue(both.get(":, :, 0:" + hidden).allClose(fwd, 1e-4, 1e-5, false), "forward half differs");
      assertTrue(both.get(":, :, " + hidden + ":").allClose(rev, 1e-4, 1e-5, false), "reverse half differs");
      // Why the workaround exists: DJL 0.36's block passes all weights before all biases and torch::gru refuses it.
      ParameterStore ps = new ParameterStore(m, false);
      assertThrows(EngineException.class, () -> bi.forward(ps, new NDList(x), false));
    }
  }

  @Test
  void everyWorkloadRunsOneStep() {
    DjlWorkloads workloads = new DjlWorkloads();
    assertEquals(List.of("seed_lstm_packed_fwd", "seed_lstm_padded_fwd", "seed_bigru2_packed_fwd",
        "greedy_gru_B1_200steps", "greedy_gru_B10_200steps", "train_lstm_B32_L128", "train_gru_B32_L128",
        "lstm2_h1024_B64_L100_fwd", "sgemm_2048"), workloads.names());
    Engine engine = Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(1);
    for (String name : workloads.names()) {
      try (NDManager m = engine.newBaseManager()) {
        DjlWorkloads.Built w = workloads.build(name, m);
        w.step().run();
        assertTrue(w.tokens() > 0 ^ w.flops() > 0, name + ": exactly one of tokens and flops");
        assertEquals(name.contains("packed"), w.note() != null, name + ": a note exactly where packing is emulated");
      }
    }
  }

  @Test
  void unknownWorkloadNamesTheKnownOnes() {
    DjlWorkloads workloads = new DjlWorkloads();
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      var e = assertThrows(IllegalArgumentException.class, () -> workloads.build("nope", m));
      assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("sgemm_2048"), e.getMessage());
    }
  }

  @Test
  void badOptionsAreRejectedWithExpectedAndActual() {
    String[][] bad = {
      {"--threads", "0"}, {"--threads", "two"}, {"--bogus", "1"}, {"--workload"}, {"--budget", "-1"}, {"--iters", "0"},
      {"--jit-quiet-seconds", "-1"}, {"--warmup-max-seconds", "1"}
    };
    for (String[] args : bad) {
      var e = assertThrows(IllegalArgumentException.class, () -> DjlBench.parse(args), String.join(" ", args));
      assertTrue(e.getMessage().contains(args[0]), e.getMessage());
    }
    DjlBench.Options o = DjlBench.parse(new String[] {"--workload", "a", "--workload", "b", "--threads", "2"});
    assertEquals(List.of("a", "b"), o.workloads());
    assertEquals(List.of(2), o.threads());
    assertEquals(10, o.iters());
    assertEquals(1.0, o.jitQuietS());
    assertEquals(2.0, o.warmupS());
  }

  @Test
  void medianIsPythonsStatisticsMedian() {
    assertEquals(2.0, DjlBench.median(List.of(3.0, 1.0, 2.0)));
    assertEquals(2.5, DjlBench.median(List.of(4.0, 1.0, 3.0, 2.0)));
  }
}
