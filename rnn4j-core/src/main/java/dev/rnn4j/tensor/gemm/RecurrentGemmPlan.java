package dev.rnn4j.tensor.gemm;

import java.util.function.Supplier;

/**
 * How the matrix products of one recurrent layer call (a forward, or the backward of a recorded one) run, decided
 * once from the shapes and the per-step row counts: the one place that knows which backend, which packed copies and
 * which column layout each product gets. A layer asks it to multiply and holds no policy of its own.
 *
 * <p>Decisions (each derived from {@link Gemm}'s rules, so a product here runs exactly as it would through
 * {@link Gemm}):
 * <ul>
 *   <li><b>Input projection</b> {@code X W_ih^T} over all {@code N} packed rows: from the owner's kept packed copy of
 *       {@code W_ih} when weights are kept and {@link Gemm#usesKeptCopy} says a product of {@code N} rows gains from
 *       it; otherwise a plain product.
 *   <li><b>Recurrent operand</b> {@code W_hh^T}: with kept weights, the kept packed copy when at least one step's row
 *       count reads it, and none at all when no step does (batch 1: every step is a matrix-vector product on the
 *       stored weight, so packing would be wasted); without kept weights, packed for this call when enough steps gain
 *       ({@link Gemm#prepareB}).
 *   <li><b>Backward operand</b> {@code W_hh} of every backward step: packed for the call when enough steps gain
 *       ({@link Gemm#prepareB}), as the forward's unkept operand.
 *   <li><b>Column layout of a step</b> ({@link #unitAlignment}): a step can be cut by hidden units, each piece
 *       computing its columns of every gate block and then its gates, when the settings allow it, the layer has no
 *       projection, the step's product reads a packed copy, and the hidden size is a whole number of packed panels
 *       (a unit range must start a panel in every gate block). Otherwise the step runs whole. Both give the same bits.
 * </ul>
 */
public final class RecurrentGemmPlan {
  private final int in; // I
  private final int gh; // G*H
  private final int ps; // P
  private final int hs; // H
  private final int[] batchSizes; // (T)
  private final boolean inputKept;
  private final boolean recurrentKept;
  private final boolean keptWeights;
  private final boolean byUnits;

  private RecurrentGemmPlan(int in, int hs, int gates, int ps, int[] batchSizes, boolean keptWeights,
      boolean byUnits) {
    this.in = in;
    this.hs = hs;
    this.gh = gates * hs;
    this.ps = ps;
    this.batchSizes = batchSizes;
    this.keptWeights = keptWeights && Gemm.canPrepack();
    int n = 0;
    boolean anyStepReadsKept = false;
    for (int rows : batchSizes) {
      n += rows;
      anyStepReadsKept |= Gemm.usesKeptCopy(true, rows);
    }
    this.inputKept = this.keptWeights && Gemm.usesKeptCopy(true, n);
    this.recurrentKept = this.keptWeights && anyStepReadsKept;
    this.byUnits = byUnits;
  }

  /**
   * The plan of a forward call.
   *
   * @param in input size I
   * @param hs hidden size H
   * @param gates gate blocks G
   * @param ps state size P ({@code proj_size} or H); a projection ({@code ps != hs} or an explicit one) is given by
   *     {@code projection}
   * @param batchSizes (T) rows of each step
   * @param keptWeights whether the caller keeps packed copies of its weights across calls (inference)
   * @param stepsByUnits whether steps may be cut by hidden units
   * @param projection whether the layer has an LSTM projection (then steps run whole)
   */
  public static RecurrentGemmPlan forward(int in, int hs, int gates, int ps, int[] batchSizes, boolean keptWeights,
      boolean stepsByUnits, boolean projection) {
    return new RecurrentGemmPlan(in, hs, gates, ps, batchSizes, keptWeights, stepsByUnits && !projection);
  }

  /**
   * The plan of a backward call (backpropagation through the steps of a forward call with the same shapes): no kept
   * copies, since the weights are the ones the recorded forward read.
   *
   * @param in input size I
   * @param hs hidden size H
   * @param gates gate blocks G
   * @param ps state size P
   * @param batchSizes (T) rows of each step
   */
  public static RecurrentGemmPlan backward(int in, int hs, int gates, int ps, int[] batchSizes) {
    return new RecurrentGemmPlan(in, hs, gates, ps, batchSizes, false, false);
  }

  /** Whether the input projection reads the caller's kept packed {@code W_ih}. */
  public boolean readsKeptInputWeight() {
    return inputKept;
  }

  /** Whether some step reads the caller's kept packed {@code W_hh} (false at batch 1). */
  public boolean readsKeptRecurrentWeight() {
    return recurrentKept;
  }

  /**
   * {@code xg = X W_ih^T + beta * xg} over {@code n} rows; {@code kept} gives the caller's kept packed {@code W_ih}
   * (stored (G*H, I)) and is asked only when the plan reads it.
   */
  public void projectInput(int n, float[] x, float[] wIh, Supplier<PreparedB> kept, float beta, float[] xg) {
    if (inputKept) {
      Gemm.sgemm(false, n, 1f, x, 0, in, kept.get(), beta, xg, 0, gh);
    } else {
      Gemm.sgemm(false, true, n, gh, in, 1f, x, 0, in, wIh, 0, in, beta, xg, 0, gh);
    }
  }

  /**
   * The right-hand operand {@code W_hh^T} of every step ({@code wHh} stored (G*H, P)): the caller's kept packed copy
   * ({@code kept}, asked only when some step reads it), or one prepared for this call.
   */
  public PreparedB recurrentOperand(float[] wHh, Supplier<PreparedB> kept) {
    if (recurrentKept) {
      return kept.get();
    }
    if (keptWeights) { // no step reads a packed copy: the stored weight serves every step
      return new PreparedB(true, ps, gh, wHh, 0, ps, null, false);
    }
    return Gemm.prepareB(true, ps, gh, wHh, 0, ps, batchSizes);
  }

  /**
   * The column alignment in which a step of {@code rows} rows is cut by hidden units (see the class comment), or 0
   * when the step runs whole.
   */
  public int unitAlignment(PreparedB whhT, int rows) {
    if (!byUnits) {
      return 0;
    }
    int align = Gemm.columnAlignment(whhT, rows);
    return align > 0 && hs % align == 0 ? align : 0;
  }

  /**
   * The right-hand operand {@code W_hh} (stored (G*H, P), not transposed) of every backward step's
   * {@link #recurrentGradient}: packed for this call when enough steps gain ({@link Gemm#prepareB}).
   */
  public PreparedB recurrentGradientOperand(float[] wHh) {
    return Gemm.prepareB(false, gh, ps, wHh, 0, ps, batchSizes);
  }

  /**
   * A backward step's {@code dh[0:rows] = dGh W_hh + beta * dh}: {@code dGh} holds the step's (rows, G*H)
   * hidden-side gate gradients from {@code dGhOff} (row stride G*H), {@code dh} is (rows, P).
   */
  public void recurrentGradient(int rows, float[] dGh, int dGhOff, PreparedB whh, float beta, float[] dh) {
    Gemm.sgemm(false, rows, 1f, dGh, dGhOff, gh, whh, beta, dh, 0, ps);
  }

  /** A whole step's recurrent product {@code hg = h W_hh^T + beta * hg}, {@code rows} rows. */
  public void recurrentProduct(int rows, float[] h, PreparedB whhT, float beta, float[] hg) {
    Gemm.sgemm(false, rows, 1f, h, 0, ps, whhT, beta, hg, 0, gh);
  }

  /** Columns {@code [j0, j1)} of a step's recurrent product, on the calling thread (a unit-cut step). */
  public void recurrentColumns(int rows, int j0, int j1, float[] h, PreparedB whhT, float beta, float[] hg) {
    Gemm.sgemmColumns(false, rows, j0, j1, 1f, h, 0, ps, whhT, beta, hg, 0, gh);
  }
}
