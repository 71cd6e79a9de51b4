package dev.rnn4j.optim;

import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The base of every optimizer: one update loop over (parameter, gradient, state) per group, as PyTorch's
 * {@code torch.optim.Optimizer}. Parameters without a gradient are skipped (their state is not touched). State is
 * keyed by parameter name ({@code state.<param>.<buffer>} in {@link #stateDict()}), never by object identity, so a
 * checkpoint loads into a freshly built model.
 */
public abstract class Optimizer {
  private final List<ParamGroup> groups;
  private final Map<String, Map<String, Tensor>> state = new LinkedHashMap<>();

  /** An optimizer over {@code groups}, each with its own hyperparameters (PyTorch's {@code param_groups}); at least one. */
  protected Optimizer(List<ParamGroup> groups) {
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("optimizer got an empty parameter list");
    }
    Set<String> seen = new HashSet<>();
    for (ParamGroup g : groups) {
      for (String name : g.params().keySet()) {
        if (!seen.add(name)) {
          throw new IllegalArgumentException("some parameters appear in more than one parameter group: " + name);
        }
      }
    }
    this.groups = List.copyOf(groups);
  }

  /** The groups, in order. */
  public final List<ParamGroup> paramGroups() {
    return groups;
  }

  /** Sets every group's learning rate (what a schedule does each step). */
  public final void setLr(double lr) {
    for (ParamGroup g : groups) {
      g.setLr(lr);
    }
  }

  /** The first group's learning rate. */
  public final double lr() {
    return groups.get(0).lr();
  }

  /**
   * Applies one update to every parameter that has a gradient. The whole step is one write section over those
   * parameters (NOTE [tensor versions]): a recurrent module running inference on another thread sees its weights as
   * they were before the step or after it, and once {@code step()} has returned, never the old ones.
   */
  public final void step() {
    List<Tensor> updated = new ArrayList<>();
    for (ParamGroup g : groups) {
      for (Tensor p : g.params().values()) {
        if (p.grad() != null) {
          updated.add(p);
        }
      }
    }
    try (TensorVersion.WriteSection w = TensorVersion.beginWrite(updated)) {
      for (ParamGroup g : groups) {
        for (var e : g.params().entrySet()) {
          Tensor p = e.getValue();
          Tensor grad = p.grad();
          if (grad == null) {
            continue;
          }
          Map<String, Tensor> st = state.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>());
          update(p.data(), grad.data(), st, p.shape(), g);
        }
      }
    }
  }

  /**
   * Updates one parameter in place.
   *
   * @param p the parameter's values
   * @param grad its gradient (same length; do not modify)
   * @param state this parameter's buffers, empty before its first step; create them with {@link #buffer}
   */
  protected abstract void update(float[] p, float[] grad, Map<String, Tensor> state, Shape shape, ParamGroup group);

  /** The buffer {@code key} of a parameter's state, created as zeros of {@code shape} on first use. */
  protected static float[] buffer(Map<String, Tensor> state, String key, Shape shape) {
    return state.computeIfAbsent(key, k -> Tensor.zeros(shape)).data();
  }

  /** Clears every parameter's gradient. */
  public final void zeroGrad() {
    for (ParamGroup g : groups) {
      for (Tensor p : g.params().values()) {
        p.zeroGrad();
      }
    }
  }

  /**
   * The optimizer state as named tensors, {@code state.<param>.<buffer>} for every buffer (copies). Learning rates
   * are not part of it: they come from the schedule and the step, which a checkpoint stores beside it.
   */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    state.forEach((name, bufs) -> bufs.forEach((k, v) -> out.put("state." + name + "." + k, v.copy())));
    return out;
  }

  /**
   * Replaces the state with {@code dict} (as written by {@link #stateDict()}). Every key must name a parameter of this
   * optimizer with a buffer of the right shape; otherwise nothing changes and the error names the offending key.
   */
  public final void loadStateDict(Map<String, Tensor> dict) {
    Map<String, Tensor> params = new LinkedHashMap<>();
    for (ParamGroup g : groups) {
      params.putAll(g.params());
    }
    Map<String, Map<String, Tensor>> fresh = new LinkedHashMap<>();
    for (var e : dict.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("state.")) {
        throw new IllegalArgumentException("unexpected optimizer state key '" + key + "' (expected state.<param>.<buffer>)");
      }
      int dot = key.lastIndexOf('.');
      String name = key.substring("state.".length(), Math.max(dot, "state.".length()));
      String buf = key.substring(dot + 1);
      Tensor p = params.get(name);
      if (p == null || dot <= "state.".length()) {
        throw new IllegalArgumentException(
            "optimizer state names parameter '" + name + "', which this optimizer does not have");
      }
      Tensor v = e.getValue();
      if (!buf.equals("step") && !v.shape().equals(p.shape())) {
        throw new IllegalArgumentException(
            "optimizer state " + key + " has shape " + v.shape() + ", expected " + p.shape());
      }
      fresh.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(buf, Tensor.wrap(v.toFloatArray(), v.shape()));
    }
    state.clear();
    state.putAll(fresh);
  }

  /** Names of the parameters that have state (those that have taken a step). */
  public final List<String> statefulParameters() {
    return new ArrayList<>(state.keySet());
  }

  static void checkNonNegative(String what, double v) {
    if (!(v >= 0)) {
      throw new IllegalArgumentException("Invalid " + what + ": " + v);
    }
  }

  /** Reads and increments the {@code step} counter of a parameter's state (a float scalar, as PyTorch 1.13). */
  protected static long nextStep(Map<String, Tensor> state) {
    Tensor s = state.computeIfAbsent("step", k -> Tensor.scalar(0f));
    float[] d = s.data();
    d[0] += 1;
    return (long) d[0];
  }
}
