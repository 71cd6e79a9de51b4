package dev.rnn4j.serve.engine;

import dev.rnn4j.runtime.RuntimeSettings;

/**
 * The one product the decoding engine needs: many rows of {@code x} against one weight matrix, each weight element
 * read from memory once per call however many rows there are (that is what makes a shared decoding step cheap).
 *
 * <p>The weight is stored transposed and cut into column blocks ({@link Packed}): block {@code b} holds the input
 * weights of outputs {@code [start[b], start[b + 1])} as a contiguous {@code (k, width)} array, so a product streams
 * through memory in order instead of striding by a whole weight row per input. The product is a sum of scaled weight
 * rows: {@code out[b][j] = bias[j] + sum_i x[b][i] wt[i][j]}, each output element accumulated with fused multiply-adds
 * in order of {@code i} from zero, then the bias added.
 *
 * <p><b>Row invariance</b> (the contract the engine's "same text whatever shares the batch" rests on): that sequence of
 * operations is the same for every element whatever {@code n} is and whichever other rows share the call, and no
 * horizontal reduction is involved, so a row's result is bitwise the same alone or among 63 others. The tiling (which
 * elements are computed together, in vector lanes or scalar code), the block layout, and which blocks one call covers
 * (a product split by blocks over threads) never change an element's operations; the scalar twin computes the same
 * bits.
 */
abstract class RowKernels {
  /**
   * A weight {@code wt (k, m)} (row {@code i} holds input {@code i}'s weight for every output) cut into column blocks:
   * block {@code b} covers columns {@code [start[b], start[b + 1])} and is stored row-major at {@code offset[b]} of
   * {@link #data}, {@code stride[b]} floats per input (at least its width; the padding is zero).
   */
  static final class Packed {
    final float[] data;
    final int m, k;
    final int[] start, offset, stride;

    /** {@code wt} cut at {@code start}; block {@code b}'s rows padded to {@code stride[b]} floats. */
    Packed(float[] wt, int m, int k, int[] start, int[] stride) {
      if (wt.length != m * k || start[0] != 0 || start[start.length - 1] != m || stride.length != start.length - 1) {
        throw new IllegalArgumentException("a (" + k + ", " + m + ") weight needs " + m * k + " floats, blocks from 0"
            + " to " + m + " and a stride per block, got " + wt.length + " floats, blocks from " + start[0] + " to "
            + start[start.length - 1] + " and " + stride.length + " strides for " + (start.length - 1) + " blocks");
      }
      this.m = m;
      this.k = k;
      this.start = start.clone();
      this.stride = stride.clone();
      offset = new int[stride.length];
      int size = 0;
      for (int b = 0; b < stride.length; b++) {
        if (stride[b] < start[b + 1] - start[b]) {
          throw new IllegalArgumentException("block " + b + " is " + (start[b + 1] - start[b]) + " columns wide but its"
              + " stride is " + stride[b]);
        }
        offset[b] = size;
        size += stride[b] * k;
      }
      data = new float[size];
      for (int b = 0; b < stride.length; b++) {
        int w = start[b + 1] - start[b];
        for (int i = 0; i < k; i++) {
          System.arraycopy(wt, i * m + start[b], data, offset[b] + i * stride[b], w);
        }
      }
    }

    /** The number of column blocks. */
    int blocks() {
      return start.length - 1;
    }
  }

  /** {@code wt (k, m)} in the block layout this kernel reads fastest. */
  abstract Packed pack(float[] wt, int m, int k);

  /**
   * {@code out[outOff + b * outStride + j] = sum_i x[xOff + b * xStride + i] * wt[i][j] (+ bias[j])} for
   * {@code b < n} and every column {@code j} of blocks {@code [blockFrom, blockTo)} of {@code w}, the sum in order of
   * {@code i} (bias may be null). Any block layout gives the same bits.
   */
  abstract void matvec(Packed w, float[] bias, float[] x, int xOff, int xStride, int n, float[] out, int outOff,
      int outStride, int blockFrom, int blockTo);

  /** {@link #matvec(Packed, float[], float[], int, int, int, float[], int, int, int, int)} over all columns. */
  final void matvec(Packed w, float[] bias, float[] x, int xOff, int xStride, int n, float[] out, int outOff,
      int outStride) {
    matvec(w, bias, x, xOff, xStride, n, out, outOff, outStride, 0, w.blocks());
  }

  /** A short name for logs and {@code GET /v1/model}. */
  abstract String name();

  /** {@code w (m, k)} row-major as {@code wt (k, m)}. */
  static float[] transpose(float[] w, int m, int k) {
    float[] t = new float[m * k];
    for (int j = 0; j < m; j++) {
      for (int i = 0; i < k; i++) {
        t[i * m + j] = w[j * k + i];
      }
    }
    return t;
  }

  /**
   * Blocks of {@code width} columns, then one of whatever is left: for {@code m = 100, width = 32}, {@code 0, 32, 64,
   * 96, 100}.
   */
  static int[] blocksOf(int m, int width) {
    int full = m / width;
    int[] s = new int[full + 1 + (m % width == 0 ? 0 : 1)];
    for (int b = 0; b <= full; b++) {
      s[b] = b * width;
    }
    s[s.length - 1] = m;
    return s;
  }

  /** The kernels for this process: Vector API at rnn4j's configured width when loaded, else the scalar twin. */
  static RowKernels forProcess() {
    RuntimeSettings s = RuntimeSettings.current();
    if (s.effectiveVectorBits() != 0 && RuntimeSettings.vectorApiLoaded()) {
      try {
        return (RowKernels) Class.forName("dev.rnn4j.serve.engine.VectorRowKernels").getDeclaredConstructor()
            .newInstance();
      } catch (ReflectiveOperationException | LinkageError e) {
        return new ScalarRowKernels();
      }
    }
    return new ScalarRowKernels();
  }
}
