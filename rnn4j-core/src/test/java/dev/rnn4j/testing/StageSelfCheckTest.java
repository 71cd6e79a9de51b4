package dev.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn4j.tensor.gemm.Blas;
import org.junit.jupiter.api.Test;

/**
 * A CI stage says what it means to test ({@code .ci/run} exports {@code RNN4J_EXPECT_BACKEND} and
 * {@code RNN4J_EXPECT_WIDTH}), and this test fails when the process got something else: OpenBLAS that failed to load
 * and fell back to pure Java, a forced width that did not take, the scalar kernels where vectors were meant. Under
 * {@code CI=true} a stage that declares nothing fails too, so no stage runs unchecked.
 */
class StageSelfCheckTest {
  @Test
  void theStageRunsTheBackendAndKernelWidthItClaims() {
    String backend = System.getenv("RNN4J_EXPECT_BACKEND");
    String width = System.getenv("RNN4J_EXPECT_WIDTH");
    boolean ci = "true".equals(System.getenv("CI"));
    if (backend == null && width == null && !ci) {
      return; // a developer's run: nothing claimed
    }
    assertTrue(backend != null && width != null,
        "under CI=true every stage must export RNN4J_EXPECT_BACKEND and RNN4J_EXPECT_WIDTH; got backend=" + backend
            + ", width=" + width);
    assertEquals(backend, RuntimeUnderTest.backend(), "the stage meant to test GEMM backend " + backend + " but got "
        + RuntimeUnderTest.describe() + " (BLAS choice: " + Blas.description() + ")");
    int expected;
    if (width.equals("preferred")) {
      expected = RuntimeUnderTest.preferredWidth();
      assertTrue(expected > 0, "RNN4J_EXPECT_WIDTH=preferred, but the Vector API is not loaded: "
          + RuntimeUnderTest.describe());
    } else {
      try {
        expected = Integer.parseInt(width);
      } catch (NumberFormatException e) {
        fail("RNN4J_EXPECT_WIDTH must be preferred, 0, 128, 256 or 512, got '" + width + "'");
        return;
      }
    }
    assertEquals(expected, RuntimeUnderTest.kernelWidth(), "the stage meant to test kernel width " + width + " ("
        + expected + " bits) but got " + RuntimeUnderTest.describe());
  }
}
