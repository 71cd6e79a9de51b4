package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.gemm.Gemm;

/**
 * {@code y = x W^T + b} over the last dim of {@code x}, as one GEMM with {@code W} read transposed in place (no copy of
 * the weight). Legend: {@code R} rows of x (all leading dims flattened), {@code I} in features, {@code O} out
 * features.
 *
 * <pre>
 *   y (R, O) = x (R, I) W^T (I, O) + b     dx = dy W     dW = dy^T x     db = sum_rows dy
 * </pre>
 */
public final class LinearOp extends Node {
  private final String name;
  private Tensor x; // saved (..., I)
  private Tensor w; // saved (O, I)

  private LinearOp(Tensor x, Tensor w, Tensor b) {
    super(x, w, b);
    this.x = x;
    this.w = w;
    // The node PyTorch 1.13's F.linear leaves last, by input rank and bias (addmm, mm, or a view around them).
    boolean bias = b != null;
    this.name = x.dim() == 2 ? (bias ? "AddmmBackward0" : "MmBackward0")
        : x.dim() == 1 ? (bias ? "AddBackward0" : "SqueezeBackward3")
        : (bias ? "ViewBackward0" : "UnsafeViewBackward0");
  }

  /** {@code b} may be {@code null}. */
  public static Tensor apply(Tensor x, Tensor w, Tensor b) {
    if (w.dim() != 2) {
      throw new IllegalArgumentException("linear weight must be 2-D (out, in), got " + w.shape());
    }
    int out = w.size(0);
    int in = w.size(1);
    if (x.dim() == 0 || x.size(-1) != in) {
      throw new IllegalArgumentException(
          "linear: expected input [*, " + in + "], got " + x.shape());
    }
    if (b != null && (b.dim() != 1 || b.size(0) != out)) {
      throw new IllegalArgumentException("linear bias must be [" + out + "], got " + b.shape());
    }
    int rows = 1; // product of the leading dims
    for (int i = 0; i < x.dim() - 1; i++) {
      rows *= x.size(i);
    }
    float[] y = new float[rows * out];
    if (b != null) {
      float[] bias = b.data();
      for (int r = 0; r < rows; r++) {
        System.arraycopy(bias, 0, y, r * out, out);
      }
    }
    Gemm.sgemm(false, true, rows, out, in, 1f, x.data(), 0, in, w.data(), 0, in, b == null ? 0f : 1f, y, 0, out);
    int[] dims = x.shape().dims();
    dims[dims.length - 1] = out;
    Tensor result = Tensor.wrap(y, new Shape(dims));
    if (Graph.needsGraph(x, w, b)) {
      Graph.record(new LinearOp(x, w, b), result);
    }
    return result;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    int out = w.size(0);
    int in = w.size(1);
    int rows = g.length / Math.max(out, 1);
    Tensor dx = null;
    Tensor dw = null;
    Tensor db = null;
    if (needsGrad(0)) {
      float[] d = new float[x.numel()];
      Gemm.sgemm(false, false, rows, in, out, 1f, g, 0, out, w.data(), 0, in, 0f, d, 0, in);
      dx = Tensor.wrap(d, x.shape());
    }
    if (needsGrad(1)) {
      float[] d = new float[w.numel()];
      Gemm.sgemm(true, false, out, in, rows, 1f, g, 0, out, x.data(), 0, in, 0f, d, 0, in);
      dw = Tensor.wrap(d, w.shape());
    }
    if (needsGrad(2)) {
      double[] acc = new double[out];
      for (int r = 0; r < rows; r++) {
        for (int o = 0; o < out; o++) {
          acc[o] += g[r * out + o];
        }
      }
      float[] d = new float[out];
      for (int o = 0; o < out; o++) {
        d[o] = (float) acc[o];
      }
      db = Tensor.wrap(d, new Shape(out));
    }
    return new Tensor[] {dx, dw, db};
  }

  @Override
  protected void releaseSaved() {
    x = null;
    w = null;
  }
}
