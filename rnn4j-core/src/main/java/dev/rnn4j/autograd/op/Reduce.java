package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.ValuesIndices;
import java.util.Arrays;

/**
 * Reductions along a dim or over everything: sum, mean, max (values and indices), sort. Legend: a tensor is viewed as
 * {@code (outer, n, inner)} around the reduced dim. Sums accumulate in double so long reductions stay accurate.
 */
public final class Reduce {
  private Reduce() {}

  /** Sum (or mean) of every element, as a 0-dim tensor. */
  public static Tensor sumAll(Tensor in, boolean mean) {
    if (in.dtype() != DType.FLOAT32) {
      if (mean) {
        throw new IllegalArgumentException("mean(): could not infer output dtype; input dtype must be float, got "
            + in.dtype());
      }
      long s = 0;
      for (long v : in.longData()) {
        s += v;
      }
      return Tensor.scalarLong(s);
    }
    double s = 0;
    for (float v : in.data()) {
      s += v;
    }
    int n = in.numel();
    Tensor out = Tensor.scalar((float) (mean ? s / n : s));
    if (Graph.needsGraph(in)) {
      Graph.record(new SumAll(in, mean), out);
    }
    return out;
  }

  private static final class SumAll extends Node {
    private final Shape inShape;
    private final boolean mean;

    SumAll(Tensor in, boolean mean) {
      super(in);
      this.inShape = in.shape();
      this.mean = mean;
    }

    @Override
    public String name() {
      return mean ? "MeanBackward0" : "SumBackward0";
    }

    @Override
    protected Tensor[] backward(Tensor[] g) {
      float v = g[0].data()[0];
      if (mean) {
        v /= inShape.numel();
      }
      return new Tensor[] {Tensor.full(v, inShape)};
    }
  }

  /** Sum (or mean) along {@code d}. */
  public static Tensor sumDim(Tensor in, int d, boolean keepDim, boolean mean) {
    if (in.dtype() != DType.FLOAT32 && mean) {
      throw new IllegalArgumentException("mean(): input dtype must be float, got " + in.dtype());
    }
    if (in.dim() == 0) {
      in.shape().normalizeDim(d);
      return mean ? in.mul(1) : in.dtype() == DType.FLOAT32 ? in.mul(1) : in.add(0);
    }
    int dim = in.shape().normalizeDim(d);
    int[] oi = outerInner(in.shape(), dim);
    int outer = oi[0];
    int inner = oi[1];
    int n = in.size(dim);
    Shape outShape = reducedShape(in.shape(), dim, keepDim);
    if (in.dtype() != DType.FLOAT32) {
      long[] x = in.longData();
      long[] y = new long[outer * inner];
      for (int o = 0; o < outer; o++) {
        for (int k = 0; k < n; k++) {
          for (int j = 0; j < inner; j++) {
            y[o * inner + j] += x[(o * n + k) * inner + j];
          }
        }
      }
      return Tensor.wrap(y, outShape, DType.INT64);
    }
    float[] x = in.data();
    double[] acc = new double[outer * inner];
    for (int o = 0; o < outer; o++) {
      for (int k = 0; k < n; k++) {
        int base = (o * n + k) * inner;
        for (int j = 0; j < inner; j++) {
          acc[o * inner + j] += x[base + j];
        }
      }
    }
    float[] y = new float[acc.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = (float) (mean ? acc[i] / n : acc[i]);
    }
    Tensor out = Tensor.wrap(y, outShape);
    if (Graph.needsGraph(in)) {
      Graph.record(new SumDim(in, dim, mean), out);
    }
    return out;
  }

  private static final class SumDim extends Node {
    private final Shape inShape;
    private final int dim;
    private final boolean mean;

    SumDim(Tensor in, int dim, boolean mean) {
      super(in);
      this.inShape = in.shape();
      this.dim = dim;
      this.mean = mean;
    }

    @Override
    public String name() {
      return mean ? "MeanBackward1" : "SumBackward1";
    }

    @Override
    protected Tensor[] backward(Tensor[] gradOutputs) {
      float[] g = gradOutputs[0].data();
      int[] oi = outerInner(inShape, dim);
      int n = inShape.size(dim);
      float scale = mean ? 1f / n : 1f;
      float[] dx = new float[inShape.numel()];
      for (int o = 0; o < oi[0]; o++) {
        for (int k = 0; k < n; k++) {
          for (int j = 0; j < oi[1]; j++) {
            dx[(o * n + k) * oi[1] + j] = g[o * oi[1] + j] * scale;
          }
        }
      }
      return new Tensor[] {Tensor.wrap(dx, inShape)};
    }
  }

  /** Largest value along {@code d} and its first index. NaN counts as the largest, as in PyTorch. */
  public static ValuesIndices maxDim(Tensor in, int d, boolean keepDim) {
    return extremeDim(in, d, keepDim, false);
  }

  /** Smallest value along {@code d} and its first index. NaN counts as the smallest, as in PyTorch. */
  public static ValuesIndices minDim(Tensor in, int d, boolean keepDim) {
    return extremeDim(in, d, keepDim, true);
  }

  private static ValuesIndices extremeDim(Tensor in, int d, boolean keepDim, boolean min) {
    String op = min ? "min" : "max";
    if (in.numel() == 0) {
      throw new IllegalArgumentException(op + "(): expected a non-empty tensor, got shape " + in.shape());
    }
    if (in.dim() == 0) {
      in.shape().normalizeDim(d);
      return new ValuesIndices(in.mul(1), Tensor.scalarLong(0));
    }
    int dim = in.shape().normalizeDim(d);
    int[] oi = outerInner(in.shape(), dim);
    int outer = oi[0];
    int inner = oi[1];
    int n = in.size(dim);
    Shape outShape = reducedShape(in.shape(), dim, keepDim);
    long[] idx = new long[outer * inner];
    Tensor values;
    if (in.dtype() == DType.FLOAT32) {
      float[] x = in.data();
      float[] y = new float[outer * inner];
      for (int o = 0; o < outer; o++) {
        for (int j = 0; j < inner; j++) {
          int best = 0;
          float bv = x[o * n * inner + j];
          for (int k = 1; k < n && !Float.isNaN(bv); k++) {
            float v = x[(o * n + k) * inner + j];
            if ((min ? v < bv : v > bv) || Float.isNaN(v)) {
              bv = v;
              best = k;
            }
          }
          y[o * inner + j] = bv;
          idx[o * inner + j] = best;
        }
      }
      values = Tensor.wrap(y, outShape);
    } else {
      long[] x = in.longData();
      long[] y = new long[outer * inner];
      for (int o = 0; o < outer; o++) {
        for (int j = 0; j < inner; j++) {
          int best = 0;
          long bv = x[o * n * inner + j];
          for (int k = 1; k < n; k++) {
            long v = x[(o * n + k) * inner + j];
            if (min ? v < bv : v > bv) {
              bv = v;
              best = k;
            }
          }
          y[o * inner + j] = bv;
          idx[o * inner + j] = best;
        }
      }
      values = Tensor.wrap(y, outShape, in.dtype());
    }
    Tensor indices = Tensor.wrap(idx, outShape, DType.INT64);
    if (Graph.needsGraph(in)) {
      Graph.record(new GatherBack(in, dim, idx, min ? "MinBackward0" : "MaxBackward0"), values);
    }
    return new ValuesIndices(values, indices);
  }

  /**
   * The backward of max(dim) and sort: each output element came from one input position along {@code dim}
   * ({@code src}); the gradient goes back there.
   */
  private static final class GatherBack extends Node {
    private final Shape inShape;
    private final int dim;
    private final String name;
    private long[] src; // position along dim of each output element, row-major over the output

    GatherBack(Tensor in, int dim, long[] src, String name) {
      super(in);
      this.inShape = in.shape();
      this.dim = dim;
      this.src = src;
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    protected Tensor[] backward(Tensor[] gradOutputs) {
      float[] g = gradOutputs[0].data();
      int[] oi = outerInner(inShape, dim);
      int inner = oi[1];
      int n = inShape.size(dim);
      int m = src.length / (oi[0] * inner == 0 ? 1 : oi[0] * inner); // output size along dim
      float[] dx = new float[inShape.numel()];
      for (int o = 0; o < oi[0]; o++) {
        for (int k = 0; k < m; k++) {
          for (int j = 0; j < inner; j++) {
            int out = (o * m + k) * inner + j;
            dx[(o * n + (int) src[out]) * inner + j] += g[out];
          }
        }
      }
      return new Tensor[] {Tensor.wrap(dx, inShape)};
    }

    @Override
    protected void releaseSaved() {
      src = null;
    }
  }

  /** Largest element; backward spreads the gradient evenly over ties, as PyTorch does. */
  public static Tensor maxAll(Tensor in) {
    return extremeAll(in, false);
  }

  /** Smallest element; backward spreads the gradient evenly over ties. */
  public static Tensor minAll(Tensor in) {
    return extremeAll(in, true);
  }

  private static Tensor extremeAll(Tensor in, boolean min) {
    if (in.numel() == 0) {
      throw new IllegalArgumentException((min ? "min" : "max")
          + "(): Expected reduction dim to be specified for input.numel() == 0, got shape " + in.shape());
    }
    if (in.dtype() != DType.FLOAT32) {
      long m = min ? Long.MAX_VALUE : Long.MIN_VALUE;
      for (long v : in.longData()) {
        m = min ? Math.min(m, v) : Math.max(m, v);
      }
      return Tensor.wrap(new long[] {m}, Shape.SCALAR, in.dtype());
    }
    float m = min ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
    for (float v : in.data()) {
      if ((min ? v < m : v > m) || Float.isNaN(v)) {
        m = v;
        if (Float.isNaN(v)) {
          break;
        }
      }
    }
    Tensor out = Tensor.scalar(m);
    if (Graph.needsGraph(in)) {
      Graph.record(new MaxAll(in, m, min ? "MinBackward1" : "MaxBackward1"), out);
    }
    return out;
  }

  private static final class MaxAll extends Node {
    private final float max; // the extreme value (the min for MinBackward1)
    private final String name;
    private Tensor in;

    MaxAll(Tensor in, float max, String name) {
      super(in);
      this.in = in;
      this.max = max;
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    protected Tensor[] backward(Tensor[] gradOutputs) {
      float[] x = in.data();
      int ties = 0;
      for (float v : x) {
        if (v == max || (Float.isNaN(max) && Float.isNaN(v))) {
          ties++;
        }
      }
      float share = gradOutputs[0].data()[0] / ties;
      float[] dx = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        if (x[i] == max || (Float.isNaN(max) && Float.isNaN(x[i]))) {
          dx[i] = share;
        }
      }
      return new Tensor[] {Tensor.wrap(dx, in.shape())};
    }

    @Override
    protected void releaseSaved() {
      in = null;
    }
  }

  /** Stable sort along {@code d}; NaN sorts as the largest value, as in PyTorch. */
  public static ValuesIndices sort(Tensor in, int d, boolean descending) {
    if (in.dim() == 0) {
      in.shape().normalizeDim(d);
      return new ValuesIndices(in.mul(1), Tensor.scalarLong(0));
    }
    int dim = in.shape().normalizeDim(d);
    int[] oi = outerInner(in.shape(), dim);
    int outer = oi[0];
    int inner = oi[1];
    int n = in.size(dim);
    long[] idx = new long[in.numel()];
    Integer[] order = new Integer[n];
    boolean floating = in.dtype() == DType.FLOAT32;
    float[] xf = floating ? in.data() : null;
    long[] xl = floating ? null : in.longData();
    Object y = floating ? new float[in.numel()] : new long[in.numel()];
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        final int base = o * n * inner + j;
        for (int k = 0; k < n; k++) {
          order[k] = k;
        }
        java.util.Comparator<Integer> cmp =
            floating
                ? (p, q) -> compareFloats(xf[base + p * inner], xf[base + q * inner])
                : (p, q) -> Long.compare(xl[base + p * inner], xl[base + q * inner]);
        Arrays.sort(order, descending ? cmp.reversed() : cmp); // TimSort: stable
        for (int k = 0; k < n; k++) {
          int at = base + k * inner;
          idx[at] = order[k];
          if (floating) {
            ((float[]) y)[at] = xf[base + order[k] * inner];
          } else {
            ((long[]) y)[at] = xl[base + order[k] * inner];
          }
        }
      }
    }
    Tensor values =
        floating ? Tensor.wrap((float[]) y, in.shape()) : Tensor.wrap((long[]) y, in.shape(), in.dtype());
    if (floating && Graph.needsGraph(in)) {
      Graph.record(new GatherBack(in, dim, idx, "SortBackward0"), values);
    }
    return new ValuesIndices(values, Tensor.wrap(idx, in.shape(), DType.INT64));
  }

  /** Total order of sort: -0.0 equals 0.0 (unlike Float.compare), NaN above everything. */
  private static int compareFloats(float a, float b) {
    if (a < b) {
      return -1;
    }
    if (a > b) {
      return 1;
    }
    boolean na = Float.isNaN(a);
    boolean nb = Float.isNaN(b);
    return na == nb ? 0 : na ? 1 : -1;
  }

  static int[] outerInner(Shape s, int dim) {
    int outer = 1;
    for (int i = 0; i < dim; i++) {
      outer *= s.size(i);
    }
    int inner = 1;
    for (int i = dim + 1; i < s.rank(); i++) {
      inner *= s.size(i);
    }
    return new int[] {outer, inner};
  }

  static Shape reducedShape(Shape s, int dim, boolean keepDim) {
    if (keepDim) {
      return s.with(dim, 1);
    }
    int[] r = new int[s.rank() - 1];
    for (int i = 0, j = 0; i < s.rank(); i++) {
      if (i != dim) {
        r[j++] = s.size(i);
      }
    }
    return new Shape(r);
  }
}
