package dev.rnn4j.nn.rnn;

import dev.rnn4j.runtime.RuntimeSettings;
import dev.rnn4j.tensor.kernel.KernelSelector;
import dev.rnn4j.tensor.kernel.Kernels;

/**
 * The fused per-step gate kernels of the recurrent layers: given the input projection {@code xg} (x W_ih^T + b_ih)
 * and the recurrent projection {@code hg} (h W_hh^T + b_hh) of {@code n} active rows, each forward kernel applies
 * every activation and the state update in one pass over the gates, optionally saving what backward needs. Each
 * backward kernel turns the gradient of the new state into the gradient of the gate pre-activations ({@code dG}) and
 * the part of the previous state's gradient that does not go through {@code W_hh}.
 *
 * <p>Each kernel processes the rows {@code [r0, r1)}; rows are independent, so callers may split a step's rows
 * over threads and get the same bits. The forward kernels also take a range of hidden units {@code [u0, u1)}: a
 * unit's new state needs only its own slice of each gate block, so a step can be cut by units too, which lets each
 * thread compute its slice of the recurrent product and apply the gates to it in one go ({@code RecurrentLayerOp}).
 *
 * <p>Legend: {@code r0..r1} active rows, {@code H} hidden size, {@code G} gates; {@code xg}, {@code hg} and {@code dG}
 * rows are {@code G*H} wide with the gate blocks in PyTorch's order (LSTM i,f,g,o; GRU r,z,n). Row-aligned arrays
 * ({@code c}, {@code h}, {@code dh}, {@code dc}) start at offset 0 and are {@code H} wide; saved arrays are indexed
 * by packed row and take an offset. {@link GateKernelsReference} is the scalar twin (textbook formulas, one gate at
 * a time, in double) that the tests hold these against.
 *
 * <p>The forward kernels run each activation over a whole contiguous gate block through the selected
 * {@link Kernels} (lanewise exp/tanh/sigmoid on the Vector API, reproducible in every JIT tier); the backward kernels
 * run the vector body of each row in {@link VectorGateKernels} with the scalar loop's operations, so their bits do
 * not depend on the Vector API being there.
 */
public final class GateKernels {
  /** Whether the backward kernels run their rows through {@link VectorGateKernels} (same bits, see there). */
  static final boolean VECTOR = RuntimeSettings.current().effectiveVectorBits() > 0;

  private GateKernels() {}

  /**
   * LSTM step: {@code c = f*c + i*g}, {@code h = o*tanh(c)}.
   *
   * @param c (n, H) previous cell state in, new cell state out
   * @param h (n, H) new hidden state out
   * @param act saved (., 4H) activated gates i,f,g,o at {@code actOff}, or null
   * @param tanhC saved (., H) tanh of the new cell state at {@code tcOff}, or null (null exactly when act is)
   */
  public static void lstmForward(int r0, int r1, int hs, float[] xg, int xgOff, float[] hg, float[] c, float[] h,
      float[] act, int actOff, float[] tanhC, int tcOff) {
    lstmForward(KernelSelector.kernels(), r0, r1, 0, hs, hs, xg, xgOff, hg, c, h, act, actOff, tanhC, tcOff);
  }

  /** {@link #lstmForward} over the hidden units {@code [u0, u1)} only (see {@link #lstmForward(Kernels, int, int,
   * int, int, int, float[], int, float[], float[], float[], float[], int, float[], int)}). */
  public static void lstmForward(int r0, int r1, int u0, int u1, int hs, float[] xg, int xgOff, float[] hg,
      float[] c, float[] h, float[] act, int actOff, float[] tanhC, int tcOff) {
    lstmForward(KernelSelector.kernels(), r0, r1, u0, u1, hs, xg, xgOff, hg, c, h, act, actOff, tanhC, tcOff);
  }

  static void lstmForward(Kernels k, int r0, int r1, int hs, float[] xg, int xgOff, float[] hg, float[] c,
      float[] h, float[] act, int actOff, float[] tanhC, int tcOff) {
    lstmForward(k, r0, r1, 0, hs, hs, xg, xgOff, hg, c, h, act, actOff, tanhC, tcOff);
  }

  /**
   * {@link #lstmForward} on given kernels, for the hidden units {@code [u0, u1)} of each row: every activation runs
   * lanewise over that slice of one gate block (the i, f, g and o slices of a unit are what its update needs), then
   * the cell update and tanh(c). Units are independent, so callers may split them over threads; a split whose inner
   * bounds are multiples of the vector length gives the same bits as one call (the scalar tails fall on the same
   * units). Without saving, one row of scratch stands in for {@code act} and {@code tanhC}.
   */
  static void lstmForward(Kernels k, int r0, int r1, int u0, int u1, int hs, float[] xg, int xgOff, float[] hg,
      float[] c, float[] h, float[] act, int actOff, float[] tanhC, int tcOff) {
    int g4 = 4 * hs;
    int w = u1 - u0;
    boolean save = act != null;
    float[] gates = save ? act : new float[g4]; // (., 4H) i,f,g,o of the current row
    float[] tc = save ? tanhC : new float[hs]; // (., H) tanh(c) of the current row
    float[] ig = new float[hs]; // (H) i*g
    for (int r = r0; r < r1; r++) {
      int go = (save ? actOff + r * g4 : 0) + u0; // gate q of unit u0 at go + q * hs
      int xo = xgOff + r * g4 + u0;
      int ho = r * g4 + u0;
      int to = (save ? tcOff + r * hs : 0) + u0;
      int so = r * hs + u0;
      for (int q = 0; q < 4; q++) {
        k.add(gates, go + q * hs, xg, xo + q * hs, hg, ho + q * hs, w);
      }
      k.sigmoid(gates, go, gates, go, w); // i
      k.sigmoid(gates, go + hs, gates, go + hs, w); // f
      k.tanh(gates, go + 2 * hs, gates, go + 2 * hs, w); // g
      k.sigmoid(gates, go + 3 * hs, gates, go + 3 * hs, w); // o
      k.mul(ig, u0, gates, go, gates, go + 2 * hs, w);
      k.mul(c, so, gates, go + hs, c, so, w);
      k.add(c, so, c, so, ig, u0, w); // c = f*c + i*g, rounded as the scalar expression
      k.tanh(tc, to, c, so, w);
      k.mul(h, so, gates, go + 3 * hs, tc, to, w); // h = o*tanh(c)
    }
  }

  /**
   * LSTM step backward.
   *
   * @param dh (n, H) gradient of the new hidden state (read)
   * @param dc (n, H) gradient of the new cell state in, of the previous cell state out
   * @param dG (., 4H) gate pre-activation gradients out at {@code dgOff}
   */
  public static void lstmBackward(int r0, int r1, int hs, float[] dh, float[] dc, float[] act, int actOff,
      float[] tanhC, int tcOff, float[] cPrev, int cpOff, float[] dG, int dgOff) {
    int g4 = 4 * hs;
    for (int r = r0; r < r1; r++) {
      int so = r * hs;
      int k0 = VECTOR ? VectorGateKernels.lstmBackwardRow(hs, dh, dc, so, act, actOff + r * g4, tanhC, tcOff + so,
          cPrev, cpOff + so, dG, dgOff + r * g4) : 0;
      for (int k = k0; k < hs; k++) {
        int a = actOff + r * g4 + k;
        float i = act[a];
        float f = act[a + hs];
        float g = act[a + 2 * hs];
        float o = act[a + 3 * hs];
        float tc = tanhC[tcOff + so + k];
        float d = dh[so + k];
        float dcn = dc[so + k] + d * o * (1 - tc * tc);
        int q = dgOff + r * g4 + k;
        dG[q] = dcn * g * i * (1 - i);
        dG[q + hs] = dcn * cPrev[cpOff + so + k] * f * (1 - f);
        dG[q + 2 * hs] = dcn * i * (1 - g * g);
        dG[q + 3 * hs] = d * tc * o * (1 - o);
        dc[so + k] = dcn * f;
      }
    }
  }

  /**
   * GRU step: {@code r, z = sigmoid(.)}, {@code n = tanh(xg_n + r*hg_n)}, {@code h = (1-z)*n + z*h}.
   *
   * @param h (n, H) previous hidden state in, new one out
   * @param act saved (., 3H) r,z,n at {@code actOff}, or null
   * @param hgN saved (., H) {@code W_hn h + b_hn} at {@code hnOff}, or null (null exactly when act is)
   */
  public static void gruForward(int r0, int r1, int hs, float[] xg, int xgOff, float[] hg, float[] h,
      float[] act, int actOff, float[] hgN, int hnOff) {
    gruForward(KernelSelector.kernels(), r0, r1, 0, hs, hs, xg, xgOff, hg, h, h, act, actOff, hgN, hnOff);
  }

  /**
   * {@link #gruForward} over the hidden units {@code [u0, u1)}, reading the previous state from {@code hIn} and
   * writing the new one to {@code hOut} (which may be the same array).
   */
  public static void gruForward(int r0, int r1, int u0, int u1, int hs, float[] xg, int xgOff, float[] hg,
      float[] hIn, float[] hOut, float[] act, int actOff, float[] hgN, int hnOff) {
    gruForward(KernelSelector.kernels(), r0, r1, u0, u1, hs, xg, xgOff, hg, hIn, hOut, act, actOff, hgN, hnOff);
  }

  static void gruForward(Kernels k, int r0, int r1, int hs, float[] xg, int xgOff, float[] hg, float[] h,
      float[] act, int actOff, float[] hgN, int hnOff) {
    gruForward(k, r0, r1, 0, hs, hs, xg, xgOff, hg, h, h, act, actOff, hgN, hnOff);
  }

  /**
   * {@link #gruForward} on given kernels, for the hidden units {@code [u0, u1)}: lanewise over that slice of the r, z
   * and n blocks (split over threads as {@link #lstmForward(Kernels, int, int, int, int, int, float[], int, float[],
   * float[], float[], float[], int, float[], int)} says).
   */
  static void gruForward(Kernels k, int r0, int r1, int u0, int u1, int hs, float[] xg, int xgOff, float[] hg,
      float[] hIn, float[] hOut, float[] act, int actOff, float[] hgN, int hnOff) {
    int g3 = 3 * hs;
    int w = u1 - u0;
    boolean save = act != null;
    float[] gates = save ? act : new float[g3]; // (., 3H) r,z,n of the current row
    for (int r = r0; r < r1; r++) {
      int xo = xgOff + r * g3 + u0;
      int ho = r * g3 + u0;
      int go = (save ? actOff + r * g3 : 0) + u0;
      int so = r * hs;
      if (save) {
        System.arraycopy(hg, ho + 2 * hs, hgN, hnOff + so + u0, w);
      }
      k.add(gates, go, xg, xo, hg, ho, w);
      k.add(gates, go + hs, xg, xo + hs, hg, ho + hs, w);
      k.sigmoid(gates, go, gates, go, w); // r
      k.sigmoid(gates, go + hs, gates, go + hs, w); // z
      int no = go + 2 * hs;
      k.mul(gates, no, gates, go, hg, ho + 2 * hs, w); // r * hg_n
      k.add(gates, no, xg, xo + 2 * hs, gates, no, w);
      k.tanh(gates, no, gates, no, w); // n
      for (int j = 0; j < w; j++) { // plain arithmetic: C2 vectorizes it
        float z = gates[go + hs + j];
        hOut[so + u0 + j] = (1 - z) * gates[no + j] + z * hIn[so + u0 + j];
      }
    }
  }

  /**
   * GRU step backward.
   *
   * @param dh (n, H) gradient of the new hidden state in; out: the direct part {@code dh*z} of the previous state's
   *     gradient (the caller adds {@code dGh W_hh})
   * @param dGi (., 3H) gradients of the input-side pre-activations out at {@code dgOff}
   * @param dGh (., 3H) gradients of the hidden-side pre-activations ({@code hg}) out at {@code dghOff}
   */
  public static void gruBackward(int r0, int r1, int hs, float[] dh, float[] hPrev, int hpOff, float[] act, int actOff,
      float[] hgN, int hnOff, float[] dGi, int dgOff, float[] dGh, int dghOff) {
    int g3 = 3 * hs;
    for (int r = r0; r < r1; r++) {
      int so = r * hs;
      int k0 = VECTOR ? VectorGateKernels.gruBackwardRow(hs, dh, so, hPrev, hpOff + so, act, actOff + r * g3, hgN,
          hnOff + so, dGi, dgOff + r * g3, dGh, dghOff + r * g3) : 0;
      for (int k = k0; k < hs; k++) {
        int a = actOff + r * g3 + k;
        float rg = act[a];
        float z = act[a + hs];
        float nn = act[a + 2 * hs];
        float d = dh[so + k];
        float dnPre = d * (1 - z) * (1 - nn * nn);
        float dzPre = d * (hPrev[hpOff + so + k] - nn) * z * (1 - z);
        float drPre = dnPre * hgN[hnOff + so + k] * rg * (1 - rg);
        int q = dgOff + r * g3 + k;
        int qh = dghOff + r * g3 + k;
        dGi[q] = drPre;
        dGh[qh] = drPre;
        dGi[q + hs] = dzPre;
        dGh[qh + hs] = dzPre;
        dGi[q + 2 * hs] = dnPre;
        dGh[qh + 2 * hs] = dnPre * rg;
        dh[so + k] = d * z;
      }
    }
  }

  /**
   * Elman step: {@code h = act(xg + hg)} with tanh or relu.
   *
   * @param act saved (., H) new hidden state at {@code actOff}, or null
   */
  public static void rnnForward(int r0, int r1, int hs, boolean relu, float[] xg, int xgOff, float[] hg, float[] h,
      float[] act, int actOff) {
    rnnForward(KernelSelector.kernels(), r0, r1, 0, hs, hs, relu, xg, xgOff, hg, h, act, actOff);
  }

  /** {@link #rnnForward} over the hidden units {@code [u0, u1)}. */
  public static void rnnForward(int r0, int r1, int u0, int u1, int hs, boolean relu, float[] xg, int xgOff,
      float[] hg, float[] h, float[] act, int actOff) {
    rnnForward(KernelSelector.kernels(), r0, r1, u0, u1, hs, relu, xg, xgOff, hg, h, act, actOff);
  }

  static void rnnForward(Kernels k, int r0, int r1, int hs, boolean relu, float[] xg, int xgOff, float[] hg,
      float[] h, float[] act, int actOff) {
    rnnForward(k, r0, r1, 0, hs, hs, relu, xg, xgOff, hg, h, act, actOff);
  }

  /** {@link #rnnForward} on given kernels, for the hidden units {@code [u0, u1)}. */
  static void rnnForward(Kernels k, int r0, int r1, int u0, int u1, int hs, boolean relu, float[] xg, int xgOff,
      float[] hg, float[] h, float[] act, int actOff) {
    int w = u1 - u0;
    for (int r = r0; r < r1; r++) {
      int so = r * hs + u0;
      k.add(h, so, xg, xgOff + so, hg, so, w);
      if (relu) {
        for (int j = so; j < so + w; j++) {
          h[j] = h[j] > 0 ? h[j] : 0f;
        }
      } else {
        k.tanh(h, so, h, so, w);
      }
      if (act != null) {
        System.arraycopy(h, so, act, actOff + so, w);
      }
    }
  }

  /** Elman step backward: {@code dG = dh * act'}. */
  public static void rnnBackward(int r0, int r1, int hs, boolean relu, float[] dh, float[] act, int actOff, float[] dG,
      int dgOff) {
    for (int r = r0; r < r1; r++) {
      int so = r * hs;
      for (int k = 0; k < hs; k++) {
        float y = act[actOff + so + k];
        float d = dh[so + k];
        dG[dgOff + so + k] = relu ? (y > 0 ? d : 0f) : d * (1 - y * y);
      }
    }
  }
}
