package dev.rnn4j.tensor.gemm;

import dev.ludovic.netlib.blas.BLAS;
import dev.rnn4j.runtime.RuntimeSettings;
import dev.rnn4j.util.ThreadTeam;

/**
 * Row-major single-precision GEMM, {@code C = alpha * op(A) * op(B) + beta * C}, the one entry point every matrix
 * product in rnn4j goes through. Dimensions: {@code op(A)} is {@code (m, k)}, {@code op(B)} is {@code (k, n)},
 * {@code C} is {@code (m, n)}; leading dimensions are row strides of the stored (not transposed) matrices.
 *
 * <p>netlib's BLAS is column-major, and a row-major {@code C = A B} is the column-major {@code C^T = B^T A^T}: the
 * call swaps the operands instead of copying anything. Large products are split by rows of {@code C} over
 * the calling thread's {@link ThreadTeam} unless the native BLAS threads itself ({@link Blas#blasOwnsThreads()}).
 */
public final class Gemm {
  /** Below this many multiply-adds a product runs on one thread. */
  private static final long PARALLEL_MIN_FLOPS = 1L << 21;

  /** Blocks of a split product: enough to balance up to four threads (see NOTE [thread-independent GEMM]). */
  private static final int SPLIT_PARTS = 4;

  /** Multiply-adds from which a matrix-vector product (m = 1) is cut into blocks for threads. */
  private static final long GEMV_SPLIT_MIN = 1L << 17;

  /**
   * Up to this many rows, {@code A B^T} goes to {@link SkinnyGemm} (when it is on). Against OpenBLAS it wins up to
   * about 16 rows (BLAS packs all of B on every call; SkinnyGemm streams it once); against netlib's Java BLAS up to
   * 64, so without native BLAS the limit is 64.
   */
  private static final int SKINNY_MAX_ROWS_NATIVE = 16;

  private static final int SKINNY_MAX_ROWS_JAVA = 64;

  private static final int SKINNY_MAX_ROWS =
      Blas.backend() == Blas.Backend.NATIVE_OPENBLAS ? SKINNY_MAX_ROWS_NATIVE : SKINNY_MAX_ROWS_JAVA;

  /**
   * Multiply-adds per thread below which a {@link SkinnyGemm} product is not split: a {@link ThreadTeam}'s hand-off
   * to a spinning helper costs well under a microsecond, so a batch-10 step of a hidden-512 layer is worth splitting.
   */
  private static final long SKINNY_MIN_CHUNK_FLOPS = 1_000_000;

  private static final RuntimeSettings SETTINGS = RuntimeSettings.current();

  /** Whether the Vector API kernels run (the module is loaded and the width is not 0). */
  private static final boolean VECTOR = SETTINGS.effectiveVectorBits() > 0;

  /**
   * {@link SkinnyGemm} sums each dot product's lanes with {@code reduceLanes(ADD)}. On JDK 17 that sum runs lane by
   * lane in order, compiled or not; on newer JDKs the compiled sum takes another order than the interpreted one, so a
   * product's bits would depend on how warm the JIT is, and a resumed training run would drift from an uninterrupted
   * one (TrainerTest's bitwise resume checks failed on Temurin 25). There the default is off: few-row products go to
   * the BLAS or, with a prepared weight, to {@link PackedGemm}, whose sums do not depend on the JIT.
   * {@link RuntimeSettings#skinnyGemm()} overrides the default.
   */
  private static final boolean SKINNY = VECTOR && SETTINGS.skinnyGemm();

  /**
   * Prepared operands ({@link #prepareB}) are packed when the Vector API kernels run and at least
   * {@link #PREPACK_MIN_CALLS} products use the copy: packing reads B once, about what one product of a few rows
   * costs.
   */
  private static final boolean PREPACK = VECTOR;

  private static final int PREPACK_MIN_CALLS = 3;

  /** From this many rows a product uses a packed copy kept across calls (see {@link #usesPacked(PreparedB, int)}). */
  private static final int KEPT_MIN_ROWS = 4;

  /** Up to this many rows a product uses a kept packed copy rather than OpenBLAS (see the same method). */
  private static final int KEPT_MAX_ROWS_NATIVE = 512;

  /**
   * Without native BLAS, general products go to {@link PackedGemm} rather than netlib's Java BLAS (many times faster),
   * unless {@link RuntimeSettings#packedGemm()} says otherwise.
   */
  private static final boolean PACKED = VECTOR && Blas.backend() == Blas.Backend.JAVA && SETTINGS.packedGemm();

  private Gemm() {}

  /**
   * Which code runs the general products: {@code "openblas"}, {@code "java-packed"} ({@link PackedGemm}, the Vector
   * API kernel) or {@code "java-netlib"} (netlib's Java BLAS, when the Vector API is not loaded).
   */
  public static String implementation() {
    return Blas.backend() == Blas.Backend.NATIVE_OPENBLAS ? "openblas" : PACKED ? "java-packed" : "java-netlib";
  }

  public static void sgemm(
      boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("sgemm: m, n and k must be >= 0, got " + m + ", " + n + ", " + k);
    }
    checkMatrix("A", a, aOff, transA ? k : m, transA ? m : k, lda);
    checkMatrix("B", b, bOff, transB ? n : k, transB ? k : n, ldb);
    checkMatrix("C", c, cOff, m, n, ldc);
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) { // BLAS leaves C untouched only when beta == 1; define the empty sum explicitly
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          int at = cOff + i * ldc + j;
          c[at] = beta == 0 ? 0 : beta * c[at];
        }
      }
      return;
    }
    BLAS blas = Blas.instance();
    if (SKINNY && !transA && transB && m >= 2 && m <= SKINNY_MAX_ROWS) {
      // Few rows times a weight stored (n, k): dot products over contiguous rows, no packing of B. Columns are
      // split over threads in blocks of 4 (each element comes out the same whatever the split).
      int blocks = (n + 3) / 4;
      int minBlocks = Math.max(1, (int) (SKINNY_MIN_CHUNK_FLOPS / (4L * m * k)));
      ThreadTeam.current().forRange(0, blocks, minBlocks, (lo, hi) -> SkinnyGemm.nt(
          m, 4 * lo, Math.min(4 * hi, n), k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc));
      return;
    }
    if (m == 1) {
      // One row of C (an RNN step at batch 1, greedy decoding): a matrix-vector product. BLAS gemm packs the whole
      // of B first; gemv streams it once, several times faster. Streaming B is the whole cost, and each core streams
      // at its own rate, so a large one is cut into blocks of columns of C, one gemv each, by shape only as in
      // NOTE [thread-independent GEMM].
      int incA = transA ? lda : 1;
      int block = (long) n * k >= GEMV_SPLIT_MIN && !Blas.blasOwnsThreads()
          ? roundUp((n + SPLIT_PARTS - 1) / SPLIT_PARTS, 16) : n;
      int blocks = (n + block - 1) / block;
      ThreadTeam.current().forRange(0, blocks, 1, (lo, hi) -> {
        for (int blk = lo; blk < hi; blk++) {
          int j0 = blk * block;
          int cols = Math.min(block, n - j0);
          if (transB) { // c = B a with B stored (n, k): column-major (k, n), transposed
            blas.sgemv("T", k, cols, alpha, b, bOff + j0 * ldb, ldb, a, aOff, incA, beta, c, cOff + j0, 1);
          } else { // c = B^T a with B stored (k, n): column-major (n, k)
            blas.sgemv("N", cols, k, alpha, b, bOff + j0, ldb, a, aOff, incA, beta, c, cOff + j0, 1);
          }
        }
      });
      return;
    }
    long flops = (long) m * n * k;
    if (flops >= PARALLEL_MIN_FLOPS && !Blas.blasOwnsThreads()) {
      // NOTE [thread-independent GEMM]: a large product is cut into SPLIT_PARTS blocks whose bounds depend only on
      // the shape, never on the thread count, and each block is one BLAS call. One thread runs the blocks in turn,
      // several share them: the same calls either way, so results are bit-for-bit equal on any thread count (a BLAS
      // may pick other kernels, hence other summation orders, for other block sizes). The cut runs along the larger
      // of m and n, so the big operand (usually the weight) is packed once in all, not once per block.
      if (n >= m) {
        int block = roundUp((n + SPLIT_PARTS - 1) / SPLIT_PARTS, 16);
        int blocks = (n + block - 1) / block;
        ThreadTeam.current().forRange(0, blocks, 1, (lo, hi) -> {
          for (int blk = lo; blk < hi; blk++) {
            int j0 = blk * block;
            int cols = Math.min(block, n - j0);
            call(blas, transA, transB, m, cols, k, alpha, a, aOff, lda,
                b, bOff + (transB ? j0 * ldb : j0), ldb, beta, c, cOff + j0, ldc);
          }
        });
      } else {
        int block = roundUp((m + SPLIT_PARTS - 1) / SPLIT_PARTS, 16);
        int blocks = (m + block - 1) / block;
        ThreadTeam.current().forRange(0, blocks, 1, (lo, hi) -> {
          for (int blk = lo; blk < hi; blk++) {
            int r0 = blk * block;
            int rows = Math.min(block, m - r0);
            call(blas, transA, transB, rows, n, k, alpha,
                a, aOff + (transA ? r0 : r0 * lda), lda, b, bOff, ldb, beta, c, cOff + r0 * ldc, ldc);
          }
        });
      }
    } else {
      call(blas, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
  }

  /**
   * Prepares {@code op(B)} (B stored {@code (n, k)} when {@code transB}, else {@code (k, n)}) for products whose row
   * counts are {@code rowsPerCall}. It is packed once for {@link PackedGemm} when at least {@link #PREPACK_MIN_CALLS}
   * of them would use the packed copy (see {@link #usesPacked}); otherwise the products take the plain path.
   */
  public static PreparedB prepareB(boolean transB, int k, int n, float[] b, int bOff, int ldb, int[] rowsPerCall) {
    if (k < 0 || n < 0) {
      throw new IllegalArgumentException("prepareB: k and n must be >= 0, got " + k + ", " + n);
    }
    checkOperand(transB, k, n, b, bOff, ldb);
    int calls = 0;
    if (PREPACK) {
      for (int rows : rowsPerCall) {
        if (usesPacked(transB, rows)) {
          calls++;
        }
      }
    }
    float[] panels = calls >= PREPACK_MIN_CALLS && k > 0 && n > 0
        ? PackedGemm.packAll(transB, b, bOff, ldb, k, n) : null;
    return new PreparedB(transB, k, n, b, bOff, ldb, panels, false);
  }

  /** Whether operands can be packed here (the Vector API kernels run). */
  public static boolean canPrepack() {
    return PREPACK;
  }

  /**
   * {@code op(B)} packed for products of any row count, to be kept by its owner from one call to the next (a
   * recurrent module's weights at inference). Without the Vector API kernels, a plain operand.
   */
  public static PreparedB packKept(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
    if (k < 0 || n < 0) {
      throw new IllegalArgumentException("packKept: k and n must be >= 0, got " + k + ", " + n);
    }
    checkOperand(transB, k, n, b, bOff, ldb);
    float[] panels = PREPACK && k > 0 && n > 0 ? PackedGemm.packAll(transB, b, bOff, ldb, k, n) : null;
    return new PreparedB(transB, k, n, b, bOff, ldb, panels, panels != null);
  }

  static void checkOperand(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
    checkMatrix("B", b, bOff, transB ? n : k, transB ? k : n, ldb);
  }

  /**
   * Whether a product of {@code m} rows with a prepared operand goes to the packed copy: not for one row (a
   * matrix-vector product streams B once anyway) nor where {@link SkinnyGemm} takes it (it reads B in place).
   */
  static boolean usesPacked(boolean transB, int m) {
    return m >= 2 && !(SKINNY && transB && m <= SKINNY_MAX_ROWS);
  }

  /**
   * Whether a product of {@code m} rows uses {@code b}'s packed copy. A copy kept across calls (a module's packed
   * weights) costs nothing more to use, and beats {@link SkinnyGemm} from {@link #KEPT_MIN_ROWS} rows; at 2 rows
   * SkinnyGemm wins. Past {@link #KEPT_MAX_ROWS_NATIVE} rows OpenBLAS is faster even though it packs B on every call.
   */
  private static boolean usesPacked(PreparedB b, int m) {
    if (b.panels == null || b.k == 0) {
      return false;
    }
    return b.kept ? usesKeptCopy(b.transB, m) : usesPacked(b.transB, m);
  }

  /**
   * Whether a product of {@code m} rows with {@code op(B)} would use a packed copy kept across calls (so a caller can
   * skip making one that a product would not use).
   */
  public static boolean usesKeptCopy(boolean transB, int m) {
    if (m > KEPT_MAX_ROWS_NATIVE && Blas.backend() == Blas.Backend.NATIVE_OPENBLAS) {
      return false;
    }
    return m >= KEPT_MIN_ROWS || usesPacked(transB, m);
  }

  /** {@code C = alpha * op(A) op(B) + beta * C} with {@code op(B)} from {@link #prepareB}; C is {@code (m, b.n)}. */
  public static void sgemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PreparedB b,
      float beta, float[] c, int cOff, int ldc) {
    if (m < 0) {
      throw new IllegalArgumentException("sgemm: m must be >= 0, got " + m);
    }
    checkMatrix("A", a, aOff, transA ? b.k : m, transA ? m : b.k, lda);
    checkMatrix("C", c, cOff, m, b.n, ldc);
    if (!usesPacked(b, m)) {
      sgemm(transA, b.transB, m, b.n, b.k, alpha, a, aOff, lda, b.b, b.bOff, b.ldb, beta, c, cOff, ldc);
      return;
    }
    int n = b.n;
    int k = b.k;
    int nPad = PackedGemm.paddedColumns(n);
    // Whole panels per block, cut by shape only (NOTE [thread-independent GEMM]); every element is summed the same
    // way whichever block it is in.
    int block = roundUp((n + SPLIT_PARTS - 1) / SPLIT_PARTS, PackedGemm.NR);
    int blocks = (long) m * n * k >= PARALLEL_MIN_FLOPS ? (n + block - 1) / block : 1;
    int width = blocks == 1 ? n : block;
    ThreadTeam.current().forRange(0, blocks, 1, (lo, hi) -> {
      for (int blk = lo; blk < hi; blk++) {
        int j0 = blk * width;
        PackedGemm.sgemmPrepacked(transA, m, j0, Math.min(n, j0 + width), k, alpha, a, aOff, lda, b.panels, nPad,
            beta, c, cOff, ldc);
      }
    });
  }

  /**
   * The column alignment of a product of {@code m} rows with {@code b} that {@link #sgemmColumns} can compute in
   * pieces: the width of {@code b}'s packed panels when that product uses the packed copy, else 0 (the product then
   * goes through a path that must run whole, and callers use {@link #sgemm(boolean, int, float, float[], int, int,
   * PreparedB, float, float[], int, int)}).
   */
  public static int columnAlignment(PreparedB b, int m) {
    return usesPacked(b, m) ? PackedGemm.NR : 0;
  }

  /**
   * Columns {@code [j0, j1)} of {@code C = alpha * op(A) op(B) + beta * C}, on the calling thread, from {@code b}'s
   * packed copy: every element comes out with the bits that {@link #sgemm(boolean, int, float, float[], int, int,
   * PreparedB, float, float[], int, int)} gives it. For a caller that cuts a product by columns itself, to follow
   * each piece with work on the same columns (a recurrent step applies its gates to the columns it has just made).
   * {@code j0} must be a multiple of {@link #columnAlignment}, which must not be 0.
   */
  public static void sgemmColumns(boolean transA, int m, int j0, int j1, float alpha, float[] a, int aOff, int lda,
      PreparedB b, float beta, float[] c, int cOff, int ldc) {
    int align = columnAlignment(b, m);
    if (align == 0) {
      throw new IllegalArgumentException("sgemmColumns: a product of " + m + " rows does not use a packed copy of B"
          + " (columnAlignment is 0); use sgemm with the PreparedB");
    }
    if (j0 < 0 || j1 > b.n || j0 > j1 || j0 % align != 0) {
      throw new IllegalArgumentException("sgemmColumns: columns [" + j0 + ", " + j1 + ") must lie in [0, " + b.n
          + ") and start at a multiple of " + align);
    }
    checkMatrix("A", a, aOff, transA ? b.k : m, transA ? m : b.k, lda);
    checkMatrix("C", c, cOff, m, b.n, ldc);
    if (m == 0 || j0 == j1) {
      return;
    }
    PackedGemm.sgemmPrepacked(transA, m, j0, j1, b.k, alpha, a, aOff, lda, b.panels, PackedGemm.paddedColumns(b.n),
        beta, c, cOff, ldc);
  }

  /**
   * Checks that a row-major {@code rows x cols} matrix with row stride {@code ld} starting at {@code off} lies inside
   * {@code x}, so a bad call fails here with the numbers instead of deep in a kernel.
   */
  private static void checkMatrix(String name, float[] x, int off, int rows, int cols, int ld) {
    if (x == null) {
      throw new IllegalArgumentException("sgemm: " + name + " is null");
    }
    if (off < 0 || (rows > 1 && cols > 0 && ld < cols)) { // one row, or none, never steps by ld
      throw new IllegalArgumentException("sgemm: " + name + " (" + rows + " x " + cols + ") needs a leading dimension"
          + " >= " + cols + " and an offset >= 0, got " + ld + " and " + off);
    }
    long end = rows == 0 || cols == 0 ? off : off + (long) (rows - 1) * ld + cols;
    if (end > x.length) {
      throw new IllegalArgumentException("sgemm: " + name + " (" + rows + " x " + cols + ", leading dimension " + ld
          + ", offset " + off + ") needs " + end + " floats, the array has " + x.length);
    }
  }

  private static int roundUp(int v, int multiple) {
    return (v + multiple - 1) / multiple * multiple;
  }

  private static void call(
      BLAS blas, boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (PACKED) {
      PackedGemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    // Column-major view: C^T (n x m) = op(B)^T (n x k) * op(A)^T (k x m).
    blas.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff,
        ldc);
  }

  /**
   * The scalar twin: the textbook triple loop, accumulated in double. Tests compare {@link #sgemm} against it; it
   * is far too slow for real use.
   */
  public static void sgemmNaive(
      boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
          s += (double) av * bv;
        }
        int at = cOff + i * ldc + j;
        c[at] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[at]));
      }
    }
  }
}
