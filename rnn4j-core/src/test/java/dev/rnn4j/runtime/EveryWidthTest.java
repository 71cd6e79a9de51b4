package dev.rnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kernel width in one JVM, for the GEMM and gate kernels too. Their species is a {@code static final} constant
 * (C2 intrinsifies Vector API calls only then), fixed per runtime by {@link RuntimeSettings}; so each width gets a
 * runtime of its own: rnn4j's classes loaded again in a fresh class loader, with settings of that width and the
 * pure-Java GEMM installed before first use. There {@link WidthProbe} checks every GEMM path against the naive twin
 * and runs recurrent layers (inference with kept packed weights and unit-cut steps, training forward and backward),
 * whose results must agree with this JVM's own runtime to float rounding.
 */
class EveryWidthTest {
  @ParameterizedTest(name = "{0} bits")
  @ValueSource(ints = {0, 128, 256, 512})
  void gemmAndRecurrentLayersAgreeAtEveryWidth(int bits) throws Exception {
    assumeTrue(bits == 0 || RuntimeSettings.vectorApiLoaded(), "jdk.incubator.vector is not loaded in this leg");
    try (URLClassLoader loader = isolatedRuntime()) {
      Class<?> rs = loader.loadClass(RuntimeSettings.class.getName());
      Class<?> backend = loader.loadClass(RuntimeSettings.Backend.class.getName());
      Object s = rs.getMethod("defaults").invoke(null);
      s = rs.getMethod("withVectorBits", int.class).invoke(s, bits);
      s = rs.getMethod("withBackend", backend).invoke(s, backend.getField("JAVA").get(null));
      s = rs.getMethod("withThreads", int.class).invoke(s, 2);
      rs.getMethod("install", rs).invoke(null, s);
      Class<?> probe = loader.loadClass(WidthProbe.class.getName());
      assertTrue(probe != WidthProbe.class, "the probe must run in its own runtime");
      String described = (String) probe.getMethod("describe").invoke(null);
      String kernels = bits == 0 ? "scalar" : "vector-" + bits;
      assertTrue(described.startsWith(kernels + " / java-"), "runtime of " + bits + " bits runs " + described);

      double gemm = (Double) probe.getMethod("gemmWorstRelativeError", long.class).invoke(null, 11L);
      assertTrue(gemm < 1e-5, bits + " bits: GEMM against the naive twin, worst error " + gemm);

      @SuppressWarnings("unchecked") // WidthProbe.recurrentResults returns List<float[]>, across class loaders
      List<float[]> there = (List<float[]>) probe.getMethod("recurrentResults", long.class).invoke(null, 12L);
      List<float[]> here = WidthProbe.recurrentResults(12L);
      assertEquals(here.size(), there.size());
      for (int i = 0; i < here.size(); i++) {
        float[] a = here.get(i);
        float[] b = there.get(i);
        assertEquals(a.length, b.length);
        for (int j = 0; j < a.length; j++) {
          double tol = 2e-5 + 2e-4 * Math.abs(a[j]);
          assertTrue(Math.abs(a[j] - b[j]) <= tol, bits + " bits: recurrent result " + i + "[" + j + "] is " + b[j]
              + " against " + a[j] + " in this runtime (" + RuntimeSettings.current().effectiveVectorBits()
              + " bits)");
        }
      }
    }
  }

  /** rnn4j's main and test classes and netlib, loaded apart from this JVM's copies (the JDK is shared). */
  private static URLClassLoader isolatedRuntime() {
    URL main = RuntimeSettings.class.getProtectionDomain().getCodeSource().getLocation();
    URL test = WidthProbe.class.getProtectionDomain().getCodeSource().getLocation();
    URL netlib = dev.ludovic.netlib.blas.BLAS.class.getProtectionDomain().getCodeSource().getLocation();
    return new URLClassLoader(new URL[] {main, test, netlib}, ClassLoader.getPlatformClassLoader());
  }
}
