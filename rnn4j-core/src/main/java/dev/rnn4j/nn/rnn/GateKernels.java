package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.kernel.ScalarKernels;

/**
 * The fused per-step gate kernels of the recurrent layers: given the input projection {@code xg} (x W_ih^T + b_ih)
 * and the recurrent projection {@code hg} (h W_hh^T + b_hh) of {@code n} active rows, each forward kernel applies
 * every activation and the state update in one pass over the gates, optionally saving what backward needs. Each
 * backward kernel turns the gradient of the new state into the gradient of the gate pre-activations ({@code dG}) and
 * the part of the previous state's gradient that does not go through {@code W_hh}.
 *
 * <p>Legend: {@code n} active rows, {@code H} hidden size, {@code G} gates; {@code xg}, {@code hg} and {@code dG}
 * rows are {@code G*H} wide with the gate blocks in PyTorch's order (LSTM i,f,g,o; GRU r,z,n). Row-aligned arrays
 * ({@code c}, {@code h}, {@code dh}, {@code dc}) start at offset 0 and are {@code H} wide; saved arrays are indexed
 * by packed row and take an offset. {@link GateKernelsReference} is the scalar twin (textbook formulas, one gate at
 * a time, in double) that the tests hold these against.
 */
public final class GateKernels {
  private GateKernels() {}

  static float sigmoid(float v) {
    return ScalarKernels.sigmoid(v);
  }

  /**
   * tanh through the intrinsic {@link Math#exp} in double: {@code 1 - 2 / (e^{2|x|} + 1)} with the sign restored.
   * {@link Math#tanh} is not intrinsified on common JDKs and made up most of the gate time; in double this form is
   * exact to far below float32 rounding (the cancellation near 0 costs relative 1e-12 at worst).
   */
  static float tanh(float v) {
    double a = Math.abs((double) v);
    double t = 1.0 - 2.0 / (Math.exp(2.0 * a) + 1.0);
    return (float) (v < 0 ? -t : t);
  }

  /**
   * LSTM step: {@code c = f*c + i*g}, {@code h = o*tanh(c)}.
   *
   * @param c (n, H) previous cell state in, new cell state out
   * @param h (n, H) new hidden state out
   * @param act saved (., 4H) activated gates i,f,g,o at {@code actOff}, or null
   * @param tanhC saved (., H) tanh of the new cell state at {@code tcOff}, or null
   */
  public static void lstmForward(int n, int hs, float[] xg, int xgOff, float[] hg, float[] c, float[] h,
      float[] act, int actOff, float[] tanhC, int tcOff) {
    int g4 = 4 * hs;
    for (int r = 0; r < n; r++) {
      int xo = xgOff + r * g4;
      int ho = r * g4;
      int so = r * hs;
      for (int k = 0; k < hs; k++) {
        float i = sigmoid(xg[xo + k] + hg[ho + k]);
        float f = sigmoid(xg[xo + hs + k] + hg[ho + hs + k]);
        float g = tanh(xg[xo + 2 * hs + k] + hg[ho + 2 * hs + k]);
        float o = sigmoid(xg[xo + 3 * hs + k] + hg[ho + 3 * hs + k]);
        float cn = f * c[so + k] + i * g;
        float tc = tanh(cn);
        c[so + k] = cn;
        h[so + k] = o * tc;
        if (act != null) {
          int a = actOff + r * g4 + k;
          act[a] = i;
          act[a + hs] = f;
          act[a + 2 * hs] = g;
          act[a + 3 * hs] = o;
          tanhC[tcOff + so + k] = tc;
        }
      }
    }
  }

  /**
   * LSTM step backward.
   *
   * @param dh (n, H) gradient of the new hidden state (read)
   * @param dc (n, H) gradient of the new cell state in, of the previous cell state out
   * @param dG (., 4H) gate pre-activation gradients out at {@code dgOff}
   */
  public static void lstmBackward(int n, int hs, float[] dh, float[] dc, float[] act, int actOff,
      float[] tanhC, int tcOff, float[] cPrev, int cpOff, float[] dG, int dgOff) {
    int g4 = 4 * hs;
    for (int r = 0; r < n; r++) {
      int so = r * hs;
      for (int k = 0; k < hs; k++) {
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
   * @param hgN saved (., H) {@code W_hn h + b_hn} at {@code hnOff}, or null
   */
  public static void gruForward(int n, int hs, float[] xg, int xgOff, float[] hg, float[] h,
      float[] act, int actOff, float[] hgN, int hnOff) {
    int g3 = 3 * hs;
    for (int r = 0; r < n; r++) {
      int xo = xgOff + r * g3;
      int ho = r * g3;
      int so = r * hs;
      for (int k = 0; k < hs; k++) {
        float rg = sigmoid(xg[xo + k] + hg[ho + k]);
        float z = sigmoid(xg[xo + hs + k] + hg[ho + hs + k]);
        float hn = hg[ho + 2 * hs + k];
        float nn = tanh(xg[xo + 2 * hs + k] + rg * hn);
        float hp = h[so + k];
        h[so + k] = (1 - z) * nn + z * hp;
        if (act != null) {
          int a = actOff + r * g3 + k;
          act[a] = rg;
          act[a + hs] = z;
          act[a + 2 * hs] = nn;
          hgN[hnOff + so + k] = hn;
        }
      }
    }
  }

  /**
   * GRU step backward.
   *
   * @param dh (n, H) gradient of the new hidden state in; out: the direct part {@code dh*z} of the previous state's
   *     gradient (the caller adds {@code dGh W_hh})
   * @param dGi (., 3H) gradients of the input-side pre-activations out at {@code dgOff}
   * @param dGh (., 3H) gradients of the hidden-side pre-activations ({@code hg}) out at {@code dgOff}
   */
  public static void gruBackward(int n, int hs, float[] dh, float[] hPrev, int hpOff, float[] act, int actOff,
      float[] hgN, int hnOff, float[] dGi, float[] dGh, int dgOff) {
    int g3 = 3 * hs;
    for (int r = 0; r < n; r++) {
      int so = r * hs;
      for (int k = 0; k < hs; k++) {
        int a = actOff + r * g3 + k;
        float rg = act[a];
        float z = act[a + hs];
        float nn = act[a + 2 * hs];
        float d = dh[so + k];
        float dnPre = d * (1 - z) * (1 - nn * nn);
        float dzPre = d * (hPrev[hpOff + so + k] - nn) * z * (1 - z);
        float drPre = dnPre * hgN[hnOff + so + k] * rg * (1 - rg);
        int q = dgOff + r * g3 + k;
        dGi[q] = drPre;
        dGh[q] = drPre;
        dGi[q + hs] = dzPre;
        dGh[q + hs] = dzPre;
        dGi[q + 2 * hs] = dnPre;
        dGh[q + 2 * hs] = dnPre * rg;
        dh[so + k] = d * z;
      }
    }
  }

  /**
   * Elman step: {@code h = act(xg + hg)} with tanh or relu.
   *
   * @param act saved (., H) new hidden state at {@code actOff}, or null
   */
  public static void rnnForward(int n, int hs, boolean relu, float[] xg, int xgOff, float[] hg, float[] h,
      float[] act, int actOff) {
    for (int r = 0; r < n; r++) {
      int xo = xgOff + r * hs;
      int so = r * hs;
      for (int k = 0; k < hs; k++) {
        float v = xg[xo + k] + hg[so + k];
        float y = relu ? (v > 0 ? v : 0f) : tanh(v);
        h[so + k] = y;
        if (act != null) {
          act[actOff + so + k] = y;
        }
      }
    }
  }

  /** Elman step backward: {@code dG = dh * act'}. */
  public static void rnnBackward(int n, int hs, boolean relu, float[] dh, float[] act, int actOff, float[] dG,
      int dgOff) {
    for (int r = 0; r < n; r++) {
      int so = r * hs;
      for (int k = 0; k < hs; k++) {
        float y = act[actOff + so + k];
        float d = dh[so + k];
        dG[dgOff + so + k] = relu ? (y > 0 ? d : 0f) : d * (1 - y * y);
      }
    }
  }
}
