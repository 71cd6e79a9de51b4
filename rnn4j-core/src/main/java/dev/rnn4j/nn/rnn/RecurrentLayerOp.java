package dev.rnn4j.nn.rnn;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.gemm.Gemm;
import dev.rnn4j.tensor.gemm.PreparedB;
import dev.rnn4j.tensor.gemm.RecurrentGemmPlan;
import dev.rnn4j.util.ThreadTeam;

/**
 * One direction of one recurrent layer over a whole packed batch, as ONE autograd node with a hand-written
 * backpropagation through time. It follows ATen's {@code PackedLayer} / {@code ReversedPackedLayer}: the input
 * projection of every step is one GEMM over the packed rows, and step {@code t} then works only on its
 * {@code batchSizes[t]} active rows (the longest sequences come first, so those are rows {@code [0, n)} of the
 * state). The forward direction walks {@code t = 0..T-1}; the reverse one {@code t = T-1..0}, so each sequence starts
 * from its own last valid step. A row's state is left untouched while it is inactive, so after the walk the state
 * buffer holds every sequence's {@code h_n} (and a zero-length sequence keeps its {@code h0}). The state is
 * double-buffered (each step reads one buffer and writes the other), so a step can be cut by hidden units over
 * threads: each thread makes its units' columns of {@code hg} and applies their gates at once (NOTE [step cut by
 * units]).
 *
 * <p>Legend: {@code N} packed rows (valid steps of all sequences), {@code T} steps, {@code B} batch (sorted order),
 * {@code I} input size, {@code H} hidden size, {@code P} output size ({@code proj_size} or {@code H}), {@code G}
 * gates.
 *
 * <pre>
 *   forward, step t:   hg = h[0:n] W_hh^T + b_hh          (n, G*H)    one GEMM, or by units:
 *                      h[0:n], c[0:n] = gates(xg[t], hg)              fused kernel, GateKernels
 *                      h[0:n] = hRaw W_hr^T                (n, P)      LSTM with projection only
 *   backward, step t (reverse order): dG[t] = gates'(dh, dc)         fused kernel
 *                      dh[0:n] = dGh[t] W_hh (+ direct term)          one GEMM
 *   after the loop:    dW_ih = dGi^T X, dX = dGi W_ih, dW_hh = dGh^T Hprev, db = column sums   single GEMMs
 * </pre>
 *
 * <p>dGh equals dGi except in GRU's n block ({@code dGh_n = dGi_n * r}), so a GRU keeps only that block for all steps,
 * (N, H), and the whole of dGh for the current step: a third of the (N, 3H) matrix, 17 MB less at batch 32, length
 * 128, H 512, where the backward pass has its peak.
 *
 * <p>Under {@code GradMode.disable()}, or when no input requires grad, nothing is saved and no node is recorded.
 */
final class RecurrentLayerOp extends Node {
  /**
   * Gate elements per thread below which a step's gate kernel runs on the calling thread (a hand-off costs about a
   * microsecond; a training step's 32 rows of GRU gates at hidden 256 are worth splitting).
   */
  private static final int PARALLEL_MIN_GATE_ELEMENTS = 1 << 13;

  /**
   * Multiply-adds per chunk below which a step cut by units (NOTE [step cut by units]) is not split further: a chunk
   * of 32 units of a 10-row LSTM step at hidden 512 is 655K.
   */
  private static final long FUSED_MIN_CHUNK_MACS = 1L << 18;

  /** The layer's outputs: {@code output} (N, P) in packed row order, {@code hN} (B, P), {@code cN} (B, H) or null. */
  record Result(Tensor output, Tensor hN, Tensor cN) {}

  private final RnnMode mode;
  private final int hs; // H
  private final int ps; // P
  private final int in; // I
  private final int batch; // B
  private final int[] batchSizes; // (T)
  private final int[] offsets; // (T + 1) first packed row of each step
  private final boolean reverse;
  private final boolean packed;

  // Saved for backward, all indexed by packed row.
  private Tensor x; // (N, I)
  private Tensor wIh; // (G*H, I)
  private Tensor wHh; // (G*H, P)
  private Tensor wHr; // (P, H) or null
  private float[] hPrev; // (N, P) state each step read
  private float[] act; // (N, G*H) activated gates; RNN: (N, H) new state
  private float[] cPrev; // (N, H) LSTM previous cell state
  private float[] aux; // (N, H) LSTM tanh(c_new); GRU W_hn h + b_hn
  private float[] hRaw; // (N, H) LSTM pre-projection state

  private RecurrentLayerOp(RnnMode mode, int hs, int ps, int in, int batch, int[] batchSizes, int[] offsets,
      boolean reverse, boolean packed, Tensor... inputs) {
    super(inputs);
    this.mode = mode;
    this.hs = hs;
    this.ps = ps;
    this.in = in;
    this.batch = batch;
    this.batchSizes = batchSizes;
    this.offsets = offsets;
    this.reverse = reverse;
    this.packed = packed;
  }

  /**
   * Runs the layer.
   *
   * @param x (N, I) packed input rows
   * @param h0 (B, P) initial state in sorted batch order, or null for zeros
   * @param c0 (B, H) initial cell state (LSTM), or null for zeros
   * @param bIh (G*H) or null
   * @param bHh (G*H) or null
   * @param wHr (P, H) LSTM projection, or null
   * @param batchSizes (T) non-increasing, summing to N, first at most B
   * @param packed whether the caller's input was packed (only changes the printed grad_fn name)
   * @param kept the module's packed copies of this layer's weights, used when no graph is recorded; null for none
   * @param stepsByUnits whether steps may be cut by hidden units (NOTE [step cut by units])
   */
  static Result apply(RnnMode mode, Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh,
      Tensor wHr, int[] batchSizes, int batch, boolean reverse, boolean packed, KeptWeights kept,
      boolean stepsByUnits) {
    int gh = wIh.size(0);
    int hs = gh / mode.gates();
    int ps = wHr != null ? wHr.size(0) : hs;
    int in = wIh.size(1);
    int n = x.size(0);
    boolean lstm = mode == RnnMode.LSTM;
    boolean proj = wHr != null;
    assert x.size(1) == in && wHh.size(1) == ps;
    assert h0 == null || h0.shape().equals(new Shape(batch, ps));
    assert c0 == null || c0.shape().equals(new Shape(batch, hs));
    int steps = batchSizes.length;
    int[] offsets = new int[steps + 1];
    int maxBs = 0;
    for (int t = 0; t < steps; t++) {
      offsets[t + 1] = offsets[t] + batchSizes[t];
      maxBs = Math.max(maxBs, batchSizes[t]);
    }
    assert offsets[steps] == n && maxBs <= batch;

    boolean save = Graph.needsGraph(x, h0, c0, wIh, wHh, bIh, bHh, wHr);
    RecurrentLayerOp op = save
        ? new RecurrentLayerOp(mode, hs, ps, in, batch, batchSizes.clone(), offsets, reverse, packed,
            x, h0, c0, wIh, wHh, bIh, bHh, wHr)
        : null;

    // Without a graph to record this is inference, and the module keeps packed copies of its weights from one call
    // to the next, which a decoding loop calling one step at a time gains most from. The plan decides which products
    // read them.
    RecurrentGemmPlan plan = RecurrentGemmPlan.forward(in, hs, mode.gates(), ps, batchSizes, !save && kept != null,
        stepsByUnits, proj);

    // Input projection of every step at once: xg = X W_ih^T + b_ih, (N, G*H).
    float[] xg = new float[n * gh];
    if (bIh != null) {
      fillRows(xg, bIh.data(), n);
    }
    plan.projectInput(n, x.data(), wIh.data(), () -> kept.inputWeight(wIh), bIh != null ? 1f : 0f, xg);

    // The running state is double-buffered: a step reads hCur and writes hNext, so that the threads of a step cut by
    // hidden units (below) never write a unit another thread is still reading. Rows not active in a step keep their
    // value in both buffers (h0 before a sequence starts; its h_n once it has ended).
    float[] hCur = new float[batch * ps]; // (B, P)
    if (h0 != null) {
      System.arraycopy(h0.data(), 0, hCur, 0, hCur.length);
    }
    float[] hNext = hCur.clone();
    float[] c = null; // (B, H)
    if (lstm) {
      c = new float[batch * hs];
      if (c0 != null) {
        System.arraycopy(c0.data(), 0, c, 0, c.length);
      }
    }
    float[] hg = new float[maxBs * gh]; // (n, G*H) work
    float[] raw = proj ? new float[maxBs * hs] : null; // (n, H) work
    float[] y = new float[n * ps]; // (N, P)
    // W_hh^T is the right-hand operand of every step.
    PreparedB whhT = plan.recurrentOperand(wHh.data(), () -> kept.recurrentWeight(wHh));
    float[] bhh = bHh == null ? null : bHh.data();
    if (save) {
      op.x = x;
      op.wIh = wIh;
      op.wHh = wHh;
      op.wHr = wHr;
      op.hPrev = new float[n * ps];
      op.act = new float[n * (mode == RnnMode.RNN_TANH || mode == RnnMode.RNN_RELU ? hs : gh)];
      if (lstm) {
        op.cPrev = new float[n * hs];
      }
      if (lstm || mode == RnnMode.GRU) {
        op.aux = new float[n * hs];
      }
      if (proj) {
        op.hRaw = new float[n * hs];
      }
    }
    Step step = new Step(mode, hs, ps, plan, xg, hg, bhh, whhT, c, save ? op.act : null, save ? op.aux : null);
    ThreadTeam team = ThreadTeam.current();
    int minRows = Math.max(1, PARALLEL_MIN_GATE_ELEMENTS / gh); // rows are independent: split them over threads
    for (int s = 0; s < steps; s++) {
      int t = reverse ? steps - 1 - s : s;
      int rows = batchSizes[t];
      int off = offsets[t];
      if (save) {
        System.arraycopy(hCur, 0, op.hPrev, off * ps, rows * ps);
        if (lstm) {
          System.arraycopy(c, 0, op.cPrev, off * hs, rows * hs);
        }
      }
      int align = plan.unitAlignment(whhT, rows);
      if (align > 0) {
        // NOTE [step cut by units]: each chunk of hidden units makes its own columns of every gate block of
        // hg = h W_hh^T + b_hh and applies the gates to them right away: one hand-off a step instead of two, and the
        // gates read hg while it is in cache. Each element is summed and activated as the whole-step path does it.
        int panels = hs / align;
        long macsPerPanel = (long) rows * ps * mode.gates() * align;
        int minPanels = (int) Math.max(1, (FUSED_MIN_CHUNK_MACS + macsPerPanel - 1) / macsPerPanel);
        float[] hIn = hCur;
        float[] hOut = hNext;
        team.forRange(0, panels, minPanels,
            (p0, p1) -> step.units(rows, off, p0 * align, p1 * align, hIn, hOut));
      } else {
        if (bhh != null) {
          fillRows(hg, bhh, rows);
        }
        plan.recurrentProduct(rows, hCur, whhT, bhh != null ? 1f : 0f, hg);
        float[] hIn = hCur;
        float[] hOut = hNext;
        switch (mode) {
          case LSTM -> {
            float[] target = proj ? raw : hOut;
            team.forRange(0, rows, minRows, (lo, hi) -> step.gates(lo, hi, 0, hs, off, hIn, target));
            if (proj) {
              if (save) {
                System.arraycopy(raw, 0, op.hRaw, off * hs, rows * hs);
              }
              Gemm.sgemm(false, true, rows, ps, hs, 1f, raw, 0, hs, wHr.data(), 0, hs, 0f, hOut, 0, ps);
            }
          }
          case GRU, RNN_TANH, RNN_RELU ->
              team.forRange(0, rows, minRows, (lo, hi) -> step.gates(lo, hi, 0, hs, off, hIn, hOut));
          default -> throw new AssertionError(mode);
        }
      }
      System.arraycopy(hNext, 0, y, off * ps, rows * ps);
      // Rows that the next step leaves alone (all of them after the last step) keep their new value in both buffers.
      int nextRows = s + 1 < steps ? batchSizes[reverse ? t - 1 : t + 1] : 0;
      if (nextRows < rows) {
        System.arraycopy(hNext, nextRows * ps, hCur, nextRows * ps, (rows - nextRows) * ps);
      }
      float[] swap = hCur;
      hCur = hNext;
      hNext = swap;
    }
    Tensor output = Tensor.wrap(y, new Shape(n, ps));
    Tensor hN = Tensor.wrap(hCur, new Shape(batch, ps));
    Tensor cN = lstm ? Tensor.wrap(c, new Shape(batch, hs)) : null;
    if (save) {
      Graph.record(op, output, hN, cN);
    }
    return new Result(output, hN, cN);
  }

  /**
   * What every step of one forward call shares: the gate kernels' inputs and saved outputs, and the recurrent
   * product of a range of hidden units.
   */
  private record Step(RnnMode mode, int hs, int ps, RecurrentGemmPlan plan, float[] xg, float[] hg, float[] bhh,
      PreparedB whhT, float[] c, float[] act, float[] aux) {
    /**
     * Hidden units {@code [u0, u1)} of a step of {@code rows} rows at packed row {@code off}: their columns of each
     * gate block of {@code hg = hIn W_hh^T + b_hh}, then their gates, into {@code hOut}.
     */
    void units(int rows, int off, int u0, int u1, float[] hIn, float[] hOut) {
      int gh = mode.gates() * hs;
      for (int q = 0; q < mode.gates(); q++) {
        int j0 = q * hs + u0;
        if (bhh != null) {
          for (int r = 0; r < rows; r++) {
            System.arraycopy(bhh, j0, hg, r * gh + j0, u1 - u0);
          }
        }
        plan.recurrentColumns(rows, j0, q * hs + u1, hIn, whhT, bhh != null ? 1f : 0f, hg);
      }
      gates(0, rows, u0, u1, off, hIn, hOut);
    }

    /** The gates of rows {@code [r0, r1)}, units {@code [u0, u1)}, of the step at packed row {@code off}. */
    void gates(int r0, int r1, int u0, int u1, int off, float[] hIn, float[] hOut) {
      int gh = mode.gates() * hs;
      switch (mode) {
        case LSTM -> GateKernels.lstmForward(r0, r1, u0, u1, hs, xg, off * gh, hg, c, hOut, act, off * gh, aux,
            off * hs);
        case GRU -> GateKernels.gruForward(r0, r1, u0, u1, hs, xg, off * gh, hg, hIn, hOut, act, off * gh, aux,
            off * hs);
        case RNN_TANH, RNN_RELU -> GateKernels.rnnForward(r0, r1, u0, u1, hs, mode == RnnMode.RNN_RELU, xg,
            off * gh, hg, hOut, act, off * hs);
        default -> throw new AssertionError(mode);
      }
    }
  }

  private static void fillRows(float[] dst, float[] row, int rows) {
    int w = row.length;
    for (int r = 0; r < rows; r++) {
      System.arraycopy(row, 0, dst, r * w, w);
    }
  }

  @Override
  public String name() {
    // What PyTorch's CPU layers print for the same output: packed steps are concatenated, padded ones stacked.
    return packed ? "CatBackward0" : "StackBackward0";
  }

  @Override
  public int numOutputs() {
    return 3;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    boolean lstm = mode == RnnMode.LSTM;
    boolean gru = mode == RnnMode.GRU;
    boolean proj = wHr != null;
    int gh = mode.gates() * hs;
    int n = x.size(0);
    int steps = batchSizes.length;
    float[] dy = gradOutputs[0] == null ? null : gradOutputs[0].data(); // (N, P)
    float[] dh = new float[batch * ps]; // (B, P) gradient of the running state
    if (gradOutputs[1] != null) {
      System.arraycopy(gradOutputs[1].data(), 0, dh, 0, dh.length);
    }
    float[] dc = null; // (B, H)
    if (lstm) {
      dc = new float[batch * hs];
      if (gradOutputs[2] != null) {
        System.arraycopy(gradOutputs[2].data(), 0, dc, 0, dc.length);
      }
    }
    float[] dGi = new float[n * gh]; // (N, G*H) input-side pre-activation gradients
    float[] dGhN = gru ? new float[n * hs] : null; // (N, H) GRU: the n block of the hidden-side gradients
    float[] dOut = proj ? new float[n * ps] : null; // (N, P) gradient of each projected state
    int maxBs = steps == 0 ? 0 : batchSizes[reverse ? steps - 1 : 0];
    for (int bs : batchSizes) {
      maxBs = Math.max(maxBs, bs);
    }
    float[] dRaw = proj ? new float[maxBs * hs] : null; // (n, H) work
    float[] dGhStep = gru ? new float[maxBs * gh] : null; // (n, 3H) GRU: the current step's hidden-side gradients
    RecurrentGemmPlan plan = RecurrentGemmPlan.backward(in, hs, mode.gates(), ps, batchSizes);
    PreparedB whh = plan.recurrentGradientOperand(wHh.data()); // W_hh, used at every step
    float[] dcc = dc;
    ThreadTeam team = ThreadTeam.current();
    int minRows = Math.max(1, PARALLEL_MIN_GATE_ELEMENTS / gh);
    for (int s = 0; s < steps; s++) {
      int t = reverse ? s : steps - 1 - s; // the forward walk, backwards
      int rows = batchSizes[t];
      int off = offsets[t];
      if (dy != null) {
        for (int i = 0, o = off * ps; i < rows * ps; i++) {
          dh[i] += dy[o + i];
        }
      }
      float beta = 0f;
      switch (mode) {
        case LSTM -> {
          float[] dState = dh;
          if (proj) {
            System.arraycopy(dh, 0, dOut, off * ps, rows * ps);
            Gemm.sgemm(false, false, rows, hs, ps, 1f, dh, 0, ps, wHr.data(), 0, hs, 0f, dRaw, 0, hs);
            dState = dRaw;
          }
          float[] ds = dState;
          team.forRange(0, rows, minRows, (lo, hi) -> GateKernels.lstmBackward(
              lo, hi, hs, ds, dcc, act, off * gh, aux, off * hs, cPrev, off * hs, dGi, off * gh));
        }
        case GRU -> {
          team.forRange(0, rows, minRows, (lo, hi) -> GateKernels.gruBackward(
              lo, hi, hs, dh, hPrev, off * ps, act, off * gh, aux, off * hs, dGi, off * gh, dGhStep, 0));
          for (int r = 0; r < rows; r++) {
            System.arraycopy(dGhStep, r * gh + 2 * hs, dGhN, (off + r) * hs, hs);
          }
          beta = 1f; // dh already holds the direct term dh * z
        }
        case RNN_TANH, RNN_RELU -> team.forRange(0, rows, minRows, (lo, hi) ->
            GateKernels.rnnBackward(lo, hi, hs, mode == RnnMode.RNN_RELU, dh, act, off * hs, dGi, off * gh));
        default -> throw new AssertionError(mode);
      }
      // dh_{t-1}[0:n] = dGh_t W_hh (+ direct term)
      if (gru) {
        plan.recurrentGradient(rows, dGhStep, 0, whh, beta, dh);
      } else {
        plan.recurrentGradient(rows, dGi, off * gh, whh, beta, dh);
      }
    }

    Tensor[] grads = new Tensor[8];
    if (needsGrad(0)) {
      float[] dx = new float[n * in];
      Gemm.sgemm(false, false, n, in, gh, 1f, dGi, 0, gh, wIh.data(), 0, in, 0f, dx, 0, in);
      grads[0] = Tensor.wrap(dx, x.shape());
    }
    if (needsGrad(1)) {
      grads[1] = Tensor.wrap(dh, new Shape(batch, ps));
    }
    if (lstm && needsGrad(2)) {
      grads[2] = Tensor.wrap(dc, new Shape(batch, hs));
    }
    if (needsGrad(3)) {
      float[] d = new float[gh * in];
      Gemm.sgemm(true, false, gh, in, n, 1f, dGi, 0, gh, x.data(), 0, in, 0f, d, 0, in);
      grads[3] = Tensor.wrap(d, wIh.shape());
    }
    if (needsGrad(4)) {
      float[] d = new float[gh * ps];
      if (gru) { // r and z rows from dGi, n rows from dGhN
        Gemm.sgemm(true, false, 2 * hs, ps, n, 1f, dGi, 0, gh, hPrev, 0, ps, 0f, d, 0, ps);
        Gemm.sgemm(true, false, hs, ps, n, 1f, dGhN, 0, hs, hPrev, 0, ps, 0f, d, 2 * hs * ps, ps);
      } else {
        Gemm.sgemm(true, false, gh, ps, n, 1f, dGi, 0, gh, hPrev, 0, ps, 0f, d, 0, ps);
      }
      grads[4] = Tensor.wrap(d, wHh.shape());
    }
    // db_ih is the column sums of dGi; so is db_hh, except for GRU's n block, which sums dGhN. Summed once, copied.
    float[] dbi = null;
    if (needsGrad(5) || needsGrad(6)) {
      dbi = new float[gh];
      columnSums(dGi, n, gh, 0, gh, dbi, 0);
    }
    if (needsGrad(5)) {
      grads[5] = Tensor.wrap(needsGrad(6) ? dbi.clone() : dbi, new Shape(gh));
    }
    if (needsGrad(6)) {
      if (gru) {
        columnSums(dGhN, n, hs, 0, hs, dbi, 2 * hs);
      }
      grads[6] = Tensor.wrap(dbi, new Shape(gh));
    }
    if (proj && needsGrad(7)) {
      float[] d = new float[ps * hs];
      Gemm.sgemm(true, false, ps, hs, n, 1f, dOut, 0, ps, hRaw, 0, hs, 0f, d, 0, hs);
      grads[7] = Tensor.wrap(d, wHr.shape());
    }
    return grads;
  }

  /**
   * {@code out[outOff + k] = sum over rows of m[r * ld + col0 + k]}, k < cols, accumulated in double, rows in order
   * (so the split of the columns over threads changes nothing).
   */
  private static void columnSums(float[] m, int rows, int ld, int col0, int cols, float[] out, int outOff) {
    ThreadTeam.current().forRange(0, cols, 128, (k0, k1) -> {
      double[] acc = new double[k1 - k0];
      for (int r = 0; r < rows; r++) {
        for (int k = k0, o = r * ld + col0; k < k1; k++) {
          acc[k - k0] += m[o + k];
        }
      }
      for (int k = k0; k < k1; k++) {
        out[outOff + k] = (float) acc[k - k0];
      }
    });
  }

  @Override
  protected void releaseSaved() {
    x = null;
    wIh = null;
    wHh = null;
    wHr = null;
    hPrev = null;
    act = null;
    cPrev = null;
    aux = null;
    hRaw = null;
  }
}
