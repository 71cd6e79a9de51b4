package dev.rnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.gemm.Blas;
import dev.rnn4j.tensor.gemm.Gemm;
import dev.rnn4j.tensor.kernel.KernelSelector;
import dev.rnn4j.util.ThreadTeam;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link RuntimeSettings}: parsing, precedence and errors. Whether a CI stage runs the backend and width it declares
 * ({@code RNN4J_EXPECT_BACKEND}, {@code RNN4J_EXPECT_WIDTH}) is checked by {@code testing.StageSelfCheckTest}.
 */
class RuntimeSettingsTest {
  @Test
  void propertiesWinOverTheEnvironmentAndDefaultsFillTheRest() {
    RuntimeSettings s = RuntimeSettings.fromSources(
        Map.of("rnn4j.vectorBits", "256", "rnn4j.stepsByUnits", "false")::get,
        Map.of("RNN4J_VECTOR_BITS", "128", "RNN4J_BLAS", "java", "RNN4J_THREADS", "3",
            "RNN4J_KEEP_PACKED_WEIGHTS", "false", "OPENBLAS_NUM_THREADS", "4")::get);
    assertEquals(256, s.vectorBits());
    assertEquals(RuntimeSettings.Backend.JAVA, s.backend());
    assertEquals(3, s.threads());
    assertFalse(s.stepsByUnits());
    assertFalse(s.keepPackedWeights());
    assertTrue(s.concurrentDirections());
    assertTrue(s.openblasThreadsItself());
    assertTrue(RuntimeSettings.defaults().openblasThreadsItself(), "unset: OpenBLAS uses every core");
    assertFalse(RuntimeSettings.fromSources(k -> null, Map.of("OPENBLAS_NUM_THREADS", "1")::get)
        .openblasThreadsItself());
    RuntimeSettings d = RuntimeSettings.fromSources(k -> null, k -> null);
    assertEquals(RuntimeSettings.defaults(), d);
    assertEquals(RuntimeSettings.AUTO_WIDTH, d.vectorBits());
  }

  @Test
  void badValuesAreRefusedWithWhatWasExpected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RuntimeSettings.fromSources(Map.of("rnn4j.vectorBits", "300")::get, k -> null));
    assertTrue(e.getMessage().contains("0, 128, 256 or 512, got 300"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> RuntimeSettings.fromSources(Map.of("rnn4j.blas", "cuda")::get, k -> null));
    assertTrue(e.getMessage().contains("auto, native or java, got 'cuda'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> RuntimeSettings.fromSources(k -> null, Map.of("RNN4J_STEPS_BY_UNITS", "yes")::get));
    assertTrue(e.getMessage().contains("true or false, got 'yes'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> RuntimeSettings.defaults().withThreads(0));
    assertTrue(e.getMessage().contains("at least 1, got 0"), e.getMessage());
  }

  @Test
  void environmentNamesFollowThePropertyNames() {
    assertEquals("RNN4J_VECTOR_BITS", RuntimeSettings.envName("vectorBits"));
    assertEquals("RNN4J_CONCURRENT_DIRECTIONS", RuntimeSettings.envName("concurrentDirections"));
    assertEquals("RNN4J_BLAS", RuntimeSettings.envName("blas"));
  }

  @Test
  void installingOtherSettingsOnceInUseIsRefused() {
    RuntimeSettings now = RuntimeSettings.current();
    RuntimeSettings.install(now); // the same value: allowed
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RuntimeSettings.install(now.withThreads(now.threads() + 1)));
    assertTrue(e.getMessage().contains("already in use"), e.getMessage());
  }

  @Test
  void theProcessSettingsAreReadOnceAndEveryKernelRunsTheirWidth() {
    RuntimeSettings s = RuntimeSettings.current();
    assertTrue(s == RuntimeSettings.current(), "read once");
    int bits = s.effectiveVectorBits();
    String kernels = KernelSelector.kernels().name();
    assertEquals(bits == 0 ? "scalar" : "vector-" + bits, kernels.replace("/scalar-math", ""));
    if (bits > 0) {
      assertEquals(bits, dev.rnn4j.tensor.kernel.Species.FLOAT.vectorBitSize(), "GEMM and gate kernels' species");
    }
    assertTrue(Blas.instance() != null); // loaded: netlib's properties must be as before (the test JVM sets none)
    assertFalse(System.getProperties().containsKey("dev.ludovic.netlib.blas.nativeLibPath"),
        "rnn4j must not leave netlib's JVM-wide properties set");
    assertFalse(System.getProperties().containsKey("dev.ludovic.netlib.blas.allowNative"));
    assertTrue(Blas.instance() != null);
    assertEquals(RuntimeSettings.current().threads(), ThreadTeam.current().threads(), "the runtime's team");
  }
}
