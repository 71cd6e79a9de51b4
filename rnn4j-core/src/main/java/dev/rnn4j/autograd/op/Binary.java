package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * Elementwise {@code add, sub, mul, div} with broadcasting, and the comparisons. An int64 op int64 stays int64
 * ({@code div} is true division and gives float32, as in PyTorch); any float operand makes the result float32.
 */
public final class Binary extends Node {
  /** The arithmetic ops. */
  public enum Kind {
    ADD("AddBackward0"),
    SUB("SubBackward0"),
    MUL("MulBackward0"),
    DIV("DivBackward0");

    final String backwardName;

    Kind(String n) {
      backwardName = n;
    }
  }

  /** The comparisons; results are bool. */
  public enum Cmp {
    EQ, NE, LT, LE, GT, GE
  }

  private final Kind kind;
  private final Shape aShape;
  private final Shape bShape;
  private Tensor a; // saved for MUL, DIV
  private Tensor b; // saved for MUL, DIV

  private Binary(Kind kind, Tensor a, Tensor b) {
    super(a, b);
    this.kind = kind;
    this.aShape = a.shape();
    this.bShape = b.shape();
    if (kind == Kind.MUL || kind == Kind.DIV) {
      this.a = a;
      this.b = b;
    }
  }

  public static Tensor apply(Kind kind, Tensor a, Tensor b) {
    if (a.dtype() == DType.BOOL || b.dtype() == DType.BOOL) {
      throw new IllegalArgumentException("arithmetic on bool tensors is not supported; convert with to(INT64)");
    }
    Shape out = Broadcast.shape(a.shape(), b.shape());
    boolean floating = a.dtype() == DType.FLOAT32 || b.dtype() == DType.FLOAT32 || kind == Kind.DIV;
    if (!floating) {
      return Tensor.wrap(longOp(kind, a, b, out), out, DType.INT64);
    }
    float[] x = a.dtype() == DType.FLOAT32 ? a.data() : a.toFloatArray();
    float[] y = b.dtype() == DType.FLOAT32 ? b.data() : b.toFloatArray();
    float[] r = new float[out.numel()];
    if (a.shape().equals(out) && b.shape().equals(out)) {
      sameShape(kind, r, x, y);
    } else if (a.shape().equals(out) && y.length == 1) {
      scalarRight(kind, r, x, y[0]);
    } else {
      int[] ia = Broadcast.indexMap(a.shape(), out);
      int[] ib = Broadcast.indexMap(b.shape(), out);
      for (int k = 0; k < r.length; k++) {
        r[k] = op(kind, x[ia[k]], y[ib[k]]);
      }
    }
    Tensor result = Tensor.wrap(r, out);
    if (Graph.needsGraph(a, b)) {
      Graph.record(new Binary(kind, a, b), result);
    }
    return result;
  }

  private static float op(Kind k, float x, float y) {
    switch (k) {
      case ADD:
        return x + y;
      case SUB:
        return x - y;
      case MUL:
        return x * y;
      default:
        return x / y;
    }
  }

  private static void sameShape(Kind k, float[] r, float[] x, float[] y) {
    switch (k) {
      case ADD:
        for (int i = 0; i < r.length; i++) {
          r[i] = x[i] + y[i];
        }
        break;
      case SUB:
        for (int i = 0; i < r.length; i++) {
          r[i] = x[i] - y[i];
        }
        break;
      case MUL:
        for (int i = 0; i < r.length; i++) {
          r[i] = x[i] * y[i];
        }
        break;
      default:
        for (int i = 0; i < r.length; i++) {
          r[i] = x[i] / y[i];
        }
    }
  }

  private static void scalarRight(Kind k, float[] r, float[] x, float s) {
    for (int i = 0; i < r.length; i++) {
      r[i] = op(k, x[i], s);
    }
  }

  private static long[] longOp(Kind kind, Tensor a, Tensor b, Shape out) {
    long[] x = a.longData();
    long[] y = b.longData();
    int[] ia = Broadcast.indexMap(a.shape(), out);
    int[] ib = Broadcast.indexMap(b.shape(), out);
    long[] r = new long[out.numel()];
    for (int k = 0; k < r.length; k++) {
      long u = x[ia[k]];
      long v = y[ib[k]];
      r[k] = kind == Kind.ADD ? u + v : kind == Kind.SUB ? u - v : u * v;
    }
    return r;
  }

  @Override
  public String name() {
    return kind.backwardName;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    Tensor g = gradOutputs[0];
    Tensor ga = null;
    Tensor gb = null;
    switch (kind) {
      case ADD:
        ga = needsGrad(0) ? Broadcast.sumTo(g, aShape) : null;
        gb = needsGrad(1) ? Broadcast.sumTo(g, bShape) : null;
        break;
      case SUB:
        ga = needsGrad(0) ? Broadcast.sumTo(g, aShape) : null;
        gb = needsGrad(1) ? Broadcast.sumTo(g.neg(), bShape) : null;
        break;
      case MUL: // d(a*b) = b da + a db
        ga = needsGrad(0) ? Broadcast.sumTo(g.mul(b), aShape) : null;
        gb = needsGrad(1) ? Broadcast.sumTo(g.mul(a), bShape) : null;
        break;
      case DIV: // d(a/b) = da / b - a db / b^2
        ga = needsGrad(0) ? Broadcast.sumTo(g.div(b), aShape) : null;
        gb = needsGrad(1) ? Broadcast.sumTo(g.mul(a).div(b.mul(b)).neg(), bShape) : null;
        break;
      default:
        throw new AssertionError(kind);
    }
    return new Tensor[] {ga, gb};
  }

  @Override
  protected void releaseSaved() {
    a = null;
    b = null;
  }

  /** Elementwise comparison with broadcasting; the result is bool and carries no gradient. */
  public static Tensor compare(Cmp cmp, Tensor a, Tensor b) {
    Shape out = Broadcast.shape(a.shape(), b.shape());
    int[] ia = Broadcast.indexMap(a.shape(), out);
    int[] ib = Broadcast.indexMap(b.shape(), out);
    long[] r = new long[out.numel()];
    boolean floating = a.dtype() == DType.FLOAT32 || b.dtype() == DType.FLOAT32;
    if (floating) {
      float[] x = a.dtype() == DType.FLOAT32 ? a.data() : a.toFloatArray();
      float[] y = b.dtype() == DType.FLOAT32 ? b.data() : b.toFloatArray();
      for (int k = 0; k < r.length; k++) {
        float u = x[ia[k]];
        float v = y[ib[k]];
        r[k] = test(cmp, u < v ? -1 : (u > v ? 1 : 0), u, v) ? 1 : 0;
      }
    } else {
      long[] x = a.longData();
      long[] y = b.longData();
      for (int k = 0; k < r.length; k++) {
        long u = x[ia[k]];
        long v = y[ib[k]];
        r[k] = test(cmp, Long.compare(u, v), u, v) ? 1 : 0;
      }
    }
    return Tensor.wrap(r, out, DType.BOOL);
  }

  private static boolean test(Cmp cmp, int c, double x, double y) {
    if (Double.isNaN(x) || Double.isNaN(y)) { // IEEE: NaN compares unequal to everything
      return cmp == Cmp.NE;
    }
    switch (cmp) {
      case EQ:
        return c == 0;
      case NE:
        return c != 0;
      case LT:
        return c < 0;
      case LE:
        return c <= 0;
      case GT:
        return c > 0;
      default:
        return c >= 0;
    }
  }
}
