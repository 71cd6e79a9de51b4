package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Top-level error handling: one program name in every message, and a real {@code --stacktrace}. */
class MainErrorsTest {
  @TempDir Path tmp;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void errorsNameTheProgramOnce() {
    Run top = run("--bogus");
    assertEquals(2, top.code());
    assertEquals("rnn4j: Unknown option: '--bogus' (see 'rnn4j --help')", top.err().strip());
    Run sub = run("inspect");
    assertEquals(2, sub.code());
    assertTrue(sub.err().startsWith("rnn4j inspect: Missing required parameter: 'FILE' (see 'rnn4j inspect --help')"),
        sub.err());
    Run exec = run("inspect", tmp.resolve("missing.pt").toString());
    assertEquals("rnn4j inspect: no such file: " + tmp.resolve("missing.pt"), exec.err().strip());
    for (Run r : List.of(top, sub, exec)) {
      assertFalse(r.err().contains("rnn4j rnn4j"), r.err());
      assertFalse(r.err().contains("\tat "), "no stack trace without --stacktrace: " + r.err());
    }
  }

  @Test
  void stacktraceOptionPrintsTheTraceBeforeOrAfterTheCommand() {
    String missing = tmp.resolve("missing.pt").toString();
    for (String[] args : List.of(new String[] {"--stacktrace", "inspect", missing},
        new String[] {"inspect", missing, "--stacktrace"})) {
      Run r = run(args);
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().contains("java.lang.IllegalArgumentException: no such file: " + missing), r.err());
      assertTrue(r.err().contains("\tat dev.rnn4j.cli.InspectCommand.call"), r.err());
      List<String> lines = r.err().lines().toList();
      assertEquals("rnn4j inspect: no such file: " + missing, lines.get(lines.size() - 1), "the message comes last");
    }
  }

  @Test
  void helpDocumentsStacktrace() {
    assertTrue(run("--help").out().contains("--stacktrace"));
    assertTrue(run("inspect", "--help").out().contains("--stacktrace"));
    assertTrue(run("train", "--help").out().contains("--stacktrace"));
  }
}
