package dev.rnn4j.optim;

import java.util.Arrays;
import java.util.List;

/**
 * A learning rate as a function of the step count, the closed forms of PyTorch 1.13's schedulers. {@code step} is
 * the number of {@code scheduler.step()} calls so far (0 before the first optimizer step). Pure functions of the
 * step, so a resumed run gets its learning rate back from the step alone.
 */
@FunctionalInterface
public interface LrSchedule {
  /** The learning rate to use for the update after {@code step} earlier updates. */
  double lr(long step);

  /** Sets the optimizer's learning rate for {@code step}. */
  default void apply(Optimizer opt, long step) {
    opt.setLr(lr(step));
  }

  /** {@code lr} at every step: what PyTorch does without a scheduler. */
  static LrSchedule constant(double lr) {
    return step -> lr;
  }

  /** {@code StepLR}: {@code base * gamma^(step / stepSize)} (integer division). */
  static LrSchedule step(double base, int stepSize, double gamma) {
    if (stepSize <= 0) {
      throw new IllegalArgumentException("step_size must be positive, got " + stepSize);
    }
    return step -> base * Math.pow(gamma, step / stepSize);
  }

  /** {@code CosineAnnealingLR}: {@code etaMin + (base - etaMin) (1 + cos(π step / tMax)) / 2}. */
  static LrSchedule cosine(double base, long tMax, double etaMin) {
    if (tMax <= 0) {
      throw new IllegalArgumentException("T_max must be positive, got " + tMax);
    }
    return step -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * step / tMax)) / 2;
  }

  /**
   * {@code LinearLR}: the factor goes linearly from {@code startFactor} to {@code endFactor} over {@code totalIters}
   * steps, then stays: {@code base * (start + (end - start) * min(step, total) / total)}.
   */
  static LrSchedule linear(double base, double startFactor, double endFactor, long totalIters) {
    if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1)) {
      throw new IllegalArgumentException(
          "start_factor must be in (0, 1] and end_factor in [0, 1], got " + startFactor + " and " + endFactor);
    }
    if (totalIters <= 0) {
      throw new IllegalArgumentException("total_iters must be positive, got " + totalIters);
    }
    return step -> base * (startFactor + (endFactor - startFactor) * Math.min(step, totalIters) / (double) totalIters);
  }

  /**
   * {@code SequentialLR}: {@code schedules[i]} runs from {@code milestones[i-1]} on, with its own step counted from
   * that milestone.
   */
  static LrSchedule sequential(List<LrSchedule> schedules, long... milestones) {
    if (schedules.size() != milestones.length + 1) {
      throw new IllegalArgumentException(
          "expected " + (schedules.size() - 1) + " milestones for " + schedules.size() + " schedules, got "
              + milestones.length);
    }
    for (int i = 1; i < milestones.length; i++) {
      if (milestones[i] < milestones[i - 1]) {
        throw new IllegalArgumentException("milestones must be non-decreasing, got " + Arrays.toString(milestones));
      }
    }
    List<LrSchedule> s = List.copyOf(schedules);
    long[] m = milestones.clone();
    return step -> {
      int i = 0;
      while (i < m.length && step >= m[i]) {
        i++;
      }
      return s.get(i).lr(i == 0 ? step : step - m[i - 1]);
    };
  }

  /**
   * Linear warm-up from {@code base * startFactor} to {@code base} over {@code warmup} steps, then cosine annealing
   * to {@code etaMin} over the remaining {@code total - warmup} steps (PyTorch: {@code SequentialLR([LinearLR,
   * CosineAnnealingLR], [warmup])}).
   */
  static LrSchedule warmupCosine(double base, double startFactor, long warmup, long total, double etaMin) {
    if (warmup <= 0) {
      return cosine(base, Math.max(1, total), etaMin);
    }
    return sequential(
        List.of(linear(base, startFactor, 1.0, warmup), cosine(base, Math.max(1, total - warmup), etaMin)), warmup);
  }
}
