package dev.rnn4j.tensor;

import dev.rnn4j.tensor.spi.TensorOps;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array of {@code float32}, {@code int64} or {@code bool} elements, with PyTorch's meaning and
 * autograd. Storage is always contiguous and row-major: {@link #transpose} and {@link #permute} copy, while
 * {@link #view} and {@link #reshape} share the storage, as PyTorch's views do.
 *
 * <p>Operations return new tensors and, when grad mode is on and an input {@link #requiresGrad()}, record a
 * {@link GradFn} as the result's {@link #gradFn()}. The operations themselves live in the autograd layer above
 * this package ({@link TensorOps}). {@link #backward()} then fills the {@link #grad()} of every leaf that
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
  private GradFn gradFn;
  private int outputIndex;

  /** The differentiable operations, found the first time one is needed (see {@link TensorOps}). */
  private static final class Ops {
    static final TensorOps OPS = TensorOps.load();
  }

  private static TensorOps ops() {
    return Ops.OPS;
  }

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

  /** {@code torch.zeros(shape)}: float32 zeros. A negative size throws {@link IllegalArgumentException}. */
  public static Tensor zeros(int... shape) {
    return zeros(new Shape(shape));
  }

  /** {@code torch.zeros(shape)}: float32 zeros of {@code shape}. */
  public static Tensor zeros(Shape shape) {
    return wrap(new float[shape.numel()], shape);
  }

  /** Zeros of a dtype. */
  public static Tensor zeros(Shape shape, DType dtype) {
    return dtype == DType.FLOAT32 ? zeros(shape) : wrap(new long[shape.numel()], shape, dtype);
  }

  /** {@code torch.ones(shape)}: float32 ones. */
  public static Tensor ones(int... shape) {
    return full(1f, shape);
  }

  /** {@code torch.full(shape, value)}: float32, every element {@code value} (arguments in the other order). */
  public static Tensor full(float value, int... shape) {
    return full(value, new Shape(shape));
  }

  /** {@code torch.full(shape, value)}: float32 of {@code shape}, every element {@code value}. */
  public static Tensor full(float value, Shape shape) {
    float[] d = new float[shape.numel()];
    Arrays.fill(d, value);
    return wrap(d, shape);
  }

  /** {@code torch.zeros_like(t)}: zeros of {@code t}'s shape and dtype, with no graph history. */
  public static Tensor zerosLike(Tensor t) {
    return zeros(t.shape, t.dtype);
  }

  /**
   * {@code torch.ones_like(t)}: ones of {@code t}'s shape and dtype, no graph history. A bool {@code t} throws
   * {@link IllegalArgumentException} (PyTorch gives {@code true}s).
   */
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

  // The random factories above drawing from Generator.defaultGenerator(), as torch.rand(...) without generator=.
  // For tutorial code; passing a generator is the recommended form.

  /** {@code torch.rand(shape)}: uniform in [0, 1), from {@link Generator#defaultGenerator()}. */
  public static Tensor rand(int... shape) {
    return rand(Generator.defaultGenerator(), shape);
  }

  /** {@code torch.randn(shape)}: standard normal, from {@link Generator#defaultGenerator()}. */
  public static Tensor randn(int... shape) {
    return randn(Generator.defaultGenerator(), shape);
  }

  /** {@code torch.randint(low, high, shape)}: int64, from {@link Generator#defaultGenerator()}. */
  public static Tensor randint(long low, long high, int... shape) {
    return randint(Generator.defaultGenerator(), low, high, shape);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Properties and element access

  /** The sizes of the dims: {@code x.shape} / {@code x.size()}. */
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

  /** Number of elements, the product of the sizes (1 for a 0-dim tensor): {@code x.numel()}. */
  public int numel() {
    return f != null ? f.length : l.length;
  }

/** The element type: float32, int64 or bool (PyTorch's {@code tensor.dtype}). */
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
  public GradFn gradFn() {
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

  /** Engine-internal: records {@code node} as this tensor's grad_fn (through {@link GradFn#attachTo}). */
  void setGradFn(GradFn node, int index) {
    this.gradFn = node;
    this.outputIndex = index;
    this.requiresGrad = true;
  }

  /** Engine-internal: adds {@code g} into {@link #grad()}, allocating it on first use (through {@link GradFn}). */
  void accumulateGrad(Tensor g) {
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

  /** True when this non-leaf keeps its gradient ({@link #retainGrad()}), PyTorch's {@code retains_grad}. */
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
    ops().backward(this, gradient, retainGraph);
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
    return ops().view(this, inferShape(newShape), "ViewBackward0");
  }

  /** As {@link #view}: storage is always contiguous, so reshape never needs to copy. */
  public Tensor reshape(int... newShape) {
    return view(newShape);
  }

  /** Flattens to 1-D. */
  public Tensor flatten() {
    return view(numel());
  }

  /**
   * Always this: every rnn4j tensor is contiguous, because {@link #transpose}, {@link #t()} and {@link #permute} copy
   * where PyTorch makes strided views.
   */
  public Tensor contiguous() {
    return this;
  }

  /**
   * {@code x.transpose(d0, d1)}, as a copy: PyTorch returns a strided view sharing storage, rnn4j a new contiguous
   * tensor (gradients flow back the same way). So writing into the result leaves {@code this} unchanged, and
   * {@code x.t().view(6)} works where PyTorch asks for {@code .contiguous()} or {@code reshape} first.
   */
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
    return ops().permute(this, perm, "TransposeBackward0");
  }

  /** Transpose of a matrix (or a 1-D tensor unchanged), like {@code t()}; a copy, as {@link #transpose}. */
  public Tensor t() {
    if (dim() > 2) {
      throw new IllegalArgumentException("t() expects a tensor with <= 2 dimensions, but self is " + dim() + "D");
    }
    return dim() < 2 ? this : ops().permute(this, new int[] {1, 0}, "TBackward0");
  }

  /** {@code x.permute(dims)}, as a copy where PyTorch makes a view (see {@link #transpose}). */
  public Tensor permute(int... dims) {
    return ops().permute(this, dims, "PermuteBackward0");
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
    return ops().view(this, new Shape(s), "UnsqueezeBackward0");
  }

  /** Removes every dim of size 1. */
  public Tensor squeeze() {
    return ops().view(this, new Shape(Arrays.stream(shape.dims()).filter(x -> x != 1).toArray()), "SqueezeBackward0");
  }

  /** Removes dim {@code d} if its size is 1 (otherwise returns an equal view, as PyTorch does). */
  public Tensor squeeze(int d) {
    if (dim() == 0) {
      return this;
    }
    int nd = shape.normalizeDim(d);
    if (shape.size(nd) != 1) {
      return ops().view(this, shape, "SqueezeBackward1");
    }
    int[] s = new int[dim() - 1];
    for (int i = 0, j = 0; i < dim(); i++) {
      if (i != nd) {
        s[j++] = shape.size(i);
      }
    }
    return ops().view(this, new Shape(s), "SqueezeBackward1");
  }

  /** Elements {@code [start, start+length)} along {@code d}. */
  public Tensor narrow(int d, int start, int length) {
    return ops().narrow(this, d, start, length, "SliceBackward0");
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
      out.add(ops().narrow(this, nd, start, Math.min(size, n - start), "SplitBackward0"));
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
    return ops().view(row, new Shape(s), "SelectBackward0");
  }

  /** Rows picked by an int64 index tensor along {@code d}. */
  public Tensor indexSelect(int d, Tensor index) {
    return ops().indexSelect(this, d, index, "IndexSelectBackward0");
  }

  /**
   * Indexing by an int64 tensor along dim 0, {@code batch[sorted_idx]}: the result has shape
   * {@code index.shape + this.shape[1:]}.
   */
  public Tensor index(Tensor index) {
    Tensor flat = index.dim() == 1 ? index : index.view(index.numel());
    Tensor picked = ops().indexSelect(this, 0, flat, "IndexBackward0");
    int[] s = new int[index.dim() + dim() - 1];
    System.arraycopy(index.shape.dims(), 0, s, 0, index.dim());
    for (int i = 1; i < dim(); i++) {
      s[index.dim() + i - 1] = size(i);
    }
    return index.dim() == 1 ? picked : ops().view(picked, new Shape(s), "IndexBackward0");
  }

  /** Joins tensors along an existing dim. */
  public static Tensor cat(List<Tensor> tensors, int d) {
    return ops().cat(tensors, d, "CatBackward0");
  }

  /** Joins tensors along an existing dim. */
  public static Tensor cat(int d, Tensor... tensors) {
    return ops().cat(List.of(tensors), d, "CatBackward0");
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
    return ops().cat(List.of(u), d < 0 ? d + s0.rank() + 1 : d, "StackBackward0");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Arithmetic (broadcasting as in PyTorch)

  /**
   * Elementwise {@code this + other}, broadcast: {@code torch.add}. Float32 if either side is, else int64. Throws
   * {@link IllegalArgumentException} for shapes that do not broadcast or a bool operand (PyTorch allows bool).
   */
  public Tensor add(Tensor other) {
    return ops().add(this, other);
  }

  /**
   * {@code x + s} for a Python number {@code s}: an int64 tensor stays int64 unless {@code s} has a fraction, which
   * makes the result float32, as in PyTorch. A bool tensor throws {@link IllegalArgumentException}.
   */
  public Tensor add(double s) {
    return ops().add(this, scalarLike(s));
  }

  /**
   * Elementwise {@code this - other}, broadcast: {@code torch.sub}. Float32 if either side is, else int64. Throws
   * {@link IllegalArgumentException} for shapes that do not broadcast or a bool operand (PyTorch allows bool).
   */
  public Tensor sub(Tensor other) {
    return ops().sub(this, other);
  }

  /**
   * {@code x - s} for a Python number {@code s}: an int64 tensor stays int64 unless {@code s} has a fraction, which
   * makes the result float32, as in PyTorch. A bool tensor throws {@link IllegalArgumentException}.
   */
  public Tensor sub(double s) {
    return ops().sub(this, scalarLike(s));
  }

  /**
   * Elementwise {@code this * other}, broadcast: {@code torch.mul}. Float32 if either side is, else int64. Throws
   * {@link IllegalArgumentException} for shapes that do not broadcast or a bool operand (PyTorch allows bool).
   */
  public Tensor mul(Tensor other) {
    return ops().mul(this, other);
  }

  /**
   * {@code x * s} for a Python number {@code s}: an int64 tensor stays int64 unless {@code s} has a fraction, which
   * makes the result float32, as in PyTorch. A bool tensor throws {@link IllegalArgumentException}.
   */
  public Tensor mul(double s) {
    return ops().mul(this, scalarLike(s));
  }

  /**
   * Elementwise true division {@code this / other}, broadcast: {@code torch.div}; float32, integer inputs included.
   * Throws {@link IllegalArgumentException} for shapes that do not broadcast or a bool operand.
   */
  public Tensor div(Tensor other) {
    return ops().div(this, other);
  }

  /** {@code x / s} for a Python number {@code s}: float32 even for an int64 tensor (true division). */
  public Tensor div(double s) {
    return ops().div(this, scalarLike(s));
  }

  /** Elementwise {@code -x}: {@code torch.neg}; int64 stays int64. */
  public Tensor neg() {
    return ops().unary(TensorOps.UnaryFunction.NEG, this);
  }

  /** Elementwise {@code e^x}: {@code torch.exp}; an int64 or bool input gives float32. */
  public Tensor exp() {
    return ops().unary(TensorOps.UnaryFunction.EXP, this);
  }

  /** Elementwise natural logarithm: {@code torch.log} ({@code -inf} at 0, NaN below); integer input gives float32. */
  public Tensor log() {
    return ops().unary(TensorOps.UnaryFunction.LOG, this);
  }

  /** Elementwise {@code torch.tanh}; an int64 or bool input gives float32. */
  public Tensor tanh() {
    return ops().unary(TensorOps.UnaryFunction.TANH, this);
  }

  /** Elementwise {@code 1 / (1 + e^-x)}: {@code torch.sigmoid}; an int64 or bool input gives float32. */
  public Tensor sigmoid() {
    return ops().unary(TensorOps.UnaryFunction.SIGMOID, this);
  }

  /** Elementwise {@code max(x, 0)}: {@code torch.relu}; float32 even for an int64 input (PyTorch keeps int64). */
  public Tensor relu() {
    return ops().unary(TensorOps.UnaryFunction.RELU, this);
  }

  /** Elementwise {@code torch.sqrt} (NaN below 0); an int64 or bool input gives float32. */
  public Tensor sqrt() {
    return ops().unary(TensorOps.UnaryFunction.SQRT, this);
  }

  /** Elementwise square: {@code pow(2)}, as PyTorch records it. */
  public Tensor square() {
    return pow(2);
  }

  /** {@code x ** exponent} elementwise: {@code torch.pow(x, exponent)}. */
  public Tensor pow(double exponent) {
    return ops().pow(this, exponent);
  }

  /** {@code torch.clamp(x, min, max)}. */
  public Tensor clamp(double min, double max) {
    return ops().clamp(this, min, max);
  }

  /** {@code torch.clamp(x, min=min)}. */
  public Tensor clampMin(double min) {
    return ops().clamp(this, min, Double.NaN);
  }

  /** {@code torch.clamp(x, max=max)}. */
  public Tensor clampMax(double max) {
    return ops().clamp(this, Double.NaN, max);
  }

  /** {@code torch.where(cond, a, b)}: elements of {@code a} where the bool {@code cond} is true, else of {@code b}. */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    return ops().where(cond, a, b);
  }

  /** {@code torch.gather(x, d, index)}: picks along {@code d} by an int64 index of the same rank. */
  public Tensor gather(int d, Tensor index) {
    return ops().gather(this, d, index);
  }

  /** Matrix product with PyTorch's {@code matmul} rules (1-D, 2-D and batched, batch dims broadcast). */
  public Tensor matmul(Tensor other) {
    return ops().matmul(this, other);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reductions and normalisations

  /** Sum of all elements (0-dim). */
  public Tensor sum() {
    return ops().sumAll(this, false);
  }

  /** Sum along {@code d}. */
  public Tensor sum(int d, boolean keepDim) {
    return ops().sumDim(this, d, keepDim, false);
  }

  /** Mean of all elements (0-dim). */
  public Tensor mean() {
    return ops().sumAll(this, true);
  }

  /** Mean along {@code d}. */
  public Tensor mean(int d, boolean keepDim) {
    return ops().sumDim(this, d, keepDim, true);
  }

  /** Largest value and its index along {@code d}: {@code torch.max(x, dim)}. Ties pick the first index. */
  public ValuesIndices max(int d, boolean keepDim) {
    return ops().maxDim(this, d, keepDim);
  }

  /** Largest element (0-dim). */
  public Tensor max() {
    return ops().maxAll(this);
  }

  /** Index of the largest value along {@code d} (int64). */
  public Tensor argmax(int d, boolean keepDim) {
    return ops().maxDim(this, d, keepDim).indices();
  }

  /** Smallest value and its index along {@code d}: {@code torch.min(x, dim)}. Ties pick the first index. */
  public ValuesIndices min(int d, boolean keepDim) {
    return ops().minDim(this, d, keepDim);
  }

  /** Smallest element (0-dim). */
  public Tensor min() {
    return ops().minAll(this);
  }

  /** Index of the smallest value along {@code d} (int64). */
  public Tensor argmin(int d, boolean keepDim) {
    return ops().minDim(this, d, keepDim).indices();
  }

  // PyTorch's defaults for the reductions above (keepdim=False), and item() for integer tensors.

  /**
   * {@code torch.max(x, dim)}: the largest values along {@code d} (differentiable) and their int64 indices, with
   * {@code d} removed. Ties pick the first index; a NaN counts as the largest, as on PyTorch's CPU.
   */
  public ValuesIndices max(int d) {
    return max(d, false);
  }

  /** {@code torch.min(x, dim)}: the smallest values along {@code d} and their int64 indices, {@code d} removed. */
  public ValuesIndices min(int d) {
    return min(d, false);
  }

  /** {@code x.argmax(dim)}: the int64 index of the largest value along {@code d}, {@code d} removed. */
  public Tensor argmax(int d) {
    return argmax(d, false);
  }

  /** {@code x.argmin(dim)}: the int64 index of the smallest value along {@code d}, {@code d} removed. */
  public Tensor argmin(int d) {
    return argmin(d, false);
  }

  /** {@code x.argmax()}: the index of the largest element in the flattened tensor, a 0-dim int64 tensor. */
  public Tensor argmax() {
    if (numel() == 0) {
      throw new IllegalArgumentException("argmax(): Expected reduction dim to be specified for input.numel() == 0.");
    }
    return view(numel()).argmax(0, false);
  }

  /**
   * The value of a one-element int64 or bool tensor, exactly: PyTorch's {@code x.item()} on an integer tensor, which
   * {@link #item()} would round through a double beyond 2^53.
   */
  public long itemLong() {
    if (numel() != 1) {
      throw new IllegalArgumentException(
          "a Tensor with " + numel() + " elements cannot be converted to a scalar");
    }
    if (dtype == DType.FLOAT32) {
      throw new IllegalArgumentException("itemLong() needs an int64 or bool tensor, got float32; use item()");
    }
    return l[0];
  }

  /** Sorts along {@code d}, stably; indices are int64. */
  public ValuesIndices sort(int d, boolean descending) {
    return ops().sort(this, d, descending);
  }

  /** Sorts along the last dim: {@code x.sort(descending=...)}. */
  public ValuesIndices sort(boolean descending) {
    return sort(-1, descending);
  }

  /**
   * {@code torch.softmax(x, dim=d)}: {@code exp(x) / sum(exp(x))} along {@code d} (negative counts from the end), same
   * shape, float32. A bad {@code d} throws {@link IllegalArgumentException}.
   */
  public Tensor softmax(int d) {
    return ops().softmax(this, d, false);
  }

  /**
   * {@code torch.log_softmax(x, dim=d)}: {@code x - log(sum(exp(x)))} along {@code d}, computed together (more
   * accurate than {@code softmax(d).log()}); same shape, float32.
   */
  public Tensor logSoftmax(int d) {
    return ops().softmax(this, d, true);
  }

  /** Copy with {@code value} where the bool {@code mask} (broadcast to this shape) is true. */
  public Tensor maskedFill(Tensor mask, double value) {
    return ops().maskedFill(this, mask, (float) value);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Comparisons (bool results, no gradient)

  /** Elementwise {@code x == o}, broadcast, as a bool tensor: {@code torch.eq}. */
  public Tensor eq(Tensor o) {
    return ops().compare(TensorOps.Comparison.EQ, this, o);
  }

  /** Elementwise {@code x == s} as a bool tensor of this shape: {@code torch.eq(x, s)}. */
  public Tensor eq(double s) {
    return ops().compare(TensorOps.Comparison.EQ, this, scalarLike(s));
  }

  /** Elementwise {@code x != o}, broadcast, as a bool tensor: {@code torch.ne}. */
  public Tensor ne(Tensor o) {
    return ops().compare(TensorOps.Comparison.NE, this, o);
  }

  /** Elementwise {@code x != s} as a bool tensor of this shape: {@code torch.ne(x, s)}. */
  public Tensor ne(double s) {
    return ops().compare(TensorOps.Comparison.NE, this, scalarLike(s));
  }

  /** Elementwise {@code x < o}, broadcast, as a bool tensor: {@code torch.lt}. */
  public Tensor lt(Tensor o) {
    return ops().compare(TensorOps.Comparison.LT, this, o);
  }

  /** Elementwise {@code x < s} as a bool tensor of this shape: {@code torch.lt(x, s)}. */
  public Tensor lt(double s) {
    return ops().compare(TensorOps.Comparison.LT, this, scalarLike(s));
  }

  /** Elementwise {@code x <= o}, broadcast, as a bool tensor: {@code torch.le}. */
  public Tensor le(Tensor o) {
    return ops().compare(TensorOps.Comparison.LE, this, o);
  }

  /** Elementwise {@code x <= s} as a bool tensor of this shape: {@code torch.le(x, s)}. */
  public Tensor le(double s) {
    return ops().compare(TensorOps.Comparison.LE, this, scalarLike(s));
  }

  /** Elementwise {@code x > o}, broadcast, as a bool tensor: {@code torch.gt}. */
  public Tensor gt(Tensor o) {
    return ops().compare(TensorOps.Comparison.GT, this, o);
  }

  /** Elementwise {@code x > s} as a bool tensor of this shape: {@code torch.gt(x, s)}. */
  public Tensor gt(double s) {
    return ops().compare(TensorOps.Comparison.GT, this, scalarLike(s));
  }

  /** Elementwise {@code x >= o}, broadcast, as a bool tensor: {@code torch.ge}. */
  public Tensor ge(Tensor o) {
    return ops().compare(TensorOps.Comparison.GE, this, o);
  }

  /** Elementwise {@code x >= s} as a bool tensor of this shape: {@code torch.ge(x, s)}. */
  public Tensor ge(double s) {
    return ops().compare(TensorOps.Comparison.GE, this, scalarLike(s));
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
