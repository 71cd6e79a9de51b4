package dev.rnn4j.nn.rnn;

/**
 * The scalar twin of {@link GateKernels}: the same signatures, written as the textbook equations one gate block at a
 * time and evaluated in double. Slow and obviously right; the tests compare {@link GateKernels} against it.
 */
public final class GateKernelsReference {
  private GateKernelsReference() {}

  private static double sig(double v) {
    return 1 / (1 + Math.exp(-v));
  }

  /** Pre-activation of gate block {@code g}, unit {@code k}, row {@code r}: {@code xg + hg}. */
  private static double pre(float[] xg, int xgOff, float[] hg, int width, int r, int g, int hs, int k) {
    return (double) xg[xgOff + r * width + g * hs + k] + hg[r * width + g * hs + k];
  }

  /**
   * The double-precision twin of {@code GateKernels.lstmForward} (rows {@code [r0, r1)}, same arguments and results).
   */
  public static void lstmForward(int r0, int r1, int hs, float[] xg, int xgOff, float[] hg, float[] c, float[] h,
      float[] act, int actOff, float[] tanhC, int tcOff) {
    int w = 4 * hs;
    for (int r = r0; r < r1; r++) {
      double[] i = new double[hs];
      double[] f = new double[hs];
      double[] g = new double[hs];
      double[] o = new double[hs];
      for (int k = 0; k < hs; k++) {
        i[k] = sig(pre(xg, xgOff, hg, w, r, 0, hs, k));
      }
      for (int k = 0; k < hs; k++) {
        f[k] = sig(pre(xg, xgOff, hg, w, r, 1, hs, k));
      }
      for (int k = 0; k < hs; k++) {
        g[k] = Math.tanh(pre(xg, xgOff, hg, w, r, 2, hs, k));
      }
      for (int k = 0; k < hs; k++) {
        o[k] = sig(pre(xg, xgOff, hg, w, r, 3, hs, k));
      }
      for (int k = 0; k < hs; k++) {
        double cn = f[k] * c[r * hs + k] + i[k] * g[k];
        c[r * hs + k] = (float) cn;
        h[r * hs + k] = (float) (o[k] * Math.tanh(cn));
        if (act != null) {
          act[actOff + r * w + k] = (float) i[k];
          act[actOff + r * w + hs + k] = (float) f[k];
          act[actOff + r * w + 2 * hs + k] = (float) g[k];
          act[actOff + r * w + 3 * hs + k] = (float) o[k];
          tanhC[tcOff + r * hs + k] = (float) Math.tanh(cn);
        }
      }
    }
  }

  /** The double-precision twin of {@code GateKernels.lstmBackward}. */
  public static void lstmBackward(int r0, int r1, int hs, float[] dh, float[] dc, float[] act, int actOff,
      float[] tanhC, int tcOff, float[] cPrev, int cpOff, float[] dG, int dgOff) {
    int w = 4 * hs;
    for (int r = r0; r < r1; r++) {
      for (int k = 0; k < hs; k++) {
        double i = act[actOff + r * w + k];
        double f = act[actOff + r * w + hs + k];
        double g = act[actOff + r * w + 2 * hs + k];
        double o = act[actOff + r * w + 3 * hs + k];
        double tc = tanhC[tcOff + r * hs + k];
        double dhv = dh[r * hs + k];
        // dL/dc_t collects the carried gradient and the path through h_t = o * tanh(c_t)
        double dct = dc[r * hs + k] + dhv * o * (1 - tc * tc);
        double di = dct * g;
        double df = dct * cPrev[cpOff + r * hs + k];
        double dg = dct * i;
        double dO = dhv * tc;
        dG[dgOff + r * w + k] = (float) (di * i * (1 - i));
        dG[dgOff + r * w + hs + k] = (float) (df * f * (1 - f));
        dG[dgOff + r * w + 2 * hs + k] = (float) (dg * (1 - g * g));
        dG[dgOff + r * w + 3 * hs + k] = (float) (dO * o * (1 - o));
        dc[r * hs + k] = (float) (dct * f);
      }
    }
  }

  /** The double-precision twin of {@code GateKernels.gruForward} (all hidden units). */
  public static void gruForward(int r0, int r1, int hs, float[] xg, int xgOff, float[] hg, float[] h,
      float[] act, int actOff, float[] hgN, int hnOff) {
    int w = 3 * hs;
    for (int r = r0; r < r1; r++) {
      for (int k = 0; k < hs; k++) {
        double rg = sig(pre(xg, xgOff, hg, w, r, 0, hs, k));
        double z = sig(pre(xg, xgOff, hg, w, r, 1, hs, k));
        double hn = hg[r * w + 2 * hs + k];
        double nn = Math.tanh(xg[xgOff + r * w + 2 * hs + k] + rg * hn);
        double hp = h[r * hs + k];
        h[r * hs + k] = (float) ((1 - z) * nn + z * hp);
        if (act != null) {
          act[actOff + r * w + k] = (float) rg;
          act[actOff + r * w + hs + k] = (float) z;
          act[actOff + r * w + 2 * hs + k] = (float) nn;
          hgN[hnOff + r * hs + k] = (float) hn;
        }
      }
    }
  }

  /** The double-precision twin of {@code GateKernels.gruBackward}. */
  public static void gruBackward(int r0, int r1, int hs, float[] dh, float[] hPrev, int hpOff, float[] act, int actOff,
      float[] hgN, int hnOff, float[] dGi, int dgOff, float[] dGh, int dghOff) {
    int w = 3 * hs;
    for (int r = r0; r < r1; r++) {
      for (int k = 0; k < hs; k++) {
        double rg = act[actOff + r * w + k];
        double z = act[actOff + r * w + hs + k];
        double nn = act[actOff + r * w + 2 * hs + k];
        double d = dh[r * hs + k];
        double dn = d * (1 - z);
        double dz = d * (hPrev[hpOff + r * hs + k] - nn);
        double dnPre = dn * (1 - nn * nn);
        double dr = dnPre * hgN[hnOff + r * hs + k];
        dGi[dgOff + r * w + k] = (float) (dr * rg * (1 - rg));
        dGh[dghOff + r * w + k] = (float) (dr * rg * (1 - rg));
        dGi[dgOff + r * w + hs + k] = (float) (dz * z * (1 - z));
        dGh[dghOff + r * w + hs + k] = (float) (dz * z * (1 - z));
        dGi[dgOff + r * w + 2 * hs + k] = (float) dnPre;
        dGh[dghOff + r * w + 2 * hs + k] = (float) (dnPre * rg);
        dh[r * hs + k] = (float) (d * z);
      }
    }
  }

  /** The double-precision twin of {@code GateKernels.rnnForward} (all hidden units). */
  public static void rnnForward(int r0, int r1, int hs, boolean relu, float[] xg, int xgOff, float[] hg, float[] h,
      float[] act, int actOff) {
    for (int r = r0; r < r1; r++) {
      for (int k = 0; k < hs; k++) {
        double v = pre(xg, xgOff, hg, hs, r, 0, hs, k);
        float y = (float) (relu ? Math.max(v, 0) : Math.tanh(v));
        h[r * hs + k] = y;
        if (act != null) {
          act[actOff + r * hs + k] = y;
        }
      }
    }
  }

  /** The double-precision twin of {@code GateKernels.rnnBackward}. */
  public static void rnnBackward(int r0, int r1, int hs, boolean relu, float[] dh, float[] act, int actOff, float[] dG,
      int dgOff) {
    for (int r = r0; r < r1; r++) {
      for (int k = 0; k < hs; k++) {
        double y = act[actOff + r * hs + k];
        double d = dh[r * hs + k];
        dG[dgOff + r * hs + k] = (float) (relu ? (y > 0 ? d : 0) : d * (1 - y * y));
      }
    }
  }
}
