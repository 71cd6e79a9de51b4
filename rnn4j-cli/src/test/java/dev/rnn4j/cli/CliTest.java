package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The train, generate and eval commands end to end on tiny models, and bad arguments: each gives exit code 2 and one
 * line on stderr, never a stack trace.
 */
class CliTest {
  @TempDir static Path tmp;
  static Path corpus;
  static Path textRun;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static void assertOneLineError(Run r, String expected) {
    assertEquals(2, r.code(), "exit code; stdout: " + r.out() + " stderr: " + r.err());
    String err = r.err().strip();
    assertEquals(1, err.lines().count(), "one line expected, got:\n" + err);
    assertTrue(err.contains(expected), "expected '" + expected + "' in: " + err);
    assertFalse(err.contains("\tat ") || err.contains("Exception"), err);
  }

  @BeforeAll
  static void tinyTextRun() throws IOException {
    corpus = tmp.resolve("corpus.txt");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      sb.append("the cat sat on the mat ").append(i % 7).append('\n');
    }
    Files.writeString(corpus, sb.toString(), StandardCharsets.UTF_8);
    textRun = tmp.resolve("text-run");
    Run r = run("train", "--data", corpus.toString(), "--steps", "6", "--hidden-size", "8", "--embedding-size", "4",
        "--batch-size", "8", "--warmup", "2", "--eval-every", "3", "--out", textRun.toString(), "--no-progress",
        "--threads", "1");
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void trainWritesCheckpointMetricsAndChartThenGenerates() throws IOException {
    assertTrue(Files.isRegularFile(textRun.resolve("checkpoint").resolve("model.safetensors")));
    assertTrue(Files.isRegularFile(textRun.resolve("checkpoint").resolve("config.json")));
    assertTrue(Files.isRegularFile(textRun.resolve("checkpoint").resolve("vocab.json")));
    assertTrue(Files.isRegularFile(textRun.resolve("checkpoint").resolve("optimizer.safetensors")));
    assertTrue(Files.readString(textRun.resolve("checkpoint").resolve("config.json")).contains("decoder.weight"));
    assertTrue(Files.readAllLines(textRun.resolve("metrics.jsonl")).stream().anyMatch(l -> l.contains("val_ppl")));
    assertTrue(Files.size(textRun.resolve("loss.png")) > 1000);
    Run g = run("generate", "--checkpoint", textRun.toString(), "--prompt", "the", "--strategy", "sample",
        "--max-new-tokens", "10", "--seed", "3");
    assertEquals(0, g.code(), g.err());
    assertTrue(g.out().startsWith("the"), g.out());
    Run b = run("generate", "--checkpoint", textRun.resolve("checkpoint").toString(), "--prompt", "the", "--strategy",
        "beam", "--beam-width", "2", "--max-new-tokens", "5");
    assertEquals(0, b.code(), b.err());
    Run e = run("eval", "--checkpoint", textRun.toString(), "--data", corpus.toString());
    assertEquals(0, e.code(), e.err());
    assertTrue(e.out().contains("perplexity"), e.out());
  }

  /**
   * {@code eval --data} streams its file through a token file and scores exactly what reading it whole scored: the
   * same loss and token count, the same unknown characters named. Unknowns are counted over the tokens scored, so
   * a blank line (never scored) counts no tokens.
   */
  @Test
  void evalOfAFileGivesTheLossOfTheWholeTextPath() throws IOException {
    String text = "\uFEFFthe cat sat on the mat 3\r\n\n   \nthe dog sat on the mat 12\n"
        + "the cat ".repeat(20) + "\nçà sat\r\nend of the mat";
    Path f = Files.writeString(tmp.resolve("eval.txt"), text, StandardCharsets.UTF_8);
    String plain = text.substring(1);
    Checkpoints.Loaded l = Checkpoints.load(textRun);
    for (int maxLen : new int[] {5, 256}) {
      List<int[]> seqs = dev.rnn4j.data.TextCorpus.lines(plain, l.tokenizer(), maxLen);
      double[] r = dev.rnn4j.train.Trainer.validationLoss(l.model(), new dev.rnn4j.data.LengthBatcher(seqs, 3));
      String expected = String.format("%s: loss %.4f nats/token, perplexity %.3f over %d tokens%n", f, r[0],
          Math.exp(r[0]), (long) r[1]);
      Run e = run("eval", "--checkpoint", textRun.toString(), "--data", f.toString(), "--max-len",
          String.valueOf(maxLen), "--batch-size", "3");
      assertEquals(0, e.code(), e.err());
      String scored = String.join("",
          java.util.Arrays.stream(plain.split("\r?\n")).filter(s -> !s.isBlank()).toList());
      String note = "note: " + dev.rnn4j.data.Unknowns.of(l.tokenizer(), scored).describe()
          + "; each is scored as the <unk> token";
      assertTrue(note.contains("'ç' (U+00E7) x1"), note);
      assertEquals(note + System.lineSeparator() + expected, e.out());
    }
  }

  @Test
  void builtInTaskTrainsReportsAccuracyAndGenerates() {
    Path out = tmp.resolve("task-run");
    Run r = run("train", "--digits", "1", "--train-problems", "64", "--held-out", "8", "--steps", "4", "--hidden-size",
        "8", "--embedding-size", "4", "--batch-size", "16", "--warmup", "1", "--out", out.toString(), "--no-progress",
        "--threads", "1", "--samples", "2");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("held-out accuracy"), r.out());
    assertTrue(r.out().contains("generated answers"), r.out());
    Run g = run("generate", "--checkpoint", out.toString(), "--prompt", "3+4=");
    assertEquals(0, g.code(), g.err());
    assertTrue(g.out().startsWith("3+4="), g.out());
    Run e = run("eval", "--checkpoint", out.toString());
    assertEquals(0, e.code(), e.err());
    assertTrue(e.out().contains("exact-match accuracy"), e.out());
  }

  @Test
  void stoppedAndResumedRunEndsWithTheUninterruptedParameters() throws IOException {
    String[] common = {"train", "--data", corpus.toString(), "--steps", "8", "--model", "lstm", "--layers", "2",
        "--dropout", "0.3", "--hidden-size", "8", "--embedding-size", "4", "--batch-size", "8", "--warmup", "2",
        "--no-progress", "--threads", "1", "--samples", "0"};
    Path a = tmp.resolve("straight");
    Path b = tmp.resolve("interrupted");
    assertEquals(0, run(concat(common, "--out", a.toString())).code());
    Run first = run(concat(common, "--out", b.toString(), "--stop-after", "3"));
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("stopped at step 3 of 8"), first.out());
    Run again = run("train", "--resume", "--out", b.toString(), "--no-progress", "--threads", "1", "--samples", "0");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("resuming"), again.out());
    byte[] wa = Files.readAllBytes(a.resolve("checkpoint").resolve("model.safetensors"));
    byte[] wb = Files.readAllBytes(b.resolve("checkpoint").resolve("model.safetensors"));
    assertTrue(java.util.Arrays.equals(wa, wb), "resumed parameters differ from the uninterrupted run");
    assertOneLineError(run("train", "--resume", "--out", tmp.resolve("never").toString()), "no checkpoint");
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Test
  void bpttStreamRunTrainsResumesAndGenerates() throws IOException {
    String[] common = {"train", "--data", corpus.toString(), "--bptt", "10", "--steps", "6", "--model", "gru",
        "--hidden-size", "8", "--embedding-size", "4", "--batch-size", "4", "--warmup", "1", "--no-progress",
        "--threads", "1"};
    Path a = tmp.resolve("bptt-straight");
    Path b = tmp.resolve("bptt-interrupted");
    Run r = run(concat(common, "--out", a.toString()));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("one stream"), r.out());
    assertEquals(0, run(concat(common, "--out", b.toString(), "--stop-after", "4")).code());
    assertEquals(0, run("train", "--resume", "--out", b.toString(), "--no-progress", "--threads", "1").code());
    assertTrue(java.util.Arrays.equals(
        Files.readAllBytes(a.resolve("checkpoint").resolve("model.safetensors")),
        Files.readAllBytes(b.resolve("checkpoint").resolve("model.safetensors"))));
    assertOneLineError(run("train", "--data", corpus.toString(), "--bptt", "-1", "--out", tmp.resolve("w").toString()),
        "--bptt");
  }

  @Test
  void missingFile() {
    assertOneLineError(run("train", "--data", tmp.resolve("nope.txt").toString(), "--out", tmp.resolve("x").toString()),
        "nope.txt");
  }

  @Test
  void emptyCorpus() throws IOException {
    Path empty = tmp.resolve("empty.txt");
    Files.writeString(empty, "\n  \n\n");
    assertOneLineError(run("train", "--data", empty.toString(), "--out", tmp.resolve("y").toString()), "is empty");
  }

  @Test
  void unknownOption() {
    assertOneLineError(run("train", "--hidden", "12"), "Unknown options: '--hidden', '12'");
    assertOneLineError(run("generate", "--checkpoint", "x", "--bogus"), "Unknown option: '--bogus'");
    assertOneLineError(run("train", "--steps", "many"), "--steps");
  }

  @Test
  void badValues() {
    assertOneLineError(run("train", "--model", "transformer", "--out", tmp.resolve("z").toString(), "--digits", "1",
        "--train-problems", "10", "--held-out", "2"), "rnn, lstm or gru");
    assertOneLineError(run("generate", "--checkpoint", textRun.toString(), "--strategy", "best"), "--strategy");
    assertOneLineError(run("generate", "--checkpoint", tmp.resolve("none").toString()), "does not exist");
  }

  @Test
  void checkpointOfAnotherModelType() throws IOException {
    assertOneLineError(run("train", "--resume", "--out", textRun.toString(), "--model", "lstm"),
        "--model cannot change on a resumed run (the checkpoint has gru, got lstm)");
    // a checkpoint whose config.json says lstm while its weights are a GRU's
    Path copy = tmp.resolve("mislabelled");
    Files.createDirectories(copy);
    for (String f : new String[] {"model.safetensors", "vocab.json", "optimizer.safetensors", "trainer_state.json"}) {
      Files.copy(textRun.resolve("checkpoint").resolve(f), copy.resolve(f));
    }
    String cfg = Files.readString(textRun.resolve("checkpoint").resolve("config.json"));
    Files.writeString(copy.resolve("config.json"), cfg.replace("\"gru\"", "\"lstm\""));
    Run r = run("generate", "--checkpoint", copy.toString(), "--prompt", "the");
    assertOneLineError(r, "does not fit the lstm model");
    assertNotEquals(0, r.code());
  }

  @Test
  void everyCommandPrintsItsHelp() {
    for (String command : new String[] {"train", "generate", "eval", "demo", "inspect", "convert", "bench", "info"}) {
      Run r = run(command, "--help");
      assertEquals(0, r.code(), command + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: rnn4j " + command), command + ": " + r.out());
    }
  }

  @Test
  void infoPrintsEveryRuntimeSetting() {
    Run r = run("info");
    assertEquals(0, r.code(), r.err());
    for (String name : dev.rnn4j.runtime.RuntimeSettings.current().asMap().keySet()) {
      assertTrue(r.out().contains("\n  " + name + " "), "info lists " + name + ": " + r.out());
    }
  }
}
