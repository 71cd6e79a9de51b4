package dev.rnn4j.nn.rnn;

/**
 * Double-precision references of the recurrent cells and of one recurrent layer direction over a padded batch with
 * lengths, written from the equations (STYLE.md 3.9.2), independent of the float32 kernels. Weights are flattened
 * row-major in PyTorch's layout. Legend: {@code I} input, {@code H} hidden, {@code P} output size ({@code H} without
 * projection), {@code G} gates.
 */
final class RefRnn {
  private RefRnn() {}

  private static double sig(double v) {
    return 1 / (1 + Math.exp(-v));
  }

  /** Row {@code r} of {@code w} (rows x cols) dotted with {@code v}, starting at {@code v[vOff]}. */
  private static double dot(double[] w, int r, int cols, double[] v, int vOff) {
    double s = 0;
    for (int k = 0; k < cols; k++) {
      s += w[r * cols + k] * v[vOff + k];
    }
    return s;
  }

  /**
   * One step for one sequence. {@code x} (I) at {@code xOff}, {@code h} (P), {@code c} (H, LSTM only); bias arrays
   * and {@code wHr} (P, H) may be null. Returns {h' (P), c' (H) or null}.
   */
  static double[][] cell(RnnMode mode, double[] x, int xOff, int in, double[] h, double[] c,
      double[] wIh, double[] wHh, double[] bIh, double[] bHh, double[] wHr, int hs) {
    int ps = wHr == null ? hs : wHr.length / hs;
    int g = mode.gates() * hs;
    double[] gi = new double[g];
    double[] gh = new double[g];
    for (int r = 0; r < g; r++) {
      gi[r] = dot(wIh, r, in, x, xOff) + (bIh == null ? 0 : bIh[r]);
      gh[r] = dot(wHh, r, ps, h, 0) + (bHh == null ? 0 : bHh[r]);
    }
    double[] hn = new double[hs];
    double[] cn = null;
    switch (mode) {
      case RNN_TANH, RNN_RELU -> {
        for (int k = 0; k < hs; k++) {
          double v = gi[k] + gh[k];
          hn[k] = mode == RnnMode.RNN_TANH ? Math.tanh(v) : Math.max(0, v);
        }
      }
      case GRU -> {
        for (int k = 0; k < hs; k++) {
          double r = sig(gi[k] + gh[k]);
          double z = sig(gi[hs + k] + gh[hs + k]);
          double n = Math.tanh(gi[2 * hs + k] + r * gh[2 * hs + k]);
          hn[k] = (1 - z) * n + z * h[k];
        }
      }
      case LSTM -> {
        cn = new double[hs];
        for (int k = 0; k < hs; k++) {
          double i = sig(gi[k] + gh[k]);
          double f = sig(gi[hs + k] + gh[hs + k]);
          double gg = Math.tanh(gi[2 * hs + k] + gh[2 * hs + k]);
          double o = sig(gi[3 * hs + k] + gh[3 * hs + k]);
          cn[k] = f * c[k] + i * gg;
          hn[k] = o * Math.tanh(cn[k]);
        }
      }
      default -> throw new AssertionError(mode);
    }
    if (wHr != null) {
      double[] hp = new double[ps];
      for (int r = 0; r < ps; r++) {
        hp[r] = dot(wHr, r, hs, hn, 0);
      }
      hn = hp;
    }
    return new double[][] {hn, cn};
  }

  /**
   * One direction of one layer over padded time-major {@code x} (L, B, I) with {@code lengths}: returns
   * {out (L, B, P) with zeros at padding, h_n (B, P), c_n (B, H) or null}. The reverse direction walks each
   * sequence's valid steps from its last one back to step 0; h0 (B, P) and c0 (B, H) may be null for zeros.
   */
  static double[][] layer(RnnMode mode, double[] x, int len, int batch, int in, int[] lengths, boolean reverse,
      double[] h0, double[] c0, double[] wIh, double[] wHh, double[] bIh, double[] bHh, double[] wHr, int hs) {
    int ps = wHr == null ? hs : wHr.length / hs;
    double[] out = new double[len * batch * ps];
    double[] hN = new double[batch * ps];
    double[] cN = mode == RnnMode.LSTM ? new double[batch * hs] : null;
    for (int b = 0; b < batch; b++) {
      double[] h = new double[ps];
      double[] c = new double[hs];
      if (h0 != null) {
        System.arraycopy(h0, b * ps, h, 0, ps);
      }
      if (c0 != null) {
        System.arraycopy(c0, b * hs, c, 0, hs);
      }
      for (int s = 0; s < lengths[b]; s++) {
        int t = reverse ? lengths[b] - 1 - s : s;
        double[][] r = cell(mode, x, (t * batch + b) * in, in, h, c, wIh, wHh, bIh, bHh, wHr, hs);
        h = r[0];
        c = r[1];
        System.arraycopy(h, 0, out, (t * batch + b) * ps, ps);
      }
      System.arraycopy(h, 0, hN, b * ps, ps);
      if (cN != null) {
        System.arraycopy(c, 0, cN, b * hs, hs);
      }
    }
    return new double[][] {out, hN, cN};
  }

  /** Concatenates arrays, skipping nulls. */
  static double[] concat(double[]... parts) {
    int n = 0;
    for (double[] p : parts) {
      n += p == null ? 0 : p.length;
    }
    double[] r = new double[n];
    int o = 0;
    for (double[] p : parts) {
      if (p != null) {
        System.arraycopy(p, 0, r, o, p.length);
        o += p.length;
      }
    }
    return r;
  }
}
