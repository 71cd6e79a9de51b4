package dev.rnn4j.tensor.gemm;

/**
 * A right-hand operand {@code op(B)}, {@code (k, n)}, that many products in a row share: a recurrent weight, used
 * once per time step. {@link Gemm#prepareB} makes one; {@link Gemm#sgemm(boolean, int, float, float[], int, int,
 * PreparedB, float, float[], int, int)} uses it. It keeps the matrix itself and, when the products gain from it, a
 * copy packed for {@link PackedGemm}, made once instead of once per product (a BLAS packs B again on every call).
 * The matrix must not change while the operand is in use. {@link Gemm#packKept} makes one that its owner keeps from
 * one call to the next.
 */
public final class PreparedB {
  final boolean transB;
  final int k;
  final int n;
  final float[] b;
  final int bOff;
  final int ldb;
  /** PackedGemm panels of all of op(B), or null when every product goes through the plain path. */
  final float[] panels;
  /** Whether the packed copy is kept across calls ({@link Gemm#packKept}), so that it pays from fewer rows. */
  final boolean kept;

  PreparedB(boolean transB, int k, int n, float[] b, int bOff, int ldb, float[] panels, boolean kept) {
    this.transB = transB;
    this.k = k;
    this.n = n;
    this.b = b;
    this.bOff = bOff;
    this.ldb = ldb;
    this.panels = panels;
    this.kept = kept;
  }

  /** Whether the operand was packed (false when no product would use the packed copy, or without the Vector API). */
  public boolean isPacked() {
    return panels != null;
  }
}
