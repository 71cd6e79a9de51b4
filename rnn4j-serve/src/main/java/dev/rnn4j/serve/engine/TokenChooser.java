package dev.rnn4j.serve.engine;

import dev.rnn4j.tensor.Generator;
import java.util.Arrays;

/**
 * Picks the next token from one row of logits, with the rules of rnn4j's {@code Decoder}: greedy is the argmax (ties
 * to the lowest id); sampling takes {@code softmax(logits / temperature)}, keeps the {@code topK} largest (ties with
 * the k-th kept; 0 = all) and the smallest set of the sorted distribution whose mass reaches {@code topP} (1 = all),
 * renormalises and draws with one uniform from the row's own generator. Scratch arrays are reused: one chooser
 * belongs to one decoding thread.
 */
final class TokenChooser {
  private final int v;
  private final double[] p;
  private final double[] sorted;
  private final Integer[] order;

  TokenChooser(int vocabSize) {
    v = vocabSize;
    p = new double[v];
    sorted = new double[v];
    order = new Integer[v];
  }

  static int argmax(float[] x, int off, int v) {
    int best = 0;
    for (int c = 1; c < v; c++) {
      if (x[off + c] > x[off + best]) {
        best = c;
      }
    }
    return best;
  }

  int sample(float[] x, int off, double temperature, int topK, double topP, Generator gen) {
    double m = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < v; c++) {
      m = Math.max(m, x[off + c] / temperature);
    }
    double s = 0;
    for (int c = 0; c < v; c++) {
      p[c] = Math.exp(x[off + c] / temperature - m);
      s += p[c];
    }
    for (int c = 0; c < v; c++) {
      p[c] /= s;
    }
    if (topK > 0 && topK < v) {
      System.arraycopy(p, 0, sorted, 0, v);
      Arrays.sort(sorted);
      double kth = sorted[v - topK];
      for (int c = 0; c < v; c++) {
        if (p[c] < kth) {
          p[c] = 0;
        }
      }
    }
    if (topP < 1) {
      for (int c = 0; c < v; c++) {
        order[c] = c;
      }
      Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a])); // stable: ties keep the lower id first
      double total = 0;
      for (int c = 0; c < v; c++) {
        total += p[c];
      }
      double cum = 0;
      boolean cut = false;
      for (Integer idx : order) {
        if (cut) {
          p[idx] = 0;
        } else {
          cum += p[idx] / total;
          cut = cum >= topP;
        }
      }
    }
    double z = 0;
    for (int c = 0; c < v; c++) {
      z += p[c];
    }
    double u = gen.nextDouble();
    double cum = 0;
    int last = -1;
    for (int c = 0; c < v; c++) {
      if (p[c] > 0) {
        cum += p[c] / z;
        last = c;
        if (u < cum) {
          return c;
        }
      }
    }
    if (last < 0) {
      throw new IllegalStateException("cannot sample: the model's logits are not finite; its weights are probably not finite");
    }
    return last;
  }
}
