package dev.rnn4j.tensor.kernel;

import java.util.logging.Logger;

/**
 * Picks the kernel implementation once, at first use, and logs the choice once.
 *
 * <p>The Vector API kernels are used when the {@code jdk.incubator.vector} module is in the boot layer (start the JVM
 * with {@code --add-modules jdk.incubator.vector}); otherwise, or with {@code -Drnn4j.vectorBits=0}, the scalar
 * kernels. {@code -Drnn4j.vectorBits=128|256|512} forces a width (a width the CPU lacks still computes correctly,
 * only slowly, which is how tests cover every width).
 */
public final class KernelSelector {
  private static final Logger LOG = Logger.getLogger(KernelSelector.class.getName());
  private static final Kernels KERNELS = choose();

  private KernelSelector() {}

  /** The kernels chosen for this process. */
  public static Kernels kernels() {
    return KERNELS;
  }

  /** True when the incubating Vector API module is loaded. */
  public static boolean vectorApiAvailable() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /**
   * Vector kernels of a given width (0 for the preferred one), or {@code null} when the module is absent. Tests use
   * this to compare every width against the scalar twin.
   */
  public static Kernels vector(int bits) {
    if (!vectorApiAvailable()) {
      return null;
    }
    try {
      Class<?> c = Class.forName("dev.rnn4j.tensor.kernel.VectorKernels");
      return (Kernels) c.getMethod("forBits", int.class).invoke(null, bits);
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.warning("Vector API present but its kernels failed to load: " + e);
      return null;
    }
  }

  private static Kernels choose() {
    String prop = System.getProperty("rnn4j.vectorBits");
    int bits = prop == null ? -1 : Integer.parseInt(prop.trim());
    Kernels k = bits == 0 ? null : vector(Math.max(bits, 0));
    String why =
        bits == 0
            ? "rnn4j.vectorBits=0"
            : vectorApiAvailable() ? "" : "jdk.incubator.vector not loaded (add --add-modules jdk.incubator.vector)";
    if (k == null) {
      k = new ScalarKernels();
    }
    final Kernels chosen = k;
    LOG.info(() -> "rnn4j kernels: " + chosen.name() + (why.isEmpty() ? "" : " (" + why + ")"));
    return k;
  }
}
