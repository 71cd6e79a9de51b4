package dev.rnn4j.optim;

import dev.rnn4j.tensor.Tensor;
import java.util.Collection;

/** Gradient clipping, as PyTorch 1.13's {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. */
public final class GradClip {
  private GradClip() {}

  /**
   * {@code clip_grad_norm_(parameters, max_norm)} with PyTorch's default {@code norm_type=2.0}: scales all gradients
   * together so that their global L2 norm is at most {@code maxNorm}, and returns the total norm before clipping. As
   * in PyTorch, a non-finite total norm is not an error (the gradients then become NaN).
   *
   * <pre>{@code
   * loss.backward();
   * double norm = GradClip.clipGradNorm(model.parameters(), 1.0);
   * optimizer.step();
   * }</pre>
   */
  public static double clipGradNorm(Collection<Tensor> params, double maxNorm) {
    return clipGradNorm(params, maxNorm, 2.0);
  }

  /**
   * Scales all gradients together so that their global {@code normType}-norm is at most {@code maxNorm}:
   *
   * <pre>
   *   total = ‖ (‖g₁‖, ‖g₂‖, ...) ‖                (norm of the per-parameter norms; max |g| for inf)
   *   coef  = min(1, maxNorm / (total + 1e-6))      every gradient is multiplied by coef
   * </pre>
   *
   * Parameters without a gradient are skipped.
   *
   * @param normType p of the p-norm ({@code > 0}), or {@link Double#POSITIVE_INFINITY}
   * @return the total norm before clipping (0 when no parameter has a gradient)
   */
  public static double clipGradNorm(Collection<Tensor> params, double maxNorm, double normType) {
    if (!(normType > 0)) {
      throw new IllegalArgumentException("norm_type must be positive or inf, got " + normType);
    }
    boolean inf = Double.isInfinite(normType);
    double acc = 0;
    int count = 0;
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g == null) {
        continue;
      }
      count++;
      float norm = norm(g.data(), normType); // ‖gᵢ‖, rounded to float as PyTorch's per-tensor norm
      acc = inf ? Math.max(acc, norm) : acc + Math.pow(norm, normType);
    }
    if (count == 0) {
      return 0;
    }
    float total = (float) (inf ? acc : Math.pow(acc, 1 / normType));
    float coef = (float) maxNorm / (total + 1e-6f); // clip_coef = max_norm / (total_norm + 1e-6)
    float clamped = Math.min(coef, 1f); // clamp(clip_coef, max=1.0)
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g == null) {
        continue;
      }
      float[] d = g.data();
      for (int i = 0; i < d.length; i++) {
        d[i] *= clamped;
      }
    }
    return total;
  }

  /** The {@code p}-norm of {@code x} accumulated in double. */
  static float norm(float[] x, double p) {
    double s = 0;
    if (Double.isInfinite(p)) {
      for (float v : x) {
        s = Math.max(s, Math.abs(v));
      }
      return (float) s;
    }
    if (p == 2) {
      for (float v : x) {
        s += (double) v * v;
      }
      return (float) Math.sqrt(s);
    }
    for (float v : x) {
      s += Math.pow(Math.abs(v), p);
    }
    return (float) Math.pow(s, 1 / p);
  }

  /** Clamps every gradient element into {@code [-clipValue, clipValue]}. */
  public static void clipGradValue(Collection<Tensor> params, double clipValue) {
    if (!(clipValue >= 0)) {
      throw new IllegalArgumentException("clip_value must be non-negative, got " + clipValue);
    }
    float c = (float) clipValue;
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g == null) {
        continue;
      }
      float[] d = g.data();
      for (int i = 0; i < d.length; i++) {
        d[i] = Math.max(-c, Math.min(c, d[i]));
      }
    }
  }
}
