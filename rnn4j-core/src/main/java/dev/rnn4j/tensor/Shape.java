package dev.rnn4j.tensor;

import java.util.Arrays;

/**
 * The sizes of a tensor's dimensions, outermost first (row-major). Immutable: the array is copied in and out.
 *
 * <p>Prints as PyTorch prints {@code torch.Size}, e.g. {@code [20, 10, 512]}.
 */
public record Shape(int... dims) {

  /** A shape with no dimensions: a scalar of one element. */
  public static final Shape SCALAR = new Shape();

  /** Copies {@code dims}; a negative size or more than 2^31-1 elements is an {@link IllegalArgumentException}. */
  public Shape {
    dims = dims.clone();
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(dims) + " has a negative size at dim " + i);
      }
    }
    long n = 1;
    for (int d : dims) {
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(dims) + " has more than 2^31-1 elements");
      }
    }
  }

  /** A shape of the given sizes. PyTorch: {@code torch.Size([...])}. */
  public static Shape of(int... dims) {
    return new Shape(dims);
  }

  /** Number of dimensions. */
  public int rank() {
    return dims.length;
  }

  /** Size of dimension {@code d}; negative {@code d} counts from the end, as in PyTorch. */
  public int size(int d) {
    return dims[normalizeDim(d)];
  }

  /** A copy of the sizes, outermost first. PyTorch: {@code list(t.shape)}. */
  @Override
  public int[] dims() {
    return dims.clone();
  }

  /** Total number of elements (1 for a scalar). */
  public int numel() {
    int n = 1;
    for (int d : dims) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Row-major strides, in elements. */
  public int[] strides() {
    int[] s = new int[dims.length];
    int acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= Math.max(dims[i], 1);
    }
    return s;
  }

  /**
   * Maps a possibly negative dim to {@code [0, rank)}; throws naming the valid range otherwise. A scalar accepts
   * dims -1 and 0, as PyTorch does.
   */
  public int normalizeDim(int d) {
    int r = Math.max(dims.length, 1);
    int nd = d < 0 ? d + r : d;
    if (nd < 0 || nd >= r) {
      throw new IllegalArgumentException(
          "dimension out of range (expected to be in range of [" + (-r) + ", " + (r - 1) + "], but got " + d + ")");
    }
    return nd;
  }

  /** The same shape with dimension {@code d} replaced by {@code size}. */
  public Shape with(int d, int size) {
    int[] n = dims.clone();
    n[normalizeDim(d)] = size;
    return new Shape(n);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /**
   * {@code [2, 3]}, as rnn4j's error messages print shapes; {@link #toTorchString()} prints what PyTorch's
   * {@code print(x.shape)} does.
   */
  @Override
  public String toString() {
    return Arrays.toString(dims);
  }

  /** As PyTorch prints {@code x.shape}: {@code torch.Size([123, 512])}. */
  public String toTorchString() {
    return "torch.Size(" + Arrays.toString(dims) + ")";
  }
}
