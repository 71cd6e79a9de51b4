package dev.rnn4j.tensor;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.autograd.op.Binary;
import dev.rnn4j.autograd.op.Cat;
import dev.rnn4j.autograd.op.Clamp;
import dev.rnn4j.autograd.op.Gather;
import dev.rnn4j.autograd.op.IndexSelect;
import dev.rnn4j.autograd.op.MaskedFill;
import dev.rnn4j.autograd.op.MatMul;
import dev.rnn4j.autograd.op.Narrow;
import dev.rnn4j.autograd.op.Permute;
import dev.rnn4j.autograd.op.Pow;
import dev.rnn4j.autograd.op.Reduce;
import dev.rnn4j.autograd.op.Softmax;
import dev.rnn4j.autograd.op.Unary;
import dev.rnn4j.autograd.op.View;
import dev.rnn4j.autograd.op.Where;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array of {@code float32}, {@code int64} or {@code bool} elements, with PyTorch's meaning and
 * autograd. Storage is always contiguous and row-major: {@link #transpose} and {@link #permute} copy, while
 * {@link #view} and {@link #reshape} share the storage, as PyTorch's views do.
 *
 * <p>Operations return new tensors and, when grad mode is on and an input {@link #requiresGrad()}, record a
 * {@link Node} as the result's {@link #gradFn()}. {@link #backward()} then fills the {@link #grad()} of every leaf that
 * requires a gradient.
 *
 * <p>Errors name what was expected and what came: a bad dim, shape or dtype is an {@link IllegalArgumentException}.
 */
public final class Tensor {
  private final Shape shape;
  private final DType dtype;
  private final float[] f; // FLOAT32 storage, or null
  private final long[] l; // INT64 / BOOL storage, or null
  private final TensorVersion version; // shared with every view of the storage (NOTE [tensor versions])

  private boolean requiresGrad;
  private boolean retainsGrad;
  private Tensor grad;
  private Node gradFn;
  private int outputIndex;

  private Tensor(Shape shape, DType dtype, float[] f, long[] l) {
    this(shape, dtype, f, l, new TensorVersion());
  }

  private Tensor(Shape shape, DType dtype, float[] f, long[] l, TensorVersion version) {
    this.shape = shape;
    this.dtype = dtype;
    this.f = f;
    this.l = l;
    this.version = version;
  }

  /** The same storage (and version counter) seen as {@code shape}, with no graph history; for view ops. */
  public Tensor aliasAs(Shape shape) {
    if (shape.numel() != numel()) {
      throw new IllegalArgumentException("shape '" + shape + "' is invalid for input of size " + numel());
    }
    return new Tensor(shape, dtype, f, l, version);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Creation

  /** Wraps {@code data} (not copied) as a float tensor of {@code shape}. */
  public static Tensor wrap(float[] data, Shape shape) {
    if (data.length != shape.numel()) {
      throw new IllegalArgumentException(
          "shape " + shape + " needs " + shape.numel() + " elements, got " + data.length);
    }
    return new Tensor(shape, DType.FLOAT32, data, null);
  }

  /** Wraps {@code data} (not copied) as an int64 or bool tensor of {@code shape}. */
  public static Tensor wrap(long[] data, Shape shape, DType dtype) {
    if (dtype == DType.FLOAT32) {
      throw new IllegalArgumentException("long storage cannot hold " + dtype);
    }
    if (data.length != shape.numel()) {
      throw new IllegalArgumentException(
          "shape " + shape + " needs " + shape.numel() + " elements, got " + data.length);
    }
    return new Tensor(shape, dtype, null, data);
  }

  /** A float tensor holding a copy of {@code data}, viewed as {@code shape}. */
  public static Tensor of(float[] data, int... shape) {
    return wrap(data.clone(), new Shape(shape));
  }

  /** A 1-D float tensor. */
  public static Tensor of(float... data) {
    return wrap(data.clone(), new Shape(data.length));
  }

  /** A 2-D float tensor from rows of equal length. */
  public static Tensor of(float[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    float[] d = new float[rows.length * cols];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != cols) {
        throw new IllegalArgumentException(
            "expected rows of length " + cols + ", row " + i + " has length " + rows[i].length);
      }
      System.arraycopy(rows[i], 0, d, i * cols, cols);
    }
    return wrap(d, new Shape(rows.length, cols));
  }

  /** An int64 tensor holding a copy of {@code data}, viewed as {@code shape}. */
  public static Tensor ofLongs(long[] data, int... shape) {
    return wrap(data.clone(), new Shape(shape), DType.INT64);
  }

  /** A 1-D int64 tensor. */
  public static Tensor ofLongs(long... data) {
    return wrap(data.clone(), new Shape(data.length), DType.INT64);
  }

  /** A 2-D int64 tensor from rows of equal length: {@code torch.LongTensor(data)}. */
  public static Tensor ofLongs(long[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    long[] d = new long[rows.length * cols];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != cols) {
        throw new IllegalArgumentException(
            "expected rows of length " + cols + ", row " + i + " has length " + rows[i].length);
      }
      System.arraycopy(rows[i], 0, d, i * cols, cols);
    }
    return wrap(d, new Shape(rows.length, cols), DType.INT64);
  }

  /** A 2-D int64 tensor from rows of equal length given as int arrays. */
  public static Tensor ofLongs(int[][] rows) {
    long[][] r = new long[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      r[i] = Arrays.stream(rows[i]).asLongStream().toArray();
    }
    return ofLongs(r);
  }

  /** A bool tensor. */
  public static Tensor ofBools(boolean[] data, int... shape) {
    long[] d = new long[data.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = data[i] ? 1 : 0;
    }
    return wrap(d, new Shape(shape), DType.BOOL);
  }

  /** A 0-dim float tensor. */
  public static Tensor scalar(float value) {
    return wrap(new float[] {value}, Shape.SCALAR);
  }

  /** A 0-dim int64 tensor. */
  public static Tensor scalarLong(long value) {
    return wrap(new long[] {value}, Shape.SCALAR, DType.INT64);
  }

  public static Tensor zeros(int... shape) {
    return zeros(new Shape(shape));
  }

  public static Tensor zeros(Shape shape) {
    return wrap(new float[shape.numel()], shape);
  }

  /** Zeros of a dtype. */
  public static Tensor zeros(Shape shape, DType dtype) {
    return dtype == DType.FLOAT32 ? zeros(shape) : wrap(new long[shape.numel()], shape, dtype);
  }

  public static Tensor ones(int... shape) {
    return full(1f, shape);
  }

  public static Tensor full(float value, int... shape) {
    return full(value, new Shape(shape));
  }

  public static Tensor full(float value, Shape shape) {
    float[] d = new float[shape.numel()];
    Arrays.fill(d, value);
    return wrap(d, shape);
  }

  public static Tensor zerosLike(Tensor t) {
    return zeros(t.shape, t.dtype);
  }

  public static Tensor onesLike(Tensor t) {
    return t.dtype == DType.FLOAT32 ? full(1f, t.shape) : zerosLike(t).add(1).to(t.dtype);
  }

  /** A tensor of {@code t}'s shape and dtype filled with {@code value}. */
  public static Tensor fullLike(Tensor t, double value) {
    return t.dtype == DType.FLOAT32 ? full((float) value, t.shape) : zerosLike(t).add(value).to(t.dtype);
  }

  /** {@code torch.arange(end)}: int64 values {@code 0, 1, ..., end-1}. */
  public static Tensor arange(long end) {
    return arange(0, end, 1);
  }

  /** {@code torch.arange(start, end, step)} on integers: int64. */
  public static Tensor arange(long start, long end, long step) {
    if (step == 0) {
      throw new IllegalArgumentException("arange step must be nonzero");
    }
    if ((step > 0 && end < start) || (step < 0 && end > start)) {
      throw new IllegalArgumentException(
          "arange: upper bound and larger bound inconsistent with step sign (start=" + start + ", end=" + end
              + ", step=" + step + ")");
    }
    int n = (int) Math.max(0, Math.floorDiv(end - start + step + (step > 0 ? -1 : 1), step));
    long[] d = new long[n];
    for (int i = 0; i < n; i++) {
      d[i] = start + i * step;
    }
    return wrap(d, new Shape(n), DType.INT64);
  }

  /** {@code torch.arange(start, end, step)} on floats: float32, {@code ceil((end-start)/step)} values. */
  public static Tensor arange(double start, double end, double step) {
    if (step == 0 || Double.isNaN(step)) {
      throw new IllegalArgumentException("arange step must be nonzero, got " + step);
    }
    if ((step > 0 && end < start) || (step < 0 && end > start)) {
      throw new IllegalArgumentException(
          "arange: upper bound and larger bound inconsistent with step sign (start=" + start + ", end=" + end
              + ", step=" + step + ")");
    }
    int n = (int) Math.ceil((end - start) / step);
    float[] d = new float[n];
    for (int i = 0; i < n; i++) {
      d[i] = (float) (start + i * step);
    }
    return wrap(d, new Shape(n));
  }

  /** Uniform in [0, 1): {@code torch.rand}. */
  public static Tensor rand(Generator gen, int... shape) {
    Shape s = new Shape(shape);
    float[] d = new float[s.numel()];
    for (int i = 0; i < d.length; i++) {
      d[i] = gen.nextFloat();
    }
    return wrap(d, s);
  }

  /** Uniform in [low, high). */
  public static Tensor uniform(Generator gen, float low, float high, int... shape) {
    Shape s = new Shape(shape);
    float[] d = new float[s.numel()];
    for (int i = 0; i < d.length; i++) {
      d[i] = low + (high - low) * gen.nextFloat();
    }
    return wrap(d, s);
  }

  /** Standard normal: {@code torch.randn}. */
  public static Tensor randn(Generator gen, int... shape) {
    Shape s = new Shape(shape);
    float[] d = new float[s.numel()];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) gen.nextGaussian();
    }
    return wrap(d, s);
  }

  /** Uniform integers in [low, high): {@code torch.randint}, int64. */
  public static Tensor randint(Generator gen, long low, long high, int... shape) {
    Shape s = new Shape(shape);
    long[] d = new long[s.numel()];
    for (int i = 0; i < d.length; i++) {
      d[i] = gen.nextLong(low, high);
    }
    return wrap(d, s, DType.INT64);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Properties and element access

  public Shape shape() {
    return shape;
  }

  /** Size of dimension {@code d} (negative counts from the end). */
  public int size(int d) {
    return shape.size(d);
  }

  /** Number of dimensions. */
  public int dim() {
    return shape.rank();
  }

  public int numel() {
    return f != null ? f.length : l.length;
  }

  public DType dtype() {
    return dtype;
  }

  /**
   * The float storage itself, row-major, not a copy. Kernels and optimizers read and write it; writing it bypasses
   * autograd and does not change {@link #version()}: after writing into a tensor that already exists (a weight, say),
   * call {@link #markModified()}, or the recurrent modules may keep using packed copies of the old values.
   */
  public float[] data() {
    if (f == null) {
      throw new IllegalArgumentException("expected a float32 tensor, got " + dtype);
    }
    return f;
  }

  /**
   * Says that this tensor's values were changed in place through {@link #data()}: moves its {@link #version()} on, so
   * copies derived from the old values (a recurrent module's packed weights) are made again. Only for code that writes
   * through {@code data()} itself: rnn4j's own in-place writes (optimizer steps, {@code Module.loadStateDict}, the
   * initialisers) change the version already. Views share the storage and its version, so marking any of them is
   * enough. To write while other threads may read, use a {@link TensorVersion#beginWrite write section} instead.
   */
  public void markModified() {
    version.bump();
  }

  /** The version of this tensor's storage (NOTE [tensor versions]). */
  public long version() {
    return version.get();
  }

  TensorVersion versionCounter() {
    return version;
  }

  /** The int64/bool storage itself, row-major, not a copy. */
  public long[] longData() {
    if (l == null) {
      throw new IllegalArgumentException("expected an int64 or bool tensor, got " + dtype);
    }
    return l;
  }

  /** A copy of the elements as floats (int64 and bool converted). */
  public float[] toFloatArray() {
    if (f != null) {
      return f.clone();
    }
    float[] r = new float[l.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = l[i];
    }
    return r;
  }

  /** A copy of the elements as longs (floats truncated toward zero). */
  public long[] toLongArray() {
    if (l != null) {
      return l.clone();
    }
    long[] r = new long[f.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = (long) f[i];
    }
    return r;
  }

  /** The value of a one-element tensor. */
  public double item() {
    if (numel() != 1) {
      throw new IllegalArgumentException(
          "a Tensor with " + numel() + " elements cannot be converted to a scalar");
    }
    return f != null ? f[0] : l[0];
  }

  /** Element at {@code index} (one index per dim) as a double, whatever the dtype. */
  public double get(int... index) {
    int off = offsetOf(index);
    return f != null ? f[off] : l[off];
  }

  /** Element at {@code index} of an int64/bool tensor. */
  public long getLong(int... index) {
    return longData()[offsetOf(index)];
  }

  /** Row-major offset of a full index, checked against the shape. */
  public int offsetOf(int... index) {
    if (index.length != shape.rank()) {
      throw new IllegalArgumentException(
          "expected " + shape.rank() + " indices for shape " + shape + ", got " + index.length);
    }
    int off = 0;
    for (int d = 0; d < index.length; d++) {
      int n = shape.size(d);
      int i = index[d] < 0 ? index[d] + n : index[d];
      if (i < 0 || i >= n) {
        throw new IllegalArgumentException(
            "index " + index[d] + " is out of bounds for dimension " + d + " with size " + n);
      }
      off = off * n + i;
    }
    return off;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Autograd

  /** Whether operations on this tensor are recorded for backward. */
  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** Marks a leaf as needing a gradient (PyTorch's {@code requires_grad_}); returns this. */
  public Tensor requiresGrad(boolean value) {
    if (gradFn != null && !value) {
      throw new IllegalStateException(
          "you can only change requires_grad flags of leaf variables; use detach() for a non-leaf");
    }
    if (value && dtype != DType.FLOAT32) {
      throw new IllegalArgumentException("only floating point tensors can require gradients, got " + dtype);
    }
    requiresGrad = value;
    return this;
  }

  /** The gradient accumulated by {@link #backward()}, or {@code null}. */
  public Tensor grad() {
    return grad;
  }

  /** Replaces the gradient (optimizers and clipping write it; {@code null} clears it). */
  public void setGrad(Tensor g) {
    if (g != null && !g.shape.equals(shape)) {
      throw new IllegalArgumentException("assigned grad has shape " + g.shape + " but the tensor is " + shape);
    }
    grad = g;
  }

  /** Clears the gradient (PyTorch's {@code set_to_none}). */
  public void zeroGrad() {
    grad = null;
  }

  /** The op that produced this tensor, or {@code null} for a leaf. */
  public Node gradFn() {
    return gradFn;
  }

  /** Which output of {@link #gradFn()} this tensor is. */
  public int outputIndex() {
    return outputIndex;
  }

  /** True for tensors created by the user rather than by a recorded op. */
  public boolean isLeaf() {
    return gradFn == null;
  }

  /** Keeps {@link #grad()} for this non-leaf tensor after backward, like {@code retain_grad()}. */
  public Tensor retainGrad() {
    retainsGrad = true;
    return this;
  }

  /** Internal: called by {@link Graph#record}. */
  public void setGradFn(Node node, int index) {
    this.gradFn = node;
    this.outputIndex = index;
    this.requiresGrad = true;
  }

  /** Internal: adds {@code g} into {@link #grad()} (allocates it on first use). */
  public void accumulateGrad(Tensor g) {
    if (!g.shape.equals(shape)) {
      throw new IllegalArgumentException("gradient of shape " + g.shape + " for a tensor of shape " + shape);
    }
    if (grad == null) {
      // Always a private copy: an op may hand the same gradient storage to several inputs (a + b gives both the
      // incoming gradient itself), and the next accumulation writes into grad in place.
      grad = g.dtype == DType.FLOAT32 ? g.copy() : g.to(DType.FLOAT32);
    } else {
      float[] dst = grad.data();
      float[] src = g.data();
      for (int i = 0; i < dst.length; i++) {
        dst[i] += src[i];
      }
    }
  }

  /** Internal: true when this non-leaf keeps its gradient. */
  public boolean retainsGrad() {
    return retainsGrad;
  }

  /** Back-propagates from a one-element tensor (the loss). */
  public void backward() {
    if (numel() != 1) {
      throw new IllegalArgumentException(
          "grad can be implicitly created only for scalar outputs; this tensor has shape " + shape);
    }
    backward(full(1f, shape), false);
  }

  /** Back-propagates {@code gradient}, which must have this tensor's shape. */
  public void backward(Tensor gradient) {
    backward(gradient, false);
  }

  /** Back-propagates; {@code retainGraph} keeps saved tensors for another backward through the same graph. */
  public void backward(Tensor gradient, boolean retainGraph) {
    Graph.backward(this, gradient, retainGraph);
  }

  /** The same storage, cut from the graph. */
  public Tensor detach() {
    return new Tensor(shape, dtype, f, l, version);
  }

  /** A copy of the storage with no graph history (not PyTorch's differentiable {@code clone}). */
  public Tensor copy() {
    return new Tensor(shape, dtype, f == null ? null : f.clone(), l == null ? null : l.clone());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shape operations

  /** Same storage, new shape (one size may be -1). Differentiable. */
  public Tensor view(int... newShape) {
    return View.apply(this, inferShape(newShape));
  }

  /** As {@link #view}: storage is always contiguous, so reshape never needs to copy. */
  public Tensor reshape(int... newShape) {
    return view(newShape);
  }

  /** Flattens to 1-D. */
  public Tensor flatten() {
    return view(numel());
  }

  /** Always this: rnn4j tensors are contiguous. */
  public Tensor contiguous() {
    return this;
  }

  /** Swaps two dims (copies). */
  public Tensor transpose(int d0, int d1) {
    int[] perm = new int[dim()];
    for (int i = 0; i < perm.length; i++) {
      perm[i] = i;
    }
    int a = shape.normalizeDim(d0);
    int b = shape.normalizeDim(d1);
    if (dim() == 0) {
      return this;
    }
    perm[a] = b;
    perm[b] = a;
    return Permute.apply(this, perm, "TransposeBackward0");
  }

  /** Transpose of a matrix (or a 1-D tensor unchanged), like {@code t()}. */
  public Tensor t() {
    if (dim() > 2) {
      throw new IllegalArgumentException("t() expects a tensor with <= 2 dimensions, but self is " + dim() + "D");
    }
    return dim() < 2 ? this : Permute.apply(this, new int[] {1, 0}, "TBackward0");
  }

  /** Reorders dims (copies). */
  public Tensor permute(int... dims) {
    return Permute.apply(this, dims);
  }

  /** Inserts a dim of size 1 at {@code d} (which may be {@code dim()}). */
  public Tensor unsqueeze(int d) {
    int r = dim() + 1;
    int nd = d < 0 ? d + r : d;
    if (nd < 0 || nd >= r) {
      throw new IllegalArgumentException(
          "dimension out of range (expected to be in range of [" + (-r) + ", " + (r - 1) + "], but got " + d + ")");
    }
    int[] s = new int[r];
    for (int i = 0, j = 0; i < r; i++) {
      s[i] = i == nd ? 1 : shape.size(j++);
    }
    return View.apply(this, new Shape(s), "UnsqueezeBackward0");
  }

  /** Removes every dim of size 1. */
  public Tensor squeeze() {
    return View.apply(this, new Shape(Arrays.stream(shape.dims()).filter(x -> x != 1).toArray()), "SqueezeBackward0");
  }

  /** Removes dim {@code d} if its size is 1 (otherwise returns an equal view, as PyTorch does). */
  public Tensor squeeze(int d) {
    if (dim() == 0) {
      return this;
    }
    int nd = shape.normalizeDim(d);
    if (shape.size(nd) != 1) {
      return View.apply(this, shape, "SqueezeBackward1");
    }
    int[] s = new int[dim() - 1];
    for (int i = 0, j = 0; i < dim(); i++) {
      if (i != nd) {
        s[j++] = shape.size(i);
      }
    }
    return View.apply(this, new Shape(s), "SqueezeBackward1");
  }

  /** Elements {@code [start, start+length)} along {@code d}. */
  public Tensor narrow(int d, int start, int length) {
    return Narrow.apply(this, d, start, length);
  }

  /** Python slicing {@code [start:end]} along {@code d}; negative bounds count from the end and are clamped. */
  public Tensor slice(int d, int start, int end) {
    int n = size(d);
    int s = start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
    int e = end < 0 ? Math.max(end + n, 0) : Math.min(end, n);
    return narrow(d, s, Math.max(e - s, 0));
  }

  /**
   * {@code torch.split(x, size, d)}: consecutive pieces of {@code size} along {@code d}, the last one smaller when
   * the dim does not divide evenly.
   */
  public List<Tensor> split(int size, int d) {
    if (size <= 0) {
      throw new IllegalArgumentException("split expects split_size be positive, got " + size);
    }
    int nd = shape.normalizeDim(d);
    int n = size(nd);
    List<Tensor> out = new java.util.ArrayList<>();
    for (int start = 0; start < n || (n == 0 && out.isEmpty()); start += size) {
      out.add(Narrow.apply(this, nd, start, Math.min(size, n - start), "SplitBackward0"));
    }
    return out;
  }

  /** {@code torch.chunk(x, chunks, d)}: {@code ceil(size / chunks)} elements per piece, as PyTorch splits. */
  public List<Tensor> chunk(int chunks, int d) {
    if (chunks <= 0) {
      throw new IllegalArgumentException("chunk expects `chunks` to be greater than 0, got: " + chunks);
    }
    int n = size(d);
    return split(Math.max(1, (n + chunks - 1) / chunks), d);
  }

  /** Index {@code i} along {@code d}, removing that dim: {@code x[:, i]} for {@code d = 1}. */
  public Tensor select(int d, int i) {
    int nd = shape.normalizeDim(d);
    int n = shape.size(nd);
    int ii = i < 0 ? i + n : i;
    if (ii < 0 || ii >= n) {
      throw new IllegalArgumentException(
          "index " + i + " is out of bounds for dimension " + nd + " with size " + n);
    }
    Tensor row = narrow(nd, ii, 1);
    int[] s = new int[dim() - 1];
    for (int k = 0, j = 0; k < dim(); k++) {
      if (k != nd) {
        s[j++] = size(k);
      }
    }
    return View.apply(row, new Shape(s), "SelectBackward0");
  }

  /** Rows picked by an int64 index tensor along {@code d}. */
  public Tensor indexSelect(int d, Tensor index) {
    return IndexSelect.apply(this, d, index);
  }

  /**
   * Indexing by an int64 tensor along dim 0, {@code batch[sorted_idx]}: the result has shape
   * {@code index.shape + this.shape[1:]}.
   */
  public Tensor index(Tensor index) {
    Tensor flat = index.dim() == 1 ? index : index.view(index.numel());
    Tensor picked = IndexSelect.apply(this, 0, flat, "IndexBackward0");
    int[] s = new int[index.dim() + dim() - 1];
    System.arraycopy(index.shape.dims(), 0, s, 0, index.dim());
    for (int i = 1; i < dim(); i++) {
      s[index.dim() + i - 1] = size(i);
    }
    return index.dim() == 1 ? picked : View.apply(picked, new Shape(s), "IndexBackward0");
  }

  /** Joins tensors along an existing dim. */
  public static Tensor cat(List<Tensor> tensors, int d) {
    return Cat.apply(tensors, d);
  }

  /** Joins tensors along an existing dim. */
  public static Tensor cat(int d, Tensor... tensors) {
    return Cat.apply(List.of(tensors), d);
  }

  /** Joins equally-shaped tensors along a new dim {@code d}. */
  public static Tensor stack(List<Tensor> tensors, int d) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("stack expects a non-empty list of tensors");
    }
    Shape s0 = tensors.get(0).shape();
    Tensor[] u = new Tensor[tensors.size()];
    for (int i = 0; i < u.length; i++) {
      Tensor t = tensors.get(i);
      if (!t.shape().equals(s0)) {
        throw new IllegalArgumentException(
            "stack expects each tensor to be equal size, but got " + s0 + " at entry 0 and " + t.shape()
                + " at entry " + i);
      }
      u[i] = t.unsqueeze(d);
    }
    return Cat.apply(List.of(u), d < 0 ? d + s0.rank() + 1 : d, "StackBackward0");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Arithmetic (broadcasting as in PyTorch)

  public Tensor add(Tensor other) {
    return Binary.apply(Binary.Kind.ADD, this, other);
  }

  public Tensor add(double s) {
    return Binary.apply(Binary.Kind.ADD, this, scalarLike(s));
  }

  public Tensor sub(Tensor other) {
    return Binary.apply(Binary.Kind.SUB, this, other);
  }

  public Tensor sub(double s) {
    return Binary.apply(Binary.Kind.SUB, this, scalarLike(s));
  }

  public Tensor mul(Tensor other) {
    return Binary.apply(Binary.Kind.MUL, this, other);
  }

  public Tensor mul(double s) {
    return Binary.apply(Binary.Kind.MUL, this, scalarLike(s));
  }

  public Tensor div(Tensor other) {
    return Binary.apply(Binary.Kind.DIV, this, other);
  }

  public Tensor div(double s) {
    return Binary.apply(Binary.Kind.DIV, this, scalarLike(s));
  }

  public Tensor neg() {
    return Unary.apply(Unary.Kind.NEG, this);
  }

  public Tensor exp() {
    return Unary.apply(Unary.Kind.EXP, this);
  }

  public Tensor log() {
    return Unary.apply(Unary.Kind.LOG, this);
  }

  public Tensor tanh() {
    return Unary.apply(Unary.Kind.TANH, this);
  }

  public Tensor sigmoid() {
    return Unary.apply(Unary.Kind.SIGMOID, this);
  }

  public Tensor relu() {
    return Unary.apply(Unary.Kind.RELU, this);
  }

  public Tensor sqrt() {
    return Unary.apply(Unary.Kind.SQRT, this);
  }

  /** Elementwise square: {@code pow(2)}, as PyTorch records it. */
  public Tensor square() {
    return pow(2);
  }

  /** {@code x ** exponent} elementwise: {@code torch.pow(x, exponent)}. */
  public Tensor pow(double exponent) {
    return Pow.apply(this, exponent);
  }

  /** {@code torch.clamp(x, min, max)}. */
  public Tensor clamp(double min, double max) {
    return Clamp.apply(this, min, max);
  }

  /** {@code torch.clamp(x, min=min)}. */
  public Tensor clampMin(double min) {
    return Clamp.apply(this, min, Double.NaN);
  }

  /** {@code torch.clamp(x, max=max)}. */
  public Tensor clampMax(double max) {
    return Clamp.apply(this, Double.NaN, max);
  }

  /** {@code torch.where(cond, a, b)}: elements of {@code a} where the bool {@code cond} is true, else of {@code b}. */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    return Where.apply(cond, a, b);
  }

  /** {@code torch.gather(x, d, index)}: picks along {@code d} by an int64 index of the same rank. */
  public Tensor gather(int d, Tensor index) {
    return Gather.apply(this, d, index);
  }

  /** Matrix product with PyTorch's {@code matmul} rules (1-D, 2-D and batched, batch dims broadcast). */
  public Tensor matmul(Tensor other) {
    return MatMul.apply(this, other);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reductions and normalisations

  /** Sum of all elements (0-dim). */
  public Tensor sum() {
    return Reduce.sumAll(this, false);
  }

  /** Sum along {@code d}. */
  public Tensor sum(int d, boolean keepDim) {
    return Reduce.sumDim(this, d, keepDim, false);
  }

  /** Mean of all elements (0-dim). */
  public Tensor mean() {
    return Reduce.sumAll(this, true);
  }

  /** Mean along {@code d}. */
  public Tensor mean(int d, boolean keepDim) {
    return Reduce.sumDim(this, d, keepDim, true);
  }

  /** Largest value and its index along {@code d}: {@code torch.max(x, dim)}. Ties pick the first index. */
  public ValuesIndices max(int d, boolean keepDim) {
    return Reduce.maxDim(this, d, keepDim);
  }

  /** Largest element (0-dim). */
  public Tensor max() {
    return Reduce.maxAll(this);
  }

  /** Index of the largest value along {@code d} (int64). */
  public Tensor argmax(int d, boolean keepDim) {
    return Reduce.maxDim(this, d, keepDim).indices();
  }

  /** Smallest value and its index along {@code d}: {@code torch.min(x, dim)}. Ties pick the first index. */
  public ValuesIndices min(int d, boolean keepDim) {
    return Reduce.minDim(this, d, keepDim);
  }

  /** Smallest element (0-dim). */
  public Tensor min() {
    return Reduce.minAll(this);
  }

  /** Index of the smallest value along {@code d} (int64). */
  public Tensor argmin(int d, boolean keepDim) {
    return Reduce.minDim(this, d, keepDim).indices();
  }

  /** Sorts along {@code d}, stably; indices are int64. */
  public ValuesIndices sort(int d, boolean descending) {
    return Reduce.sort(this, d, descending);
  }

  /** Sorts along the last dim: {@code x.sort(descending=...)}. */
  public ValuesIndices sort(boolean descending) {
    return sort(-1, descending);
  }

  public Tensor softmax(int d) {
    return Softmax.apply(this, d, false);
  }

  public Tensor logSoftmax(int d) {
    return Softmax.apply(this, d, true);
  }

  /** Copy with {@code value} where the bool {@code mask} (broadcast to this shape) is true. */
  public Tensor maskedFill(Tensor mask, double value) {
    return MaskedFill.apply(this, mask, (float) value);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Comparisons (bool results, no gradient)

  public Tensor eq(Tensor o) {
    return Binary.compare(Binary.Cmp.EQ, this, o);
  }

  public Tensor eq(double s) {
    return Binary.compare(Binary.Cmp.EQ, this, scalarLike(s));
  }

  public Tensor ne(Tensor o) {
    return Binary.compare(Binary.Cmp.NE, this, o);
  }

  public Tensor ne(double s) {
    return Binary.compare(Binary.Cmp.NE, this, scalarLike(s));
  }

  public Tensor lt(Tensor o) {
    return Binary.compare(Binary.Cmp.LT, this, o);
  }

  public Tensor lt(double s) {
    return Binary.compare(Binary.Cmp.LT, this, scalarLike(s));
  }

  public Tensor le(Tensor o) {
    return Binary.compare(Binary.Cmp.LE, this, o);
  }

  public Tensor le(double s) {
    return Binary.compare(Binary.Cmp.LE, this, scalarLike(s));
  }

  public Tensor gt(Tensor o) {
    return Binary.compare(Binary.Cmp.GT, this, o);
  }

  public Tensor gt(double s) {
    return Binary.compare(Binary.Cmp.GT, this, scalarLike(s));
  }

  public Tensor ge(Tensor o) {
    return Binary.compare(Binary.Cmp.GE, this, o);
  }

  public Tensor ge(double s) {
    return Binary.compare(Binary.Cmp.GE, this, scalarLike(s));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Conversion and printing

  /** A copy converted to {@code target} (this tensor itself when the dtype already matches). */
  public Tensor to(DType target) {
    if (target == dtype) {
      return this;
    }
    if (target == DType.FLOAT32) {
      return wrap(toFloatArray(), shape);
    }
    long[] v = toLongArray();
    if (target == DType.BOOL) {
      for (int i = 0; i < v.length; i++) {
        v[i] = (f != null ? f[i] != 0 : v[i] != 0) ? 1 : 0;
      }
    }
    return wrap(v, shape, target);
  }

  /** True when both have the same dtype, shape and elements (no tolerance). */
  public boolean contentEquals(Tensor o) {
    return dtype == o.dtype
        && shape.equals(o.shape)
        && (f != null ? Arrays.equals(f, o.f) : Arrays.equals(l, o.l));
  }

  /** PyTorch's print format, {@code grad_fn=<...>} included. */
  @Override
  public String toString() {
    return TensorFormat.format(this);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private Tensor scalarLike(double s) {
    if (dtype == DType.FLOAT32) {
      return scalar((float) s);
    }
    if (s != Math.rint(s)) { // int tensor op float scalar promotes to float, as PyTorch does
      return scalar((float) s);
    }
    return scalarLong((long) s);
  }

  private Shape inferShape(int[] s) {
    int infer = -1;
    long known = 1;
    for (int i = 0; i < s.length; i++) {
      if (s[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("only one dimension can be inferred in " + Arrays.toString(s));
        }
        infer = i;
      } else if (s[i] < 0) {
        throw new IllegalArgumentException("invalid shape dimension " + s[i] + " in " + Arrays.toString(s));
      } else {
        known *= s[i];
      }
    }
    int[] r = s.clone();
    if (infer >= 0) {
      if (known == 0 || numel() % known != 0) {
        throw new IllegalArgumentException(
            "shape '" + Arrays.toString(s) + "' is invalid for input of size " + numel());
      }
      r[infer] = (int) (numel() / known);
    } else if (known != numel()) {
      throw new IllegalArgumentException(
          "shape '" + Arrays.toString(s) + "' is invalid for input of size " + numel());
    }
    return new Shape(r);
  }
}
