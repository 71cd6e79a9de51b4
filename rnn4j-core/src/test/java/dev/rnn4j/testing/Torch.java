package dev.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's PyTorch ({@code /usr/bin/python3} with {@code torch}) for the tests that check rnn4j's files from PyTorch's
 * side. On a developer's machine without it those tests are skipped (reported as skipped, never passed); under
 * {@code CI=true} a missing PyTorch fails them, since {@code .ci/run} installs it.
 */
public final class Torch {
  /** Debian's Python, where python3-torch installs; {@code -Drnn4j.python=PATH} names another. */
  private static final Path PYTHON = Path.of(System.getProperty("rnn4j.python", "/usr/bin/python3"));
  private static Boolean present;

  private Torch() {}

  /** Skips the calling test without PyTorch, or fails it under {@code CI=true}. */
  public static void require() {
    if (available()) {
      return;
    }
    String why = PYTHON + " cannot import torch (Debian: apt-get install --no-install-recommends python3-torch)";
    if ("true".equals(System.getenv("CI"))) {
      fail("CI=true but " + why + "; .ci/run installs it, so this is a broken CI machine, not a skip");
    }
    Assumptions.abort(why);
  }

  public static synchronized boolean available() {
    if (present == null) {
      present = Files.isExecutable(PYTHON) && exec(List.of(PYTHON.toString(), "-c", "import torch"), 120).code == 0;
    }
    return present;
  }

  /** A script under {@code scripts/fixtures/} of the repository (tests run in a module directory). */
  public static Path fixtureScript(String name) {
    Path p = Path.of("..", "scripts", "fixtures", name).toAbsolutePath().normalize();
    assertTrue(Files.exists(p), "missing " + p);
    return p;
  }

  /** Runs {@code python3 script args...}, requires exit 0 within the limit, and returns its output. */
  public static String runScript(Path script, String... args) {
    require();
    List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
    cmd.addAll(List.of(args));
    Result r = exec(cmd, 240);
    assertEquals(0, r.code, String.join(" ", cmd) + " failed:\n" + r.out);
    System.out.print(r.out); // the CI log shows what PyTorch loaded
    return r.out;
  }

  private record Result(int code, String out) {}

  private static Result exec(List<String> cmd, int seconds) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", cmd) + " did not finish in " + seconds + " s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
