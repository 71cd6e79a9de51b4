package dev.rnn4j.tensor.gemm;

import dev.rnn4j.tensor.kernel.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The pure-Java GEMM: {@code C = alpha * op(A) op(B) + beta * C} row-major, on the Vector API, for when there is no
 * native BLAS: the usual packed, cache-blocked design (Goto/BLIS), many times faster than netlib's Java BLAS. Its
 * vectors have the process's width ({@link Species#FLOAT}), so the register tile is 6 x (2 x lanes).
 *
 * <p>Loops, outermost first: columns of C in blocks of {@link #NC}; the reduction in blocks of {@link #KC} (a block
 * of op(B), KC x NC, is copied into {@code NR}-column panels); rows of C in blocks of {@link #MC} (op(A), MC x KC,
 * copied into {@link #MR}-row panels, small enough to stay in L2); then the micro-kernel, which keeps an MR x NR tile
 * of C in 2 MR vector registers and, for each p, loads two vectors of the B panel and broadcasts MR values of the A
 * panel (2 MR fused multiply-adds per 2 + MR loads). Partial panels are padded with zeros when copied, so the
 * micro-kernel always computes a whole tile; only the valid part of a tile is stored.
 *
 * <p>Summation order: element (i, j) is the sum over reduction blocks, in order, of a vector-lane FMA chain over the
 * block. That order depends only on k, never on where (i, j) falls in the blocking or on the thread count, so
 * {@link Gemm}'s shape-determined split (NOTE [thread-independent GEMM]) keeps results bit-identical on any thread
 * count. {@link Gemm#sgemmNaive} is the scalar twin the tests compare against.
 *
 * <p>Legend: {@code i} rows of C (m), {@code j} columns of C (n), {@code p} the reduction (k). Loaded only when
 * {@code jdk.incubator.vector} is in the boot layer.
 */
final class PackedGemm {
  private static final VectorSpecies<Float> F = Species.FLOAT;
  private static final int L = F.length();
  /** Rows of the register tile. */
  static final int MR = 6;
  /** Columns of the register tile: two vectors. */
  static final int NR = 2 * L;
  /** Reduction block: an MR x KC panel of A and a KC x NR panel of B fit in L1 together. */
  static final int KC = 256;
  /** Rows of A per packed block (a multiple of MR): MC x KC floats stay in L2. */
  static final int MC = 96;
  /** Columns of B per packed block (a multiple of NR). */
  static final int NC = 2048;

  /** Products of at most {@link #MC} rows of an A stored (m, k) read A in place rather than packing it. */
  static final boolean DIRECT_A = true;

  /**
   * Widest column range read with A in place. Over wider ranges a packed A pays off: its rows sit together, where
   * rows of a wide A lie a power-of-two stride apart and contend for the same cache sets.
   */
  static final int DIRECT_A_MAX_COLUMNS = 8 * NR;

  /** Per-thread copies of the A and B blocks, grown on demand and reused across calls. */
  private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[2][0]);

  private PackedGemm() {}

  static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    float[][] bufs = BUFFERS.get();
    int ncMax = Math.min(NC, roundUp(n, NR));
    int kcMax = Math.min(KC, k);
    if (bufs[1].length < ncMax * kcMax) {
      bufs[1] = new float[ncMax * kcMax];
    }
    float[] ap = aBuffer(bufs, m, k);
    float[] bp = bufs[1];
    float[] tile = new float[MR * NR];
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp, 0);
        // column j's panel starts at (j - jc) * kc
        blockProduct(transA, a, aOff, lda, m, pc, kc, ap, bp, -jc * kc, jc, jc + nc, alpha, pc == 0 ? beta : 1f,
            c, cOff, ldc, tile);
      }
    }
  }

  /** The per-thread A buffer, grown to hold an MC x KC block of an (m, k) op(A). */
  private static float[] aBuffer(float[][] bufs, int m, int k) {
    int need = Math.min(MC, roundUp(m, MR)) * Math.min(KC, k);
    if (bufs[0].length < need) {
      bufs[0] = new float[need];
    }
    return bufs[0];
  }

  /**
   * One reduction block {@code [pc, pc+kc)} of columns {@code [j0, j1)} of C, all rows: packs op(A) block by block
   * ({@link #MC} rows) and runs the micro-kernel over every tile; column {@code j}'s B panel starts at
   * {@code bp[bBase + j * kc]}.
   */
  private static void blockProduct(boolean transA, float[] a, int aOff, int lda, int m, int pc, int kc, float[] ap,
      float[] bp, int bBase, int j0, int j1, float alpha, float beta, float[] c, int cOff, int ldc, float[] tile) {
    if (DIRECT_A && !transA && m <= MC && j1 - j0 <= DIRECT_A_MAX_COLUMNS) {
      // A few rows stored (m, k) times a narrow block of columns: the kernel reads A where it is. A packed copy would
      // serve only a few panels of B before the next block packs it again.
      // The rows go in tiles of 6 and 5 (ceil(m / 6) tiles, as many of them of 5 rows as cover m): a 10-row step
      // of a batch-10 recurrence is two tiles of 5 instead of 6 + 4 computed as 6 + 6, a sixth fewer multiply-adds.
      int tiles = (m + MR - 1) / MR;
      int sixes = Math.max(0, m - (MR - 1) * tiles); // tiles of 6 rows first, then tiles of 5
      for (int j = j0; j < j1; j += NR) {
        int nr = Math.min(NR, j1 - j);
        for (int tt = 0, ir = 0; tt < tiles; tt++) {
          int height = tt < sixes ? MR : MR - 1;
          int mr = Math.min(height, m - ir);
          int row0 = aOff + ir * lda + pc;
          int last = row0 + (mr - 1) * lda; // rows past m repeat the last one; their sums are not stored
          if (height == MR) {
            kernelDirect(kc, a, row0, Math.min(row0 + lda, last), Math.min(row0 + 2 * lda, last),
                Math.min(row0 + 3 * lda, last), Math.min(row0 + 4 * lda, last), last, bp, bBase + j * kc, c,
                cOff + ir * ldc + j, ldc, alpha, beta, mr, nr, tile);
          } else {
            kernelDirect5(kc, a, row0, Math.min(row0 + lda, last), Math.min(row0 + 2 * lda, last),
                Math.min(row0 + 3 * lda, last), last, bp, bBase + j * kc, c, cOff + ir * ldc + j, ldc, alpha, beta,
                mr, nr, tile);
          }
          ir += height;
        }
      }
      return;
    }
    for (int ic = 0; ic < m; ic += MC) {
      int mc = Math.min(MC, m - ic);
      packA(transA, a, aOff, lda, ic, mc, pc, kc, ap);
      for (int j = j0; j < j1; j += NR) {
        int nr = Math.min(NR, j1 - j);
        for (int ir = 0; ir < mc; ir += MR) {
          kernel(kc, ap, ir * kc, bp, bBase + j * kc, c, cOff + (ic + ir) * ldc + j, ldc, alpha, beta,
              Math.min(MR, mc - ir), nr, tile);
        }
      }
    }
  }

  /** Columns of a matrix of n columns once packed: n rounded up to whole panels. */
  static int paddedColumns(int n) {
    return roundUp(n, NR);
  }

  /**
   * All of op(B), (k, n), packed once: reduction block {@code pc} starts at {@code pc * paddedColumns(n)} and holds
   * the NR-column panels of every column, so any run of whole panels can be multiplied without copying B again.
   */
  static float[] packAll(boolean transB, float[] b, int bOff, int ldb, int k, int n) {
    int nPad = paddedColumns(n);
    float[] bp = new float[k * nPad];
    for (int pc = 0; pc < k; pc += KC) {
      packB(transB, b, bOff, ldb, pc, Math.min(KC, k - pc), 0, n, bp, pc * nPad);
    }
    return bp;
  }

  /**
   * Columns {@code [j0, j1)} of {@code C = alpha * op(A) B + beta * C} with B from {@link #packAll} ({@code j0} a
   * multiple of NR). Each element is summed exactly as {@link #sgemm} sums it.
   */
  static void sgemmPrepacked(boolean transA, int m, int j0, int j1, int k, float alpha, float[] a, int aOff,
      int lda, float[] bp, int nPad, float beta, float[] c, int cOff, int ldc) {
    assert j0 % NR == 0 && j1 <= nPad;
    float[] ap = aBuffer(BUFFERS.get(), m, k);
    float[] tile = new float[MR * NR];
    for (int pc = 0; pc < k; pc += KC) {
      int kc = Math.min(KC, k - pc);
      blockProduct(transA, a, aOff, lda, m, pc, kc, ap, bp, pc * nPad, j0, j1, alpha, pc == 0 ? beta : 1f,
          c, cOff, ldc, tile);
    }
  }

  private static int roundUp(int v, int multiple) {
    return (v + multiple - 1) / multiple * multiple;
  }

  /** Copies rows {@code [i0, i0+mc)} x reduction {@code [p0, p0+kc)} of op(A) into MR-row panels, p-major. */
  private static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
      float[] ap) {
    for (int ir = 0; ir < mc; ir += MR) {
      int base = ir * kc;
      for (int r = 0; r < MR; r++) {
        int i = ir + r;
        if (i >= mc) {
          for (int p = 0; p < kc; p++) {
            ap[base + p * MR + r] = 0f;
          }
        } else if (transA) { // A stored (k, m)
          int src = aOff + p0 * lda + i0 + i;
          for (int p = 0; p < kc; p++) {
            ap[base + p * MR + r] = a[src + p * lda];
          }
        } else { // A stored (m, k)
          int src = aOff + (i0 + i) * lda + p0;
          for (int p = 0; p < kc; p++) {
            ap[base + p * MR + r] = a[src + p];
          }
        }
      }
    }
  }

  /**
   * Copies reduction {@code [p0, p0+kc)} x columns {@code [j0, j0+nc)} of op(B) into NR-column panels at
   * {@code bp[dst + jr * kc]}, zero-padding the last panel to NR columns.
   */
  static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
      float[] bp, int dst0) {
    for (int jr = 0; jr < nc; jr += NR) {
      int base = dst0 + jr * kc;
      int cols = Math.min(NR, nc - jr);
      if (transB) { // B stored (n, k): read each column j along p
        for (int q = 0; q < NR; q++) {
          if (q < cols) {
            int src = bOff + (j0 + jr + q) * ldb + p0;
            for (int p = 0; p < kc; p++) {
              bp[base + p * NR + q] = b[src + p];
            }
          } else {
            for (int p = 0; p < kc; p++) {
              bp[base + p * NR + q] = 0f;
            }
          }
        }
      } else { // B stored (k, n): rows of NR contiguous floats
        for (int p = 0; p < kc; p++) {
          int src = bOff + (p0 + p) * ldb + j0 + jr;
          int dst = base + p * NR;
          System.arraycopy(b, src, bp, dst, cols);
          for (int q = cols; q < NR; q++) {
            bp[dst + q] = 0f;
          }
        }
      }
    }
  }

  /**
   * One MR x NR tile: {@code C = alpha * sum + beta * C} over a reduction block ({@code beta} is 1 for every block
   * after the first; 0 means C is not read). Only {@code mr x nr} of the tile is stored.
   */
  private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int at, int ldc,
      float alpha, float beta, int mr, int nr, float[] tile) {
    assert kc >= 1;
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F);
    FloatVector c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F);
    FloatVector c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F);
    FloatVector c31 = FloatVector.zero(F);
    FloatVector c40 = FloatVector.zero(F);
    FloatVector c41 = FloatVector.zero(F);
    FloatVector c50 = FloatVector.zero(F);
    FloatVector c51 = FloatVector.zero(F);
    for (int p = 0; p < kc - 1; p++) {
      FloatVector b0 = FloatVector.fromArray(F, bp, bo);
      FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
      FloatVector x = FloatVector.broadcast(F, ap[ao]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(F, ap[ao + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(F, ap[ao + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(F, ap[ao + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(F, ap[ao + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(F, ap[ao + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      ao += MR;
      bo += NR;
    }
    // The last p stores each sum as it is made. Storing the loop's exit values instead (12 stores after the loop)
    // sometimes failed to intrinsify on JDK 17's C2 (PrintInlining: "VectorSupport::store failed to inline
    // (intrinsic)"), leaving them boxed and several times slower.
    // The spilled tile is then added to C by update(), which takes no vectors as arguments (a helper that C2 declines
    // to inline would box them, several times slower).
    FloatVector b0 = FloatVector.fromArray(F, bp, bo);
    FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
    FloatVector x = FloatVector.broadcast(F, ap[ao]);
    x.fma(b0, c00).intoArray(tile, 0);
    x.fma(b1, c01).intoArray(tile, L);
    x = FloatVector.broadcast(F, ap[ao + 1]);
    x.fma(b0, c10).intoArray(tile, NR);
    x.fma(b1, c11).intoArray(tile, NR + L);
    x = FloatVector.broadcast(F, ap[ao + 2]);
    x.fma(b0, c20).intoArray(tile, 2 * NR);
    x.fma(b1, c21).intoArray(tile, 2 * NR + L);
    x = FloatVector.broadcast(F, ap[ao + 3]);
    x.fma(b0, c30).intoArray(tile, 3 * NR);
    x.fma(b1, c31).intoArray(tile, 3 * NR + L);
    x = FloatVector.broadcast(F, ap[ao + 4]);
    x.fma(b0, c40).intoArray(tile, 4 * NR);
    x.fma(b1, c41).intoArray(tile, 4 * NR + L);
    x = FloatVector.broadcast(F, ap[ao + 5]);
    x.fma(b0, c50).intoArray(tile, 5 * NR);
    x.fma(b1, c51).intoArray(tile, 5 * NR + L);
    update(tile, c, at, ldc, alpha, beta, mr, nr);
  }

  /**
   * {@link #kernel} with the six rows of A read in place, from offsets {@code a0..a5} (consecutive p along each): the
   * same fused multiply-adds in the same order, so the same bits as packing A first.
   */
  private static void kernelDirect(int kc, float[] a, int a0, int a1, int a2, int a3, int a4, int a5, float[] bp,
      int bo, float[] c, int at, int ldc, float alpha, float beta, int mr, int nr, float[] tile) {
    assert kc >= 1;
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F);
    FloatVector c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F);
    FloatVector c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F);
    FloatVector c31 = FloatVector.zero(F);
    FloatVector c40 = FloatVector.zero(F);
    FloatVector c41 = FloatVector.zero(F);
    FloatVector c50 = FloatVector.zero(F);
    FloatVector c51 = FloatVector.zero(F);
    int p = 0;
    for (; p < kc - 1; p++) {
      FloatVector b0 = FloatVector.fromArray(F, bp, bo);
      FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
      FloatVector x = FloatVector.broadcast(F, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(F, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(F, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(F, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(F, a[a4 + p]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(F, a[a5 + p]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      bo += NR;
    }
    // The last p stores each sum as it is made, as in kernel() (and for the same reason).
    FloatVector b0 = FloatVector.fromArray(F, bp, bo);
    FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
    FloatVector x = FloatVector.broadcast(F, a[a0 + p]);
    x.fma(b0, c00).intoArray(tile, 0);
    x.fma(b1, c01).intoArray(tile, L);
    x = FloatVector.broadcast(F, a[a1 + p]);
    x.fma(b0, c10).intoArray(tile, NR);
    x.fma(b1, c11).intoArray(tile, NR + L);
    x = FloatVector.broadcast(F, a[a2 + p]);
    x.fma(b0, c20).intoArray(tile, 2 * NR);
    x.fma(b1, c21).intoArray(tile, 2 * NR + L);
    x = FloatVector.broadcast(F, a[a3 + p]);
    x.fma(b0, c30).intoArray(tile, 3 * NR);
    x.fma(b1, c31).intoArray(tile, 3 * NR + L);
    x = FloatVector.broadcast(F, a[a4 + p]);
    x.fma(b0, c40).intoArray(tile, 4 * NR);
    x.fma(b1, c41).intoArray(tile, 4 * NR + L);
    x = FloatVector.broadcast(F, a[a5 + p]);
    x.fma(b0, c50).intoArray(tile, 5 * NR);
    x.fma(b1, c51).intoArray(tile, 5 * NR + L);
    update(tile, c, at, ldc, alpha, beta, mr, nr);
  }

  /**
   * {@link #kernelDirect} for a tile of five rows (ten accumulators): the same fused multiply-adds per element in the
   * same order, so the same bits whichever tile a row falls in.
   */
  private static void kernelDirect5(int kc, float[] a, int a0, int a1, int a2, int a3, int a4, float[] bp, int bo,
      float[] c, int at, int ldc, float alpha, float beta, int mr, int nr, float[] tile) {
    assert kc >= 1;
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F);
    FloatVector c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F);
    FloatVector c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F);
    FloatVector c31 = FloatVector.zero(F);
    FloatVector c40 = FloatVector.zero(F);
    FloatVector c41 = FloatVector.zero(F);
    int p = 0;
    for (; p < kc - 1; p++) {
      FloatVector b0 = FloatVector.fromArray(F, bp, bo);
      FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
      FloatVector x = FloatVector.broadcast(F, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(F, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(F, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(F, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(F, a[a4 + p]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      bo += NR;
    }
    // The last p stores each sum as it is made, as in kernel() (and for the same reason).
    FloatVector b0 = FloatVector.fromArray(F, bp, bo);
    FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
    FloatVector x = FloatVector.broadcast(F, a[a0 + p]);
    x.fma(b0, c00).intoArray(tile, 0);
    x.fma(b1, c01).intoArray(tile, L);
    x = FloatVector.broadcast(F, a[a1 + p]);
    x.fma(b0, c10).intoArray(tile, NR);
    x.fma(b1, c11).intoArray(tile, NR + L);
    x = FloatVector.broadcast(F, a[a2 + p]);
    x.fma(b0, c20).intoArray(tile, 2 * NR);
    x.fma(b1, c21).intoArray(tile, 2 * NR + L);
    x = FloatVector.broadcast(F, a[a3 + p]);
    x.fma(b0, c30).intoArray(tile, 3 * NR);
    x.fma(b1, c31).intoArray(tile, 3 * NR + L);
    x = FloatVector.broadcast(F, a[a4 + p]);
    x.fma(b0, c40).intoArray(tile, 4 * NR);
    x.fma(b1, c41).intoArray(tile, 4 * NR + L);
    update(tile, c, at, ldc, alpha, beta, mr, nr);
  }

  /**
   * {@code C = alpha * tile + beta * C} on the valid {@code mr x nr} corner (C not read when beta is 0). Whole rows go
   * by vectors, the rest element by element with the same two roundings.
   */
  private static void update(float[] tile, float[] c, int at, int ldc, float alpha, float beta, int mr, int nr) {
    for (int r = 0; r < mr; r++) {
      int t = r * NR;
      int to = at + r * ldc;
      int q = 0;
      for (; q + L <= nr; q += L) {
        FloatVector s = FloatVector.fromArray(F, tile, t + q).mul(alpha);
        if (beta != 0) {
          s = s.add(FloatVector.fromArray(F, c, to + q).mul(beta));
        }
        s.intoArray(c, to + q);
      }
      for (; q < nr; q++) {
        float s = alpha * tile[t + q];
        c[to + q] = beta == 0 ? s : s + beta * c[to + q];
      }
    }
  }
}
