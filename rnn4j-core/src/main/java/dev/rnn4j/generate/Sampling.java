package dev.rnn4j.generate;

import dev.rnn4j.tensor.Generator;
import java.util.Arrays;

/** Token choice from one row of logits {@code x[off, off + v)}: argmax, log-softmax, filtered sampling. */
final class Sampling {
  private Sampling() {}

  /** The index of the largest logit; ties go to the lowest index (as {@code torch.argmax}). */
  static int argmax(float[] x, int off, int v) {
    int best = 0;
    for (int c = 1; c < v; c++) {
      if (x[off + c] > x[off + best]) {
        best = c;
      }
    }
    return best;
  }

  /** {@code log_softmax(x)[c]}, from the row maximum. */
  static double logSoftmaxAt(float[] x, int off, int v, int c) {
    double m = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < v; k++) {
      m = Math.max(m, x[off + k]);
    }
    double s = 0;
    for (int k = 0; k < v; k++) {
      s += Math.exp(x[off + k] - m);
    }
    return x[off + c] - m - Math.log(s);
  }

  /** Every {@code log_softmax} value of the row. */
  static double[] logSoftmax(float[] x, int off, int v) {
    double m = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < v; k++) {
      m = Math.max(m, x[off + k]);
    }
    double s = 0;
    for (int k = 0; k < v; k++) {
      s += Math.exp(x[off + k] - m);
    }
    double lse = m + Math.log(s);
    double[] out = new double[v];
    for (int k = 0; k < v; k++) {
      out[k] = x[off + k] - lse;
    }
    return out;
  }

  /**
   * The probabilities the sampler draws from: {@code softmax(x / temperature)}, zero outside the {@code topK}
   * largest (ties with the k-th value are kept) and outside the smallest prefix of the sorted distribution whose
   * mass reaches {@code topP}; renormalised.
   */
  static double[] filteredProbs(float[] x, int off, int v, double temperature, int topK, double topP) {
    double[] p = new double[v];
    double m = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < v; k++) {
      m = Math.max(m, x[off + k] / temperature);
    }
    double s = 0;
    for (int k = 0; k < v; k++) {
      p[k] = Math.exp(x[off + k] / temperature - m);
      s += p[k];
    }
    for (int k = 0; k < v; k++) {
      p[k] /= s;
    }
    if (topK > 0 && topK < v) {
      double[] sorted = p.clone();
      Arrays.sort(sorted);
      double kth = sorted[v - topK];
      for (int k = 0; k < v; k++) {
        if (p[k] < kth) {
          p[k] = 0;
        }
      }
    }
    if (topP < 1) {
      Integer[] order = new Integer[v];
      for (int k = 0; k < v; k++) {
        order[k] = k;
      }
      double[] q = p;
      Arrays.sort(order, (a, b) -> Double.compare(q[b], q[a])); // stable: ties keep the lower id first
      double total = 0;
      for (double pk : p) {
        total += pk;
      }
      double cum = 0;
      boolean cut = false;
      for (int idx : order) {
        if (cut) {
          p[idx] = 0;
        } else {
          cum += p[idx] / total;
          cut = cum >= topP;
        }
      }
    }
    double z = 0;
    for (double pk : p) {
      z += pk;
    }
    for (int k = 0; k < v; k++) {
      p[k] /= z;
    }
    return p;
  }

  /** Draws one token from {@link #filteredProbs} with one uniform from {@code gen}. */
  static int sample(float[] x, int off, int v, double temperature, int topK, double topP, Generator gen) {
    double[] p = filteredProbs(x, off, v, temperature, topK, topP);
    double u = gen.nextDouble();
    double cum = 0;
    int last = -1;
    for (int k = 0; k < v; k++) {
      if (p[k] > 0) {
        cum += p[k];
        last = k;
        if (u < cum) {
          return k;
        }
      }
    }
    if (last < 0) { // every probability NaN or zero: the logits held NaN or infinities
      throw new IllegalStateException("cannot sample: the model's logits are not finite (" + firstNonFinite(x, off, v)
          + "); its weights are probably not finite");
    }
    return last; // rounding left u above the final cumulative sum
  }

  private static String firstNonFinite(float[] x, int off, int v) {
    for (int k = 0; k < v; k++) {
      if (!Float.isFinite(x[off + k])) {
        return "logit " + k + " is " + x[off + k];
      }
    }
    return "no finite probability mass";
  }
}
