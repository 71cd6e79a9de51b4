package dev.rnn4j.tensor.kernel;

import dev.rnn4j.runtime.RuntimeSettings;
import java.util.logging.Logger;

/**
 * The process's kernels, chosen once from {@link RuntimeSettings#current()}: the Vector API kernels at the settings'
 * width ({@link RuntimeSettings#effectiveVectorBits()}) when {@code jdk.incubator.vector} is in the boot layer (start
 * the JVM with {@code --add-modules jdk.incubator.vector}), else the scalar kernels. {@link #vector(int)} gives the
 * kernels of any width, which is how the tests cover every width in one JVM (a width the CPU lacks still computes
 * correctly, only slowly).
 */
public final class KernelSelector {
  private static final Logger LOG = Logger.getLogger(KernelSelector.class.getName());
  private static final Kernels KERNELS = choose(RuntimeSettings.current());

  private KernelSelector() {}

  /** The kernels chosen for this process. */
  public static Kernels kernels() {
    return KERNELS;
  }

  /** True when the incubating Vector API module is loaded. */
  public static boolean vectorApiAvailable() {
    return RuntimeSettings.vectorApiLoaded();
  }

  /**
   * Vector kernels of a given width (0 for the machine's preferred one), with the process's choice of lanewise math,
   * or {@code null} when the module is absent.
   */
  public static Kernels vector(int bits) {
    return vector(bits, RuntimeSettings.current().lanewiseMath());
  }

  /** Vector kernels of a given width and choice of lanewise math, or {@code null} when the module is absent. */
  public static Kernels vector(int bits, boolean lanewiseMath) {
    if (!vectorApiAvailable()) {
      return null;
    }
    try {
      Class<?> c = Class.forName("dev.rnn4j.tensor.kernel.VectorKernels");
      return (Kernels) c.getMethod("forBits", int.class, boolean.class).invoke(null, bits, lanewiseMath);
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.warning("Vector API present but its kernels failed to load: " + e);
      return null;
    }
  }

  /** The kernels for {@code settings}: vector kernels at its width, or the scalar ones. */
  static Kernels choose(RuntimeSettings settings) {
    int bits = settings.effectiveVectorBits();
    Kernels k = bits == 0 ? null : vector(bits, settings.lanewiseMath());
    Kernels chosen = k != null ? k : new ScalarKernels();
    LOG.fine(() -> "rnn4j kernels: " + chosen.name());
    return chosen;
  }
}
