package dev.rnn4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Five steps of every optimizer configuration of {@code fx_optim.py} from the same start and the same gradients
 * give PyTorch 1.13's parameters after each step; state dicts round-trip mid-run.
 */
class OptimizerGoldenTest {
  private static final SafeTensors.Contents FX = Fixtures.load("optim");

  private static final Map<String, Function<Map<String, Tensor>, Optimizer>> CONFIGS = new LinkedHashMap<>();

  static {
    CONFIGS.put("sgd", p -> new Sgd(p, Sgd.Options.of(0.1)));
    CONFIGS.put("sgd_momentum", p -> new Sgd(p, new Sgd.Options(0.1, 0.9, 0.1, 0.01, false)));
    CONFIGS.put("sgd_nesterov", p -> new Sgd(p, new Sgd.Options(0.1, 0.9, 0, 0.01, true)));
    CONFIGS.put("adam", p -> new Adam(p, Adam.Options.defaults().withLr(0.01)));
    CONFIGS.put("adam_wd_amsgrad", p -> new Adam(p, new Adam.Options(0.01, 0.9, 0.999, 1e-8, 0.1, true)));
    CONFIGS.put("adamw", p -> new AdamW(p, AdamW.defaults().withLr(0.01).withWeightDecay(0.1)));
    CONFIGS.put("rmsprop", p -> new RmsProp(p, RmsProp.Options.defaults()));
    CONFIGS.put(
        "rmsprop_centered_momentum", p -> new RmsProp(p, new RmsProp.Options(0.01, 0.99, 1e-8, 0.01, 0.9, true)));
  }

  private static Map<String, Tensor> startParams() {
    Map<String, Tensor> p = new LinkedHashMap<>();
    p.put("w", Fixtures.get(FX, "w0").copy().requiresGrad(true));
    p.put("b", Fixtures.get(FX, "b0").copy().requiresGrad(true));
    return p;
  }

  private static void setGrads(Map<String, Tensor> p, int k) {
    p.get("w").setGrad(Fixtures.get(FX, "grad" + k + ".w").copy());
    p.get("b").setGrad(Fixtures.get(FX, "grad" + k + ".b").copy());
  }

  @Test
  void everyConfigurationMatchesPyTorchStepByStep() {
    assertEquals(String.join(",", CONFIGS.keySet()), FX.metadata().get("configs"));
    int steps = Integer.parseInt(FX.metadata().get("steps"));
    for (var c : CONFIGS.entrySet()) {
      Map<String, Tensor> p = startParams();
      Optimizer opt = c.getValue().apply(p);
      for (int k = 0; k < steps; k++) {
        setGrads(p, k);
        opt.step();
        for (String n : List.of("w", "b")) {
          Approx.assertClose(
              c.getKey() + " step " + k + " " + n, p.get(n), Fixtures.get(FX, c.getKey() + ".step" + k + "." + n),
              1e-6, 1e-5);
        }
      }
    }
  }

  @Test
  void stateDictRoundTripContinuesBitwise() {
    for (var c : CONFIGS.entrySet()) {
      Map<String, Tensor> p = startParams();
      Optimizer opt = c.getValue().apply(p);
      for (int k = 0; k < 2; k++) {
        setGrads(p, k);
        opt.step();
      }
      Map<String, Tensor> saved = opt.stateDict();
      Map<String, Tensor> p2 = new LinkedHashMap<>();
      p.forEach((n, t) -> p2.put(n, t.copy().requiresGrad(true)));
      Optimizer resumed = c.getValue().apply(p2);
      resumed.loadStateDict(saved);
      for (int k = 2; k < 5; k++) {
        setGrads(p, k);
        opt.step();
        setGrads(p2, k);
        resumed.step();
      }
      for (String n : List.of("w", "b")) {
        assertTrue(p.get(n).contentEquals(p2.get(n)), c.getKey() + " " + n + " differs after resume");
      }
    }
  }

  @Test
  void paramGroupsUseTheirOwnLearningRateAndDecay() {
    // one optimizer with two groups equals two optimizers, one per group
    Map<String, Tensor> p = startParams();
    Optimizer both = new Sgd(
        List.of(new ParamGroup(Map.of("w", p.get("w")), 0.1, 0.01), new ParamGroup(Map.of("b", p.get("b")), 0.5, 0)),
        new Sgd.Options(0.1, 0.9, 0, 0, false));
    Map<String, Tensor> q = startParams();
    Optimizer onlyW = new Sgd(Map.of("w", q.get("w")), new Sgd.Options(0.1, 0.9, 0, 0.01, false));
    Optimizer onlyB = new Sgd(Map.of("b", q.get("b")), new Sgd.Options(0.5, 0.9, 0, 0, false));
    for (int k = 0; k < 3; k++) {
      setGrads(p, k);
      setGrads(q, k);
      both.step();
      onlyW.step();
      onlyB.step();
    }
    assertTrue(p.get("w").contentEquals(q.get("w")));
    assertTrue(p.get("b").contentEquals(q.get("b")));
    var e = assertThrows(IllegalArgumentException.class, () -> new Sgd(
        List.of(new ParamGroup(Map.of("w", p.get("w")), 0.1, 0), new ParamGroup(Map.of("w", p.get("w")), 0.1, 0)),
        Sgd.Options.of(0.1)));
    assertTrue(e.getMessage().contains("more than one parameter group"), e.getMessage());
  }

  @Test
  void parametersWithoutGradientAreLeftAlone() {
    Map<String, Tensor> p = startParams();
    Optimizer opt = new Adam(p, Adam.Options.defaults());
    p.get("w").setGrad(Fixtures.get(FX, "grad0.w").copy());
    Tensor before = p.get("b").copy();
    opt.step();
    assertTrue(p.get("b").contentEquals(before));
    assertEquals(List.of("w"), opt.statefulParameters());
  }

  @Test
  void badArgumentsAreRejectedWithPyTorchsMessages() {
    Map<String, Tensor> p = startParams();
    var e = assertThrows(IllegalArgumentException.class, () -> new Sgd.Options(0.1, 0, 0, 0, true));
    assertEquals("Nesterov momentum requires a momentum and zero dampening", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new Adam.Options(0.1, 1.0, 0.999, 1e-8, 0, false));
    assertTrue(e.getMessage().contains("beta parameter at index 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Sgd.Options.of(-1));
    assertTrue(e.getMessage().contains("Invalid learning rate: -1"), e.getMessage());
    Optimizer opt = new Sgd(p, Sgd.Options.of(0.1));
    e = assertThrows(
        IllegalArgumentException.class, () -> opt.loadStateDict(Map.of("state.nope.momentum_buffer", Tensor.zeros(4))));
    assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
  }
}
