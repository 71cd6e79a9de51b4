package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.gemm.Gemm;
import java.util.Arrays;

/**
 * {@code torch.matmul}: a 1-D operand is promoted to a matrix (and the added dim removed afterwards); otherwise the
 * last two dims multiply, {@code (..., m, k) @ (..., k, n) -> (..., m, n)}, and the leading (batch) dims broadcast.
 * A batched left operand times a plain matrix is one GEMM over all its rows.
 *
 * <pre>
 *   C = A B      dA = dC B^T      dB = A^T dC      (summed over the batches that broadcast)
 * </pre>
 */
public final class MatMul extends Node {
  private final String name;
  private Tensor a; // saved (..., m, k)
  private Tensor b; // saved (..., k, n)

  private MatMul(Tensor a, Tensor b) {
    super(a, b);
    this.a = a;
    this.b = b;
    // PyTorch's names: mm for two matrices, a reshaped bmm (UnsafeView) once a batch dim is involved.
    this.name = a.dim() == 2 && b.dim() == 2 ? "MmBackward0" : "UnsafeViewBackward0";
  }

  public static Tensor apply(Tensor a, Tensor b) {
    if (a.dim() == 0 || b.dim() == 0) {
      throw new IllegalArgumentException(
          "both arguments to matmul need to be at least 1D, but they are " + a.dim() + "D and " + b.dim() + "D");
    }
    if (a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException(
          "matmul expects float32 tensors, got " + a.dtype() + " and " + b.dtype());
    }
    if (a.dim() == 1 && b.dim() == 1) {
      if (a.size(0) != b.size(0)) {
        throw new IllegalArgumentException(
            "inconsistent tensor size, expected tensor [" + a.size(0) + "] and src [" + b.size(0)
                + "] to have the same number of elements");
      }
      return View.apply(apply(a.unsqueeze(0), b.unsqueeze(1)), Shape.SCALAR, "DotBackward0");
    }
    if (a.dim() == 1) {
      Tensor r = apply(a.unsqueeze(0), b);
      return View.apply(r, squeezed(r.shape(), r.dim() - 2), "SqueezeBackward3");
    }
    if (b.dim() == 1) {
      Tensor r = apply(a, b.unsqueeze(1));
      return View.apply(r, squeezed(r.shape(), r.dim() - 1), a.dim() == 2 ? "MvBackward0" : "SqueezeBackward3");
    }
    int m = a.size(-2);
    int k = a.size(-1);
    int n = b.size(-1);
    if (b.size(-2) != k) {
      throw new IllegalArgumentException(
          "mat1 and mat2 shapes cannot be multiplied (" + m + "x" + k + " and " + b.size(-2) + "x" + n
              + "); shapes " + a.shape() + " and " + b.shape());
    }
    Shape batchA = batchShape(a);
    Shape batchB = batchShape(b);
    Shape batch = Broadcast.shape(batchA, batchB);
    int[] outDims = Arrays.copyOf(batch.dims(), batch.rank() + 2);
    outDims[batch.rank()] = m;
    outDims[batch.rank() + 1] = n;
    Shape outShape = new Shape(outDims);
    float[] c = new float[outShape.numel()];
    if (b.dim() == 2) { // (..., m, k) @ (k, n): all rows of A at once
      Gemm.sgemm(false, false, a.numel() / Math.max(k, 1) , n, k, 1f, a.data(), 0, k, b.data(), 0, n, 0f, c, 0, n);
      if (k == 0) {
        Arrays.fill(c, 0f);
      }
    } else {
      int[] ia = Broadcast.indexMap(batchA, batch);
      int[] ib = Broadcast.indexMap(batchB, batch);
      for (int t = 0; t < ia.length; t++) {
        Gemm.sgemm(false, false, m, n, k, 1f, a.data(), ia[t] * m * k, k, b.data(), ib[t] * k * n, n, 0f, c,
            t * m * n, n);
      }
    }
    Tensor out = Tensor.wrap(c, outShape);
    if (Graph.needsGraph(a, b)) {
      Graph.record(new MatMul(a, b), out);
    }
    return out;
  }

  private static Shape squeezed(Shape s, int dim) {
    int[] d = new int[s.rank() - 1];
    for (int i = 0, j = 0; i < s.rank(); i++) {
      if (i != dim) {
        d[j++] = s.size(i);
      }
    }
    return new Shape(d);
  }

  private static Shape batchShape(Tensor t) {
    return new Shape(Arrays.copyOf(t.shape().dims(), t.dim() - 2));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    int m = a.size(-2);
    int k = a.size(-1);
    int n = b.size(-1);
    float[] da = needsGrad(0) ? new float[a.numel()] : null;
    float[] db = needsGrad(1) ? new float[b.numel()] : null;
    if (b.dim() == 2) {
      int rows = a.numel() / Math.max(k, 1);
      if (da != null) { // dA (rows, k) = G (rows, n) B^T
        Gemm.sgemm(false, true, rows, k, n, 1f, g, 0, n, b.data(), 0, n, 0f, da, 0, k);
      }
      if (db != null) { // dB (k, n) = A^T (k, rows) G (rows, n)
        Gemm.sgemm(true, false, k, n, rows, 1f, a.data(), 0, k, g, 0, n, 0f, db, 0, n);
      }
    } else {
      Shape batchA = batchShape(a);
      Shape batchB = batchShape(b);
      Shape batch = Broadcast.shape(batchA, batchB);
      int[] ia = Broadcast.indexMap(batchA, batch);
      int[] ib = Broadcast.indexMap(batchB, batch);
      for (int t = 0; t < ia.length; t++) { // beta = 1 sums over broadcast batches
        if (da != null) {
          Gemm.sgemm(false, true, m, k, n, 1f, g, t * m * n, n, b.data(), ib[t] * k * n, n, 1f, da, ia[t] * m * k, k);
        }
        if (db != null) {
          Gemm.sgemm(true, false, k, n, m, 1f, a.data(), ia[t] * m * k, k, g, t * m * n, n, 1f, db, ib[t] * k * n, n);
        }
      }
    }
    return new Tensor[] {
      da == null ? null : Tensor.wrap(da, a.shape()), db == null ? null : Tensor.wrap(db, b.shape())
    };
  }

  @Override
  protected void releaseSaved() {
    a = null;
    b = null;
  }
}
