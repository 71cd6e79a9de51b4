package dev.rnn4j.cli;

import static dev.rnn4j.cli.CliTest.assertOneLineError;
import static dev.rnn4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The train command under faults, end to end: SIGTERM mid-run (a child JVM), a second trainer on the same run, NaN
 * divergence (the command), an honest --resume, a changed training file, unknown characters, a full disk, and
 * values and paths that must be refused with their cause.
 */
class TrainFaultsTest {
  @TempDir static Path tmp;
  static Path corpus;

  @BeforeAll
  static void corpus() throws IOException {
    corpus = tmp.resolve("corpus.txt");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      sb.append("the cat sat on the mat ").append(i % 7).append('\n');
    }
    Files.writeString(corpus, sb.toString(), StandardCharsets.UTF_8);
  }

  /** A tiny text run into {@code out}; {@code more} adds options or overrides the defaults here. */
  private static String[] small(Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("train", "--no-progress", "--out", out.toString()));
    List<String> given = List.of(more);
    String[][] defaults = {{"--data", corpus.toString()}, {"--hidden-size", "8"}, {"--embedding-size", "4"},
        {"--batch-size", "8"}, {"--warmup", "1"}, {"--threads", "1"}, {"--samples", "0"}};
    for (String[] d : defaults) {
      if (!given.contains(d[0]) && !(given.contains("--resume") && !d[0].equals("--threads") && !d[0].equals("--samples"))) {
        a.addAll(List.of(d));
      }
    }
    a.addAll(given);
    return a.toArray(String[]::new);
  }

  private static long checkpointStep(Path run) throws IOException {
    return Checkpoint.read(run.resolve("checkpoint")).trainerState().get("step").getAsLong();
  }

  @Test
  void sigtermMidRunSavesAtTheNextStepAndExits143AndASecondTrainerIsRefused() throws Exception {
    Path out = tmp.resolve("signalled");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1", "-cp", cp, Main.class.getName()));
    cmd.addAll(List.of(small(out, "--steps", "1000000", "--checkpoint-every", "0", "--eval-every", "0")));
    Path log = tmp.resolve("signalled.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Path metrics = out.resolve("metrics.jsonl");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.isRegularFile(metrics) || Files.readAllLines(metrics).size() < 5) {
        if (System.nanoTime() > deadline || !p.isAlive()) {
          fail("the child trainer did not get going: " + Files.readString(log));
        }
        Thread.sleep(50);
      }
      assertOneLineError(run(small(out, "--steps", "10")), out + " is in use by another trainer (process " + p.pid() + ")");
      p.destroy(); // SIGTERM
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        fail("the trainer did not stop within 60 s of SIGTERM");
      }
    } finally {
      p.destroyForcibly();
    }
    String said = Files.readString(log);
    assertEquals(143, p.exitValue(), said);
    long step = checkpointStep(out);
    assertTrue(said.contains("SIGTERM: saved the checkpoint of step " + step + " to " + out.resolve("checkpoint")), said);
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertTrue(lines.get(lines.size() - 1).startsWith("{\"step\":" + step + ","), lines.get(lines.size() - 1));
    assertTrue(step >= 5, "stopped at step " + step);
    CliTest.Run again = run(small(out, "--resume", "--steps", String.valueOf(step + 2)));
    assertEquals(0, again.code(), again.err()); // the lock went with the process
  }

  @Test
  void divergenceStopsNamingTheStepAndTheLastGoodCheckpoint() throws IOException {
    Path out = tmp.resolve("diverged");
    // the scenario: a good start, then a resumed run whose learning rate overflows float (Adam moves each
    // weight by about lr a step) with clipping off
    assertEquals(0, run(small(out, "--steps", "3", "--schedule", "constant", "--clip", "0", "--warmup", "0")).code());
    CliTest.Run r = run(small(out, "--resume", "--steps", "40", "--lr", "1e38", "--checkpoint-every", "1"));
    assertOneLineError(r, "no checkpoint written");
    assertTrue(r.err().matches("(?s).*step \\d+: .*") && r.err().contains("The last good checkpoint is "
        + out.resolve("checkpoint") + " (step "), r.err());
    Checkpoint.Contents c = Checkpoint.read(out.resolve("checkpoint"));
    assertEquals(List.of(), dev.rnn4j.train.Trainer.nonFinite(c.model()));
    assertOneLineError(run("train", "--data", corpus.toString(), "--lr", "Infinity", "--out", tmp.resolve("inf").toString()),
        "--lr must be positive and finite, got Infinity");
  }

  @Test
  void nonFiniteWeightsAreRefusedByGenerateAndEvalAndNeverSampled() throws IOException {
    Path good = tmp.resolve("finite");
    assertEquals(0, run(small(good, "--steps", "2")).code());
    Path bad = tmp.resolve("nan-checkpoint");
    Files.createDirectories(bad);
    for (String f : new String[] {Checkpoint.CONFIG, Checkpoint.VOCAB, Checkpoint.TRAINER_STATE}) {
      Files.copy(good.resolve("checkpoint").resolve(f), bad.resolve(f));
    }
    Map<String, Tensor> w = new LinkedHashMap<>(SafeTensors.read(good.resolve("checkpoint").resolve(Checkpoint.MODEL)).tensors());
    w.get("decoder.bias").data()[0] = Float.NaN;
    w.get("decoder.bias").data()[1] = Float.NaN;
    java.util.Arrays.fill(w.get("decoder.weight").data(), Float.NaN);
    SafeTensors.write(bad.resolve(Checkpoint.MODEL), w, Map.of("format", "pt"));
    assertOneLineError(run("generate", "--checkpoint", bad.toString(), "--prompt", "the"),
        "holds non-finite weights (NaN or infinity in 2 tensors: decoder.weight, decoder.bias)");
    assertOneLineError(run("eval", "--checkpoint", bad.toString(), "--data", corpus.toString()), "--allow-nonfinite");
    assertOneLineError(run("generate", "--checkpoint", bad.toString(), "--prompt", "the", "--allow-nonfinite",
        "--strategy", "sample"), "cannot sample: the model's logits are not finite");
  }

  @Test
  void resumeAppliesWhatMayChangeAndRefusesWhatMayNot() throws IOException {
    Path out = tmp.resolve("extended");
    assertEquals(0, run(small(out, "--steps", "4")).code());
    assertOneLineError(run(small(out, "--resume", "--hidden-size", "16")),
        "--hidden-size cannot change on a resumed run (the checkpoint has 8, got 16)");
    assertOneLineError(run(small(out, "--resume", "--tokenizer", "word")), "--tokenizer cannot change");
    CliTest.Run r = run(small(out, "--resume", "--steps", "7", "--lr", "0.01", "--eval-every", "3"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("resume: changed steps 4 -> 7, lr 0.006 -> 0.01, eval-every 200 -> 3"), r.out());
    assertEquals(7, checkpointStep(out));
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(7, lines.stream().filter(l -> l.contains("\"loss\"")).count(), "one line per step: " + lines);
  }

  @Test
  void aChangedTrainingFileIsRefusedUnlessAllowed() throws IOException {
    Path data = tmp.resolve("changing.txt");
    Files.copy(corpus, data);
    Path out = tmp.resolve("changed");
    String[] args = {"train", "--data", data.toString(), "--hidden-size", "8", "--embedding-size", "4", "--batch-size",
        "8", "--no-progress", "--threads", "1", "--samples", "0", "--out", out.toString()};
    assertEquals(0, run(concat(args, "--steps", "2")).code());
    Files.writeString(data, Files.readString(data).replace("cat", "rat"));
    assertOneLineError(run("train", "--resume", "--out", out.toString(), "--steps", "3", "--no-progress"),
        data + " has changed since the run started");
    CliTest.Run r = run("train", "--resume", "--out", out.toString(), "--steps", "3", "--no-progress", "--samples", "0",
        "--allow-data-change");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("warning: " + data + " has changed"), r.out());
    assertTrue(r.out().contains("(U+0072) x40"), "the new 'r' is named: " + r.out());
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Test
  void unknownCharactersAreNamedAndABomIsNoToken() throws IOException {
    Path bom = tmp.resolve("bom.txt");
    Files.write(bom, ("\uFEFF" + Files.readString(corpus)).getBytes(StandardCharsets.UTF_8));
    Path out = tmp.resolve("bom-run");
    assertEquals(0, run(small(out, "--steps", "1")).code());
    Path out2 = tmp.resolve("bom-run2");
    CliTest.Run t = run("train", "--data", bom.toString(), "--steps", "1", "--hidden-size", "8", "--embedding-size",
        "4", "--batch-size", "8", "--no-progress", "--samples", "0", "--out", out2.toString());
    assertEquals(0, t.code(), t.err());
    assertFalse(Files.readString(out2.resolve("checkpoint").resolve("vocab.json")).contains("\uFEFF"));
    Path text = tmp.resolve("foreign.txt");
    Files.writeString(text, "the café sat\nthe über mat\n", StandardCharsets.UTF_8);
    CliTest.Run e = run("eval", "--checkpoint", out.toString(), "--data", text.toString());
    assertEquals(0, e.code(), e.err());
    assertTrue(e.out().contains("5 of 24 tokens (5 distinct) are not in the vocabulary: 'f' (U+0066) x1, 'é' (U+00E9) x1, 'ü' (U+00FC) x1"), e.out());
    assertOneLineError(run("generate", "--checkpoint", out.toString(), "--prompt", "the café"),
        "the prompt has tokens the model never saw: 2 of 8 tokens (2 distinct) are not in the vocabulary: 'f' (U+0066) x1,"
            + " 'é' (U+00E9) x1");
  }

  @Test
  void pathsAndValuesAreRefusedWithTheirCause() throws IOException {
    assertOneLineError(run(small(tmp.resolve("a"), "--steps", "1")).code() == 0
        ? run("train", "--data", tmp.toString(), "--out", tmp.resolve("b").toString()) : null, "is a folder, not a text file");
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    assertOneLineError(run(small(file, "--steps", "1")), "--out " + file + " is a file, not a folder");
    assertOneLineError(run(small(file.resolve("sub"), "--steps", "1")), "is a file, not a folder");
    Path out = tmp.resolve("a");
    assertOneLineError(run(small(tmp.resolve("c"), "--eval-every", "-1")), "--eval-every must be 0");
    assertOneLineError(run(small(tmp.resolve("c"), "--checkpoint-every", "-5")), "--checkpoint-every must be 0");
    assertOneLineError(run(small(tmp.resolve("c"), "--stop-after", "-1")), "--stop-after must be at least 1");
    assertOneLineError(run(small(tmp.resolve("c"), "--skip-nonfinite", "-1")), "--skip-nonfinite must be 0");
    assertOneLineError(run("train", "--samples", "-1"), "--samples must be in [0, 1000], got -1");
    assertOneLineError(run(small(tmp.resolve("c"), "--model", "lstm", "--hidden-size", "1073741824")), "at most 2147483639");
    assertOneLineError(run("generate", "--checkpoint", out.toString(), "--strategy", "beam", "--length-penalty", "NaN"),
        "length penalty must be a number in [-100.0, 100.0], got NaN");
    assertOneLineError(run("generate", "--checkpoint", out.toString(), "--strategy", "sample", "--temperature", "1e-320"),
        "temperature must be in [1.0E-6, 1000000.0]");
    assertOneLineError(run("generate", "--checkpoint", out.toString(), "--num-samples", "100000000"),
        "--num-samples must be in [1, 4096], got 100000000");
    assertOneLineError(run("generate", "--checkpoint", out.toString(), "--strategy", "beam", "--beam-width", "100000"),
        "beam width must be in [1, 1024], got 100000");
    if (!"root".equals(System.getProperty("user.name"))) { // root reads any file
      Path secret = Files.writeString(tmp.resolve("secret.txt"), "abc\n");
      Files.setPosixFilePermissions(secret, java.util.Set.of());
      assertOneLineError(run("train", "--data", secret.toString(), "--out", tmp.resolve("d").toString()),
          "permission denied");
    }
  }

  /** A full disk: a 1 MB tmpfs (only as root, where mount works), reported with the file and the step. */
  @Test
  void aFullDiskNamesTheFileAndTheStep() throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("small-disk"));
    boolean mounted = "root".equals(System.getProperty("user.name"))
        && exec("mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", mnt.toString()) == 0;
    if (!mounted) {
      System.out.println("TrainFaultsTest.aFullDiskNamesTheFileAndTheStep: skipped (needs root and mount for a tmpfs)");
    }
    assumeTrue(mounted, "needs root and mount -t tmpfs");
    try {
      CliTest.Run r = run("train", "--data", corpus.toString(), "--hidden-size", "48", "--embedding-size", "8",
          "--batch-size", "8", "--no-progress", "--threads", "1", "--samples", "0", "--steps", "4", "--checkpoint-every",
          "1", "--out", mnt.resolve("run").toString());
      assertOneLineError(r, "No space left on device (disk full)");
      assertTrue(r.err().contains("writing the checkpoint of step 1 to " + mnt.resolve("run").resolve("checkpoint"))
          && r.err().contains(".safetensors"), r.err());
    } finally {
      exec("umount", mnt.toString());
    }
  }

  private static int exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
