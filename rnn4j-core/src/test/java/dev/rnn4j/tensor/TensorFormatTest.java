package dev.rnn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.testing.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Tensor#toString()} against {@code str(t)} of PyTorch 1.13 ({@code ops_format.safetensors}, written by
 * {@code scripts/fixtures/fx_ops.py}): the tensors {@code f<k>} with metadata {@code str_f<k>}, large tensors rebuilt
 * from a shared integer pattern ({@code pattern_p<k>}), and grad_fn / requires_grad suffixes.
 */
class TensorFormatTest {
  private static final SafeTensors.Contents FX = Fixtures.load("ops_format");

  @Test
  void everyStoredTensorPrintsAsPyTorch() {
    Map<String, String> meta = FX.metadata();
    int n = 0;
    for (int k = 0; FX.tensors().containsKey("f" + k); k++) {
      assertEquals(meta.get("str_f" + k), FX.tensors().get("f" + k).toString(), "case f" + k);
      n++;
    }
    assertTrue(n >= 25, "expected the fixture's format cases, found " + n);
  }

  /** The notebook's packed data (123, 512), its h_n view (2, 2, 10, 512) in sci mode, and a wide-range case. */
  @Test
  void largeSummarisedTensorsPrintAsPyTorch() {
    Map<String, String> meta = FX.metadata();
    int n = 0;
    for (int k = 0; meta.containsKey("pattern_p" + k); k++) {
      String[] p = meta.get("pattern_p" + k).split(",");
      int count = Integer.parseInt(p[0]);
      long mod = Long.parseLong(p[1]);
      double scale = Double.parseDouble(p[2]);
      int[] shape = new int[p.length - 3];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = Integer.parseInt(p[3 + i]);
      }
      float[] v = new float[count];
      for (int i = 0; i < count; i++) {
        v[i] = (float) (((i * 7919L) % mod - mod / 2) / scale);
      }
      assertEquals(meta.get("str_p" + k), Tensor.wrap(v, new Shape(shape)).toString(), "pattern case p" + k);
      n++;
    }
    assertEquals(3, n);
  }

  @Test
  void gradSuffixes() {
    Map<String, String> meta = FX.metadata();
    Tensor x = FX.tensors().get("f_grad").requiresGrad(true);
    assertEquals(meta.get("str_grad_leaf"), x.toString());
    assertEquals(meta.get("str_grad_mul"), x.mul(2).toString());
    assertEquals(meta.get("str_grad_sum"), x.sum().toString());
    Tensor y = FX.tensors().get("f_grad_long").requiresGrad(true);
    assertEquals(meta.get("str_grad_long_leaf"), y.toString());
    assertEquals(meta.get("str_grad_long_div"), y.div(100).toString());
  }

  @Test
  void roundsHalfToEvenFromTheExactValue() {
    // 0.125 and 0.375 are exact binary ties at 2 digits; Python prints 0.12 and 0.38.
    assertEquals("0.12", TensorFormat.fixed(0.125, 2));
    assertEquals("0.38", TensorFormat.fixed(0.375, 2));
    assertEquals("-0.0000", TensorFormat.fixed(-1e-6, 4));
    assertEquals("1.0000e+05", TensorFormat.sci(99999.99));
    assertEquals("-2.5000e-10", TensorFormat.sci(-2.5e-10));
    assertEquals("tensor([0.1000, 0.2000])", Tensor.of(0.1f, 0.2f).toString());
  }
}
