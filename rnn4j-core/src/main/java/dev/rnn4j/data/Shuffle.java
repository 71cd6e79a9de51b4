package dev.rnn4j.data;

import dev.rnn4j.tensor.Generator;
import java.util.ArrayList;
import java.util.List;

/** Seeded shuffling and splitting: the same generator state gives the same order on every machine. */
public final class Shuffle {
  private Shuffle() {}

  /** A random permutation of {@code 0..n-1} (Fisher-Yates, drawing from {@code gen}). */
  public static int[] permutation(int n, Generator gen) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = gen.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** A train/validation split of {@code items}. */
  public record Split<T>(List<T> train, List<T> validation) {}

  /**
   * Shuffles {@code items} with {@code gen} and puts {@code round(validationFraction * n)} of them (at least one
   * when there are two or more items and the fraction is positive) into the validation part.
   */
  public static <T> Split<T> trainValidation(List<T> items, double validationFraction, Generator gen) {
    int[][] idx = indexArrays(items.size(), validationFraction, gen);
    List<T> train = new ArrayList<>();
    List<T> val = new ArrayList<>();
    for (int i : idx[1]) {
      val.add(items.get(i));
    }
    for (int i : idx[0]) {
      train.add(items.get(i));
    }
    return new Split<>(train, val);
  }

  /**
   * The split of {@link #trainValidation} as positions {@code 0..n-1}, {train, validation}, drawing the same numbers
   * from {@code gen}: for corpora too large for a list of their sequences.
   */
  public static int[][] indexArrays(int n, double validationFraction, Generator gen) {
    if (!(validationFraction >= 0 && validationFraction < 1)) {
      throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
    }
    int nVal = (int) Math.round(validationFraction * n);
    if (validationFraction > 0 && nVal == 0 && n >= 2) {
      nVal = 1;
    }
    int[] p = permutation(n, gen);
    return new int[][] {java.util.Arrays.copyOfRange(p, nVal, n), java.util.Arrays.copyOfRange(p, 0, nVal)};
  }
}
