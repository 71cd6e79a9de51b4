package dev.rnn4j.autograd;

/**
 * Whether operations record the graph, per thread. The counterpart of {@code torch.no_grad()}:
 *
 * <pre>{@code
 * try (var g = GradMode.disable()) {
 *   Tensor logits = model.forward(x);   // no grad_fn, no saved tensors
 * }
 * }</pre>
 */
public final class GradMode implements AutoCloseable {
  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

  private final boolean previous;

  private GradMode(boolean enabled) {
    boolean[] flag = ENABLED.get();
    previous = flag[0];
    flag[0] = enabled;
  }

  /** Turns recording off until the returned scope is closed. Scopes nest. */
  public static GradMode disable() {
    return new GradMode(false);
  }

  /** Turns recording on until the returned scope is closed (inside a {@link #disable()} scope). */
  public static GradMode enable() {
    return new GradMode(true);
  }

  /** Whether the current thread records the graph. */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  @Override
  public void close() {
    ENABLED.get()[0] = previous;
  }
}
