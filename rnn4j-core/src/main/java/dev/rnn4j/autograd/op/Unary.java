package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.kernel.KernelSelector;
import dev.rnn4j.tensor.kernel.Kernels;

/**
 * Elementwise functions of one float tensor. Each forward formula sits next to its derivative:
 *
 * <pre>
 *   neg      y = -x              dx = -g
 *   exp      y = e^x             dx = g * y
 *   log      y = ln x            dx = g / x
 *   tanh     y = tanh x          dx = g * (1 - y^2)
 *   sigmoid  y = 1 / (1 + e^-x)  dx = g * y * (1 - y)
 *   relu     y = max(x, 0)       dx = g * [x > 0]
 *   sqrt     y = sqrt x          dx = g / (2 y)
 * </pre>
 */
public final class Unary extends Node {
  /** The functions. */
  public enum Kind {
    NEG("NegBackward0"),
    EXP("ExpBackward0"),
    LOG("LogBackward0"),
    TANH("TanhBackward0"),
    SIGMOID("SigmoidBackward0"),
    RELU("ReluBackward0"),
    SQRT("SqrtBackward0");

    final String backwardName;

    Kind(String n) {
      backwardName = n;
    }
  }

  private final Kind kind;
  private float[] x; // saved input (LOG, RELU)
  private float[] y; // saved output (EXP, TANH, SIGMOID, SQRT)

  private Unary(Kind kind, Tensor in, float[] x, float[] y) {
    super(in);
    this.kind = kind;
    this.x = x;
    this.y = y;
  }

  public static Tensor apply(Kind kind, Tensor in) {
    if (in.dtype() != DType.FLOAT32) {
      if (kind == Kind.NEG && in.dtype() == DType.INT64) {
        long[] v = in.toLongArray();
        for (int i = 0; i < v.length; i++) {
          v[i] = -v[i];
        }
        return Tensor.wrap(v, in.shape(), DType.INT64);
      }
      in = in.to(DType.FLOAT32); // PyTorch promotes integer input of exp, log, ... to float
    }
    float[] x = in.data();
    float[] y = new float[x.length];
    Kernels k = KernelSelector.kernels();
    switch (kind) {
      case NEG:
        for (int i = 0; i < x.length; i++) {
          y[i] = -x[i];
        }
        break;
      case EXP:
        k.exp(y, 0, x, 0, x.length);
        break;
      case LOG:
        for (int i = 0; i < x.length; i++) {
          y[i] = (float) Math.log(x[i]);
        }
        break;
      case TANH:
        k.tanh(y, 0, x, 0, x.length);
        break;
      case SIGMOID:
        k.sigmoid(y, 0, x, 0, x.length);
        break;
      case RELU:
        for (int i = 0; i < x.length; i++) {
          y[i] = x[i] > 0 ? x[i] : (Float.isNaN(x[i]) ? x[i] : 0f);
        }
        break;
      case SQRT:
        for (int i = 0; i < x.length; i++) {
          y[i] = (float) Math.sqrt(x[i]);
        }
        break;
      default:
        throw new AssertionError(kind);
    }
    Tensor out = Tensor.wrap(y, in.shape());
    if (Graph.needsGraph(in)) {
      boolean keepX = kind == Kind.LOG || kind == Kind.RELU;
      boolean keepY = kind == Kind.EXP || kind == Kind.TANH || kind == Kind.SIGMOID || kind == Kind.SQRT;
      Graph.record(new Unary(kind, in, keepX ? x : null, keepY ? y : null), out);
    }
    return out;
  }

  @Override
  public String name() {
    return kind.backwardName;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[g.length];
    switch (kind) {
      case NEG:
        for (int i = 0; i < g.length; i++) {
          dx[i] = -g[i];
        }
        break;
      case EXP:
        for (int i = 0; i < g.length; i++) {
          dx[i] = g[i] * y[i];
        }
        break;
      case LOG:
        for (int i = 0; i < g.length; i++) {
          dx[i] = g[i] / x[i];
        }
        break;
      case TANH:
        for (int i = 0; i < g.length; i++) {
          dx[i] = g[i] * (1 - y[i] * y[i]);
        }
        break;
      case SIGMOID:
        for (int i = 0; i < g.length; i++) {
          dx[i] = g[i] * y[i] * (1 - y[i]);
        }
        break;
      case RELU:
        for (int i = 0; i < g.length; i++) {
          dx[i] = x[i] > 0 ? g[i] : 0f;
        }
        break;
      case SQRT:
        for (int i = 0; i < g.length; i++) {
          dx[i] = g[i] / (2 * y[i]);
        }
        break;
      default:
        throw new AssertionError(kind);
    }
    return new Tensor[] {Tensor.wrap(dx, gradOutputs[0].shape())};
  }

  @Override
  protected void releaseSaved() {
    x = null;
    y = null;
  }
}
