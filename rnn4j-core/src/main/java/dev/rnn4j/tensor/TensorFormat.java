package dev.rnn4j.tensor;

/** Prints tensors the way PyTorch does ({@code tensor([[...]], grad_fn=<...>)}). */
final class TensorFormat {
  private TensorFormat() {}

  static String format(Tensor t) {
    StringBuilder sb = new StringBuilder("tensor(");
    appendDim(sb, t, 0, 0, 7);
    if (t.gradFn() != null) {
      sb.append(", grad_fn=<").append(t.gradFn().name()).append('>');
    } else if (t.requiresGrad()) {
      sb.append(", requires_grad=True");
    }
    return sb.append(')').toString();
  }

  private static void appendDim(StringBuilder sb, Tensor t, int dim, int offset, int indent) {
    if (t.dim() == 0) {
      sb.append(element(t, 0));
      return;
    }
    int n = t.size(dim);
    int stride = 1;
    for (int i = dim + 1; i < t.dim(); i++) {
      stride *= t.size(i);
    }
    sb.append('[');
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(dim == t.dim() - 1 ? ", " : ",\n" + " ".repeat(indent + dim + 1));
      }
      if (dim == t.dim() - 1) {
        sb.append(element(t, offset + i));
      } else {
        appendDim(sb, t, dim + 1, offset + i * stride, indent);
      }
    }
    sb.append(']');
  }

  private static String element(Tensor t, int i) {
    if (t.dtype() == DType.FLOAT32) {
      return String.format("%.4f", t.data()[i]);
    }
    if (t.dtype() == DType.BOOL) {
      return t.longData()[i] != 0 ? "True" : "False";
    }
    return Long.toString(t.longData()[i]);
  }
}
