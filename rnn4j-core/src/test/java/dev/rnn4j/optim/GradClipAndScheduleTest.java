package dev.rnn4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** clip_grad_norm_/clip_grad_value_ and the learning-rate schedules against PyTorch 1.13 (fx_optim.py). */
class GradClipAndScheduleTest {
  private static final SafeTensors.Contents CLIP = Fixtures.load("clip");
  private static final SafeTensors.Contents SCHED = Fixtures.load("schedule");

  private static List<Tensor> params() {
    List<Tensor> ps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Tensor g = Fixtures.get(CLIP, "g" + i);
      Tensor p = Tensor.zeros(g.shape()).requiresGrad(true);
      p.setGrad(g.copy());
      ps.add(p);
    }
    ps.add(Tensor.zeros(2).requiresGrad(true)); // no gradient: skipped
    return ps;
  }

  /** {@code clip_grad_norm_(params, max_norm)} without norm_type is the L2 norm, as in PyTorch. */
  @Test
  void clipGradNormDefaultsToTheL2Norm() {
    List<Tensor> ps = params();
    double total = GradClip.clipGradNorm(ps, 1.0);
    assertEquals(Fixtures.get(CLIP, "norm.2.0.1.0.total").item(), total, 1e-6 * total);
    for (int i = 0; i < 3; i++) {
      Approx.assertClose("g" + i, ps.get(i).grad(), Fixtures.get(CLIP, "norm.2.0.1.0.g" + i), 1e-7, 1e-6);
    }
    // grads [[3, -4, 1], [0.5, 2, -2]] and [1, 1, -7, 0.25]: torch.nn.utils.clip_grad_norm_([a, b], 1.0) returns
    // 9.23647689819336 and scales a's first row to [0.324799120426178, -0.4330655038356781, 0.10826637595891953]
    Tensor a = Tensor.zeros(2, 3).requiresGrad(true);
    a.setGrad(Tensor.of(new float[][] {{3, -4, 1}, {0.5f, 2, -2}}));
    Tensor b = Tensor.zeros(4).requiresGrad(true);
    b.setGrad(Tensor.of(1, 1, -7, 0.25f));
    assertEquals(9.23647689819336, GradClip.clipGradNorm(List.of(a, b), 1.0), 1e-6);
    Approx.assertClose("a", a.grad().select(0, 0), Tensor.of(0.324799120426178f, -0.4330655038356781f,
        0.10826637595891953f), 1e-7, 1e-6);
    Approx.assertClose("b", b.grad(), Tensor.of(0.10826637595891953f, 0.10826637595891953f, -0.7578646540641785f,
        0.02706659398972988f), 1e-7, 1e-6);
  }

  @Test
  void clipGradNormMatchesPyTorch() {
    double[][] cases = {{2.0, 1.0}, {1.0, 2.0}, {Double.POSITIVE_INFINITY, 0.5}, {2.0, 100.0}};
    String[] keys = {"norm.2.0.1.0", "norm.1.0.2.0", "norm.inf.0.5", "norm.2.0.100.0"};
    for (int c = 0; c < cases.length; c++) {
      List<Tensor> ps = params();
      double total = GradClip.clipGradNorm(ps, cases[c][1], cases[c][0]);
      assertEquals(Fixtures.get(CLIP, keys[c] + ".total").item(), total, 1e-6 * total, keys[c]);
      for (int i = 0; i < 3; i++) {
        Approx.assertClose(keys[c] + " g" + i, ps.get(i).grad(), Fixtures.get(CLIP, keys[c] + ".g" + i), 1e-7, 1e-6);
      }
    }
  }

  @Test
  void clipGradValueMatchesPyTorch() {
    List<Tensor> ps = params();
    GradClip.clipGradValue(ps, 0.5);
    for (int i = 0; i < 3; i++) {
      Approx.assertClose("value g" + i, ps.get(i).grad(), Fixtures.get(CLIP, "value.0.5.g" + i), 0, 0);
    }
  }

  private static void assertSchedule(String key, LrSchedule s) {
    float[] want = Fixtures.get(SCHED, key).data();
    float[] got = new float[want.length];
    for (int k = 0; k < want.length; k++) {
      got[k] = (float) s.lr(k);
    }
    Approx.assertClose(key, got, want, 1e-8, 1e-6);
  }

  @Test
  void schedulesMatchPyTorch() {
    assertEquals("0.1", SCHED.metadata().get("base_lr"));
    assertSchedule("step", LrSchedule.step(0.1, 3, 0.5));
    assertSchedule("cosine", LrSchedule.cosine(0.1, 10, 1e-4));
    assertSchedule("linear", LrSchedule.linear(0.1, 0.1, 1.0, 4));
    assertSchedule("warmup_cosine", LrSchedule.warmupCosine(0.1, 0.1, 3, 10, 0.0));
  }
}
