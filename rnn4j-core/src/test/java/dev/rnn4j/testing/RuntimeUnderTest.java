package dev.rnn4j.testing;

import dev.rnn4j.runtime.RuntimeSettings;
import dev.rnn4j.tensor.gemm.Gemm;
import dev.rnn4j.tensor.kernel.KernelSelector;

/**
 * What the process under test actually runs: the GEMM backend and the kernel width. The one place where tests read
 * the runtime's choices, so that a change in how the runtime exposes them is adapted here only.
 */
public final class RuntimeUnderTest {
  private RuntimeUnderTest() {}

  /** {@code "openblas"}, {@code "java-packed"} or {@code "java-netlib"}. */
  public static String backend() {
    return Gemm.implementation();
  }

  /** The kernels' vector width in bits, 0 for the scalar kernels. */
  public static int kernelWidth() {
    return RuntimeSettings.current().effectiveVectorBits();
  }

  /** The JVM's preferred vector width in bits, or 0 when the Vector API module is not loaded. */
  public static int preferredWidth() {
    if (!KernelSelector.vectorApiAvailable()) {
      return 0;
    }
    try {
      Class<?> species = Class.forName("jdk.incubator.vector.VectorShape");
      Object shape = species.getMethod("preferredShape").invoke(null);
      return (Integer) species.getMethod("vectorBitSize").invoke(shape);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read the preferred vector shape", e);
    }
  }

  /** A one-line account for failure messages. */
  public static String describe() {
    return "backend " + backend() + ", kernels " + KernelSelector.kernels().name();
  }
}
