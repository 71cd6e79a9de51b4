package dev.rnn4j.generate;

import dev.rnn4j.tensor.Generator;
import java.util.Arrays;

/**
 * Token choice from one row of logits {@code x[off, off + v)}: argmax, log-softmax, filtered sampling. The static
 * methods allocate what they need; an instance ({@link #Sampling(int)}) reuses its scratch arrays for a decoding loop
 * that picks a token per row per step (one instance per thread: it is not thread-safe), with the same results.
 */
public final class Sampling {
  private final int v;
  private final double[] p;
  private final double[] sorted;
  private final Integer[] order;

  /** A sampler for a vocabulary of {@code vocabSize} tokens, with its own scratch arrays. */
  public Sampling(int vocabSize) {
    if (vocabSize < 1) {
      throw new IllegalArgumentException("vocabulary size must be at least 1, got " + vocabSize);
    }
    v = vocabSize;
    p = new double[v];
    sorted = new double[v];
    order = new Integer[v];
  }

  /**
   * Draws one token from the row {@code x[off, off + vocabSize)}: {@code softmax(x / temperature)}, zero outside the
   * {@code topK} largest (0 = all; ties with the k-th value kept) and outside the smallest prefix of the sorted
   * distribution whose mass reaches {@code topP} (1 = all), renormalised, then one uniform from {@code gen}. The
   * {@link Decoder}'s rule, bit for bit.
   *
   * @throws IllegalStateException when the logits leave no finite probability mass
   */
  public int sample(float[] x, int off, double temperature, int topK, double topP, Generator gen) {
    filter(x, off, v, temperature, topK, topP, p, sorted, order);
    return draw(x, off, v, p, gen);
  }

  /** The index of the largest logit of {@code x[off, off + v)}; ties go to the lowest index (as {@code torch.argmax}). */
  public static int argmax(float[] x, int off, int v) {
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
    filter(x, off, v, temperature, topK, topP, p, new double[v], new Integer[v]);
    return p;
  }

  /** {@link #filteredProbs} into {@code p}, with {@code sorted} and {@code order} as scratch (each at least v long). */
  private static void filter(float[] x, int off, int v, double temperature, int topK, double topP, double[] p,
      double[] sorted, Integer[] order) {
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
      System.arraycopy(p, 0, sorted, 0, v);
      Arrays.sort(sorted, 0, v);
      double kth = sorted[v - topK];
      for (int k = 0; k < v; k++) {
        if (p[k] < kth) {
          p[k] = 0;
        }
      }
    }
    if (topP < 1) {
      for (int k = 0; k < v; k++) {
        order[k] = k;
      }
      Arrays.sort(order, 0, v, (a, b) -> Double.compare(p[b], p[a])); // stable: ties keep the lower id first
      double total = 0;
      for (int k = 0; k < v; k++) {
        total += p[k];
      }
      double cum = 0;
      boolean cut = false;
      for (int i = 0; i < v; i++) {
        int idx = order[i];
        if (cut) {
          p[idx] = 0;
        } else {
          cum += p[idx] / total;
          cut = cum >= topP;
        }
      }
    }
    double z = 0;
    for (int k = 0; k < v; k++) {
      z += p[k];
    }
    for (int k = 0; k < v; k++) {
      p[k] /= z;
    }
  }

  /** Draws one token from {@link #filteredProbs} with one uniform from {@code gen}. */
  static int sample(float[] x, int off, int v, double temperature, int topK, double topP, Generator gen) {
    return draw(x, off, v, filteredProbs(x, off, v, temperature, topK, topP), gen);
  }

  /** The token whose cumulative probability in {@code p} first passes one uniform from {@code gen}. */
  private static int draw(float[] x, int off, int v, double[] p, Generator gen) {
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
