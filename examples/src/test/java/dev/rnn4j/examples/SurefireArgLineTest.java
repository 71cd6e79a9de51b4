package dev.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** rnn4j in a user's unit test: Surefire's argLine (see pom.xml) hands the forked JVM the Vector API module. */
class SurefireArgLineTest {
  @Test
  void theTestJvmHasTheVectorApiModule() {
    assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "expected --add-modules jdk.incubator.vector from Surefire's argLine");
  }

  @Test
  void aGruRunsInATest() {
    Gru gru = new Gru(RnnConfig.builder(4, 3).build(), new Generator(0));
    Tensor out = gru.forward(Tensor.zeros(5, 2, 4)).output(); // (L, B, H_in) -> (L, B, H)
    assertEquals(Tensor.zeros(5, 2, 3).shape(), out.shape());
  }
}
