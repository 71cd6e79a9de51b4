package dev.rnn4j.tensor;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints tensors exactly as PyTorch 1.13 does ({@code torch/_tensor_str.py} with the default print options:
 * precision 4, threshold 1000, edgeitems 3, linewidth 80).
 *
 * <ul>
 *   <li>One element width for the whole tensor, found from the (summarised) nonzero finite values: integer-valued
 *       floats print as {@code 1.}; scientific notation ({@code 1.2346e-05}) when max/min of the absolute values
 *       exceeds 1000, the max exceeds 1e8, or (for non-integers) the min is below 1e-4; otherwise {@code %.4f}.
 *   <li>Rows wrap at 80 columns: {@code floor((80 - indent) / (width + 2))} elements per line.
 *   <li>Above 1000 elements every dim longer than 6 keeps its first and last 3 entries around {@code ...}.
 *   <li>Suffixes {@code size=(0, 3)}, {@code dtype=torch.int64} for empty tensors, then {@code grad_fn=<Name>} or
 *       {@code requires_grad=True}, moved to a new line when they would pass column 80.
 * </ul>
 *
 * Numbers are rounded from the exact binary value, half to even, as Python's {@code format} does.
 */
final class TensorFormat {
  private static final int PRECISION = 4;
  private static final int THRESHOLD = 1000;
  private static final int EDGE = 3;
  private static final int LINE_WIDTH = 80;

  private TensorFormat() {}

  static String format(Tensor t) {
    String prefix = "tensor(";
    int indent = prefix.length();
    List<String> suffixes = new ArrayList<>();
    String body;
    if (t.numel() == 0) {
      if (t.dim() != 1) {
        suffixes.add("size=" + pyTuple(t.shape().dims()));
      }
      if (t.dtype() != DType.FLOAT32) {
        suffixes.add("dtype=" + t.dtype().torchName());
      }
      body = "[]";
    } else {
      boolean summarize = t.numel() > THRESHOLD;
      double[] v = values(t);
      Formatter fmt = new Formatter(t.dtype(), summarize ? summarized(v, t.shape().dims()) : v);
      StringBuilder sb = new StringBuilder();
      appendTensor(sb, v, t.shape().dims(), 0, 0, indent, summarize, fmt);
      body = sb.toString();
    }
    if (t.gradFn() != null) {
      suffixes.add("grad_fn=<" + t.gradFn().name() + ">");
    } else if (t.requiresGrad()) {
      suffixes.add("requires_grad=True");
    }
    return addSuffixes(prefix + body, suffixes, indent);
  }

  private static String addSuffixes(String s, List<String> suffixes, int indent) {
    StringBuilder sb = new StringBuilder(s);
    int lastLineLen = s.length() - s.lastIndexOf('\n') + 1; // as _add_suffixes computes it (rfind = -1 included)
    for (String suffix : suffixes) {
      if (lastLineLen + suffix.length() + 2 > LINE_WIDTH) {
        sb.append(",\n").append(" ".repeat(indent)).append(suffix);
        lastLineLen = indent + suffix.length();
      } else {
        sb.append(", ").append(suffix);
        lastLineLen += suffix.length() + 2;
      }
    }
    return sb.append(')').toString();
  }

  private static String pyTuple(int[] dims) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < dims.length; i++) {
      sb.append(i > 0 ? ", " : "").append(dims[i]);
    }
    return sb.append(dims.length == 1 ? ",)" : ")").toString();
  }

  private static double[] values(Tensor t) {
    double[] v = new double[t.numel()];
    if (t.dtype() == DType.FLOAT32) {
      float[] f = t.data();
      for (int i = 0; i < v.length; i++) {
        v[i] = f[i];
      }
    } else {
      long[] l = t.longData();
      for (int i = 0; i < v.length; i++) {
        v[i] = l[i];
      }
    }
    return v;
  }

  /** The elements that stay visible after summarisation ({@code get_summarized_data}), flattened. */
  private static double[] summarized(double[] v, int[] dims) {
    List<Double> out = new ArrayList<>();
    collectVisible(v, dims, 0, 0, out);
    double[] r = new double[out.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = out.get(i);
    }
    return r;
  }

  private static void collectVisible(double[] v, int[] dims, int d, int offset, List<Double> out) {
    if (dims.length == 0) {
      out.add(v[0]);
      return;
    }
    int n = dims[d];
    int stride = 1;
    for (int i = d + 1; i < dims.length; i++) {
      stride *= dims[i];
    }
    for (int i : visible(n, true)) {
      if (d == dims.length - 1) {
        out.add(v[offset + i]);
      } else {
        collectVisible(v, dims, d + 1, offset + i * stride, out);
      }
    }
  }

  /** Indices shown along a dim of size {@code n}; -1 marks the {@code ...}. */
  private static int[] visible(int n, boolean summarize) {
    if (!summarize || n <= 2 * EDGE) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    int[] r = new int[2 * EDGE];
    for (int i = 0; i < EDGE; i++) {
      r[i] = i;
      r[EDGE + i] = n - EDGE + i;
    }
    return r;
  }

  private static void appendTensor(
      StringBuilder sb, double[] v, int[] dims, int d, int offset, int indent, boolean summarize, Formatter fmt) {
    int rank = dims.length;
    if (rank == 0) {
      sb.append(fmt.format(v[0]));
      return;
    }
    int n = dims[d];
    boolean elide = summarize && n > 2 * EDGE;
    if (d == rank - 1) { // _vector_str
      int elementsPerLine = Math.max(1, (LINE_WIDTH - indent) / (fmt.width + 2));
      List<String> data = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (elide && i == EDGE) {
          data.add(" ...");
          i = n - EDGE;
        }
        data.add(fmt.format(v[offset + i]));
      }
      sb.append('[');
      for (int i = 0; i < data.size(); i++) {
        if (i > 0) {
          sb.append(i % elementsPerLine == 0 ? ",\n" + " ".repeat(indent + 1) : ", ");
        }
        sb.append(data.get(i));
      }
      sb.append(']');
      return;
    }
    int stride = 1;
    for (int i = d + 1; i < rank; i++) {
      stride *= dims[i];
    }
    String sep = "," + "\n".repeat(rank - d - 1) + " ".repeat(indent + 1);
    sb.append('[');
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(sep);
      }
      if (elide && i == EDGE) {
        sb.append("...").append(sep);
        i = n - EDGE;
      }
      appendTensor(sb, v, dims, d + 1, offset + i * stride, indent + 1, summarize, fmt);
    }
    sb.append(']');
  }

  /** PyTorch's {@code _Formatter}: picks the notation and the common width from the visible values. */
  private static final class Formatter {
    private final DType dtype;
    private boolean intMode = true;
    private boolean sciMode = false;
    private int width = 1;

    Formatter(DType dtype, double[] v) {
      this.dtype = dtype;
      if (dtype != DType.FLOAT32) {
        for (double x : v) {
          width = Math.max(width, format(x).length());
        }
        return;
      }
      double min = Double.POSITIVE_INFINITY;
      double max = 0;
      int count = 0;
      for (double x : v) {
        if (Double.isFinite(x) && x != 0) {
          double a = Math.abs(x);
          min = Math.min(min, a);
          max = Math.max(max, a);
          count++;
          if (x != Math.ceil(x)) {
            intMode = false;
          }
        }
      }
      if (count == 0) {
        return;
      }
      boolean wide = max / min > 1000.0 || max > 1e8;
      sciMode = intMode ? wide : wide || min < 1e-4;
      for (double x : v) {
        if (Double.isFinite(x) && x != 0) {
          String s = sciMode ? sci(x) : intMode ? fixed(x, 0) : fixed(x, PRECISION);
          width = Math.max(width, s.length() + (intMode && !sciMode ? 1 : 0));
        }
      }
    }

    String format(double x) {
      String s;
      if (dtype == DType.BOOL) {
        s = x != 0 ? "True" : "False";
      } else if (dtype == DType.INT64) {
        s = Long.toString((long) x);
      } else if (!Double.isFinite(x)) {
        s = Double.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
      } else if (sciMode) {
        s = sci(x);
      } else if (intMode) {
        s = fixed(x, 0) + ".";
      } else {
        s = fixed(x, PRECISION);
      }
      return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }
  }

  /** Python's {@code '{:.Nf}'.format(x)} for finite x: exact value, half to even, sign kept for -0. */
  static String fixed(double x, int digits) {
    String s = new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).abs().toPlainString();
    return negative(x) ? "-" + s : s;
  }

  /** Python's {@code '{:.4e}'.format(x)} for finite x. */
  static String sci(double x) {
    StringBuilder sb = new StringBuilder(negative(x) ? "-" : "");
    if (x == 0) {
      return sb.append("0.").append("0".repeat(PRECISION)).append("e+00").toString();
    }
    BigDecimal r = new BigDecimal(x).abs().round(new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN));
    String u = r.unscaledValue().toString();
    int exp = u.length() - 1 - r.scale();
    if (u.length() < PRECISION + 1) {
      u = u + "0".repeat(PRECISION + 1 - u.length());
    }
    sb.append(u.charAt(0)).append('.').append(u, 1, PRECISION + 1).append('e').append(exp < 0 ? '-' : '+');
    int e = Math.abs(exp);
    return sb.append(e < 10 ? "0" : "").append(e).toString();
  }

  private static boolean negative(double x) {
    return x < 0 || (x == 0 && 1 / x < 0);
  }
}
