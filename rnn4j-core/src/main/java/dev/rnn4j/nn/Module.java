package dev.rnn4j.nn;

import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorVersion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The base of every layer and model, with PyTorch's contract: parameters and child modules registered under names,
 * {@link #namedParameters()} in registration order with dotted names ({@code rnn.weight_ih_l0}), a state dict with
 * the same keys, {@link #train()}/{@link #eval()} and {@link #zeroGrad()}.
 */
public abstract class Module {
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean training = true;

  /** Registers a parameter under {@code name}; it becomes a leaf that requires grad. Returns it. */
  protected final Tensor registerParameter(String name, Tensor value) {
    checkName(name);
    if (value.gradFn() != null) {
      throw new IllegalArgumentException("parameter '" + name + "' must be a leaf tensor, not the result of an op");
    }
    value.requiresGrad(true);
    parameters.put(name, value);
    return value;
  }

  /** Registers a child module under {@code name}. Returns it. */
  protected final <M extends Module> M registerModule(String name, M module) {
    checkName(name);
    children.put(name, module);
    module.train(training);
    return module;
  }

  private void checkName(String name) {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("a parameter or module name must be non-empty without '.', got '" + name + "'");
    }
    if (parameters.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException("attribute '" + name + "' already exists");
    }
  }

  /** Every parameter with its dotted name, own parameters first, then each child's, in registration order. */
  public final Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out);
    return Collections.unmodifiableMap(out);
  }

  private void collect(String prefix, Map<String, Tensor> out) {
    parameters.forEach((k, v) -> out.put(prefix + k, v));
    children.forEach((k, m) -> m.collect(prefix + k + ".", out));
  }

  /** The parameters, in {@link #namedParameters()} order. */
  public final List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** Direct children by name. */
  public final Map<String, Module> namedChildren() {
    return Collections.unmodifiableMap(children);
  }

  /** Total number of parameter elements. */
  public final long parameterCount() {
    long n = 0;
    for (Tensor t : namedParameters().values()) {
      n += t.numel();
    }
    return n;
  }

  /**
   * The state dict: every parameter under its dotted name, detached (sharing storage, as PyTorch's does), in
   * {@link #namedParameters()} order.
   */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    namedParameters().forEach((k, v) -> out.put(k, v.detach()));
    return out;
  }

  /** Missing and unexpected keys of a {@link #loadStateDict} call, as PyTorch reports them. */
  public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
/** Copies both lists, so the result cannot change afterwards. */
    public LoadResult {
      missingKeys = List.copyOf(missingKeys);
      unexpectedKeys = List.copyOf(unexpectedKeys);
    }

    /** Whether every expected key was present and none was unexpected. */
    public boolean isClean() {
      return missingKeys.isEmpty() && unexpectedKeys.isEmpty();
    }
  }

  /**
   * Copies values into the parameters by name. A shape mismatch is always an error. With {@code strict}, missing or
   * unexpected keys are an error too, listing them all; otherwise they are returned. Nothing is changed when an error
   * is thrown.
   */
  public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
    Map<String, Tensor> own = namedParameters();
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    List<String> badShape = new ArrayList<>();
    for (var e : own.entrySet()) {
      Tensor v = state.get(e.getKey());
      if (v == null) {
        missing.add(e.getKey());
      } else if (!v.shape().equals(e.getValue().shape())) {
        badShape.add(
            "size mismatch for " + e.getKey() + ": copying a param with shape " + v.shape()
                + " from checkpoint, the shape in current model is " + e.getValue().shape() + ".");
      }
    }
    Set<String> ownKeys = new LinkedHashSet<>(own.keySet());
    for (String k : state.keySet()) {
      if (!ownKeys.contains(k)) {
        unexpected.add(k);
      }
    }
    List<String> errors = new ArrayList<>(badShape);
    if (strict && !missing.isEmpty()) {
      errors.add(0, "Missing key(s) in state_dict: " + quoteAll(missing) + ".");
    }
    if (strict && !unexpected.isEmpty()) {
      errors.add(strict && !missing.isEmpty() ? 1 : 0, "Unexpected key(s) in state_dict: " + quoteAll(unexpected) + ".");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(
          "Error(s) in loading state_dict for " + getClass().getSimpleName() + ":\n\t" + String.join("\n\t", errors));
    }
    List<Tensor> targets = new ArrayList<>();
    for (var e : own.entrySet()) {
      if (state.containsKey(e.getKey())) {
        targets.add(e.getValue());
      }
    }
    // One write section for the whole load (NOTE [tensor versions]): inference on another thread sees all old or all
    // new values.
    try (TensorVersion.WriteSection w = TensorVersion.beginWrite(targets)) {
      for (var e : own.entrySet()) {
        Tensor v = state.get(e.getKey());
        if (v != null) {
          float[] src = v.dtype() == dev.rnn4j.tensor.DType.FLOAT32 ? v.data() : v.toFloatArray();
          System.arraycopy(src, 0, e.getValue().data(), 0, src.length);
        }
      }
    }
    return new LoadResult(missing, unexpected);
  }

  private static String quoteAll(List<String> keys) {
    StringBuilder sb = new StringBuilder();
    for (String k : keys) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append('"').append(k).append('"');
    }
    return sb.toString();
  }

  /** Training mode (dropout active) for this module and every descendant. Returns this. */
  public Module train() {
    return train(true);
  }

  /** Sets training mode on this module and every descendant. */
  public Module train(boolean mode) {
    training = mode;
    children.values().forEach(m -> m.train(mode));
    return this;
  }

  /** Evaluation mode (dropout off). Returns this. */
  public Module eval() {
    return train(false);
  }

  /** Whether the module is in training mode ({@link #train()}), PyTorch's {@code module.training}. */
  public final boolean isTraining() {
    return training;
  }

  /** Clears every parameter's gradient. */
  public final void zeroGrad() {
    for (Tensor p : namedParameters().values()) {
      p.zeroGrad();
    }
  }

  /** Checks a tensor's shape at a module boundary, naming both. */
  protected static void checkShape(String what, Tensor t, Shape expected) {
    if (!t.shape().equals(expected)) {
      throw new IllegalArgumentException("expected " + what + " of shape " + expected + ", got " + t.shape());
    }
  }
}
