package dev.rnn4j.examples;

import dev.rnn4j.tensor.Tensor;
import java.util.Objects;

/**
 * Checks for the example programs: each compares what it printed with what the notebook (or the task) says, and the
 * program exits with status 1 at the first mismatch, naming the expected and the actual value.
 */
final class Expect {
  private Expect() {}

  static void equal(String what, Object expected, Object actual) {
    if (!Objects.equals(expected, actual)) {
      fail(what + ": expected " + expected + ", got " + actual);
    }
  }

  static void that(boolean condition, String message) {
    if (!condition) {
      fail(message);
    }
  }

  static void fail(String message) {
    System.out.flush();
    System.err.println("MISMATCH " + message);
    System.exit(1);
  }

  /**
   * Prints where rnn4j-core was loaded from (the named module {@code dev.rnn4j.core} or the class path) and whether
   * the Vector API module is loaded, and checks them against {@code -Drnn4j.examples.path=class|module} and
   * {@code -Drnn4j.examples.vector=true|false} when given, so that a run cannot silently take the other path.
   */
  static void environment() {
    Module core = Tensor.class.getModule();
    String path = core.isNamed() ? "module" : "class";
    boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    System.out.println("rnn4j-core on the " + path + " path" + (core.isNamed() ? " (" + core.getName() + ")" : "")
        + ", Vector API module " + (vector ? "loaded" : "not loaded"));
    String wantPath = System.getProperty("rnn4j.examples.path");
    if (wantPath != null) {
      equal("rnn4j-core's path", wantPath, path);
      if (core.isNamed()) {
        equal("rnn4j-core's module name", "dev.rnn4j.core", core.getName());
      }
    }
    String wantVector = System.getProperty("rnn4j.examples.vector");
    if (wantVector != null) {
      equal("Vector API module loaded", Boolean.parseBoolean(wantVector), vector);
    }
  }
}
