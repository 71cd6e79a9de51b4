package dev.rnn4j.optim;

import dev.rnn4j.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A named set of parameters sharing a learning rate and weight decay (PyTorch's {@code param_groups} entries). The
 * other hyper-parameters belong to the optimizer. Names are the model's {@code namedParameters()} keys; the
 * optimizer keys its state by them, so a checkpoint does not depend on object identity.
 */
public final class ParamGroup {
  private final Map<String, Tensor> params;
  private double lr;
  private final double weightDecay;

  /**
   * A group of {@code params} keyed by name.
   *
   * @throws IllegalArgumentException if {@code params} is empty, {@code lr} or {@code weightDecay} is negative, or a
   *     tensor is not a leaf that requires grad (named in the message)
   */
  public ParamGroup(Map<String, Tensor> params, double lr, double weightDecay) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException("optimizer got an empty parameter list");
    }
    Optimizer.checkNonNegative("learning rate", lr);
    Optimizer.checkNonNegative("weight_decay value", weightDecay);
    for (var e : params.entrySet()) {
      if (!e.getValue().requiresGrad() || !e.getValue().isLeaf()) {
        throw new IllegalArgumentException("can't optimize a non-leaf Tensor or one without requires_grad: " + e.getKey());
      }
    }
    this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    this.lr = lr;
    this.weightDecay = weightDecay;
  }

  /** The parameters by name, in the order given; unmodifiable. PyTorch: {@code group['params']}. */
  public Map<String, Tensor> params() {
    return params;
  }

  /** PyTorch: {@code group['lr']}; {@link LrSchedule#apply} changes it between steps. */
  public double lr() {
    return lr;
  }

  /**
   * Sets the learning rate (PyTorch: {@code group['lr'] = lr}); a negative one is an {@link IllegalArgumentException}.
   */
  public void setLr(double lr) {
    Optimizer.checkNonNegative("learning rate", lr);
    this.lr = lr;
  }

  /** PyTorch: {@code group['weight_decay']}; fixed for the group's life. */
  public double weightDecay() {
    return weightDecay;
  }
}
