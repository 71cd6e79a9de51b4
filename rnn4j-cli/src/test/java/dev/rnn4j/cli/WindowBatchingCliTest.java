package dev.rnn4j.cli;

import static dev.rnn4j.cli.CliTest.assertOneLineError;
import static dev.rnn4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.io.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --batching}: windows are the default for a stream and reach the checkpoint, a resumed run ends
 * bit-identical to an uninterrupted one and may not change the mode, bad values are refused, and the dropout default
 * follows the number of passes over the text.
 */
class WindowBatchingCliTest {
  @TempDir static Path tmp;
  static Path corpus;
  static final String[] SMALL = {"--hidden-size", "8", "--embedding-size", "8", "--batch-size", "4", "--bptt", "8",
      "--warmup", "2", "--no-progress", "--threads", "1", "--samples", "0"};

  private static String[] train(Path out, String... tail) {
    List<String> a = new java.util.ArrayList<>(List.of("train", "--data", corpus.toString(), "--out", out.toString()));
    a.addAll(List.of(SMALL));
    a.addAll(List.of(tail));
    return a.toArray(String[]::new);
  }

  @BeforeAll
  static void writeCorpus() throws IOException {
    corpus = Paragraphs.write(tmp.resolve("paragraphs.txt"));
  }

  @Test
  void windowsAreTheDefaultAndResumeBitIdentically() throws IOException {
    Path straight = tmp.resolve("straight");
    CliTest.Run r = run(train(straight, "--steps", "30", "--eval-every", "5"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("windows of 8 steps per batch, each from a zero state"), r.out());
    JsonObject extra = Checkpoint.read(straight.resolve("checkpoint")).trainerState().getAsJsonObject("extra");
    assertEquals("windows", extra.get("batching").getAsString());

    Path stopped = tmp.resolve("stopped");
    assertEquals(0, run(train(stopped, "--steps", "30", "--eval-every", "5", "--stop-after", "13")).code());
    assertOneLineError(run("train", "--resume", "--out", stopped.toString(), "--batching", "stream"),
        "--batching cannot change on a resumed run (the checkpoint has windows, got stream)");
    CliTest.Run same = run("train", "--resume", "--out", stopped.toString(), "--batching", "windows", "--no-progress",
        "--threads", "1", "--samples", "0");
    assertEquals(0, same.code(), same.err());
    for (String dir : List.of("checkpoint", "best")) {
      assertTrue(java.util.Arrays.equals(Files.readAllBytes(straight.resolve(dir).resolve("model.safetensors")),
          Files.readAllBytes(stopped.resolve(dir).resolve("model.safetensors"))), dir + " differs after resuming");
    }
    assertEquals(Files.readString(straight.resolve("metrics.jsonl")), Files.readString(stopped.resolve("metrics.jsonl")));
  }

  @Test
  void streamIsChosenByNameAndCannotBecomeWindowsOnResume() throws IOException {
    Path out = tmp.resolve("stream");
    CliTest.Run r = run(train(out, "--steps", "6", "--batching", "STREAM", "--stop-after", "3"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("documents shuffled each epoch"), r.out());
    assertEquals("stream", Checkpoint.read(out.resolve("checkpoint")).trainerState().getAsJsonObject("extra")
        .get("batching").getAsString());
    assertOneLineError(run("train", "--resume", "--out", out.toString(), "--batching", "windows"),
        "--batching cannot change on a resumed run (the checkpoint has stream, got windows)");
  }

  @Test
  void helpDescribesBothModes() {
    CliTest.Run h = run("train", "--help");
    assertEquals(0, h.code(), h.err());
    String help = h.out().replaceAll("\\s+", " ");
    assertTrue(help.contains("--batching=<batching> for a stream (--bptt N > 0): windows = each step trains"), help);
    assertTrue(help.contains("stream = --batch-size columns whose state carries from chunk to chunk"), help);
    assertTrue(help.contains("(default: windows)"), help);
  }

  @Test
  void badValuesAreRefused() {
    assertOneLineError(run(train(tmp.resolve("bad1"), "--batching", "lines")),
        "--batching must be windows or stream, got 'lines'");
    assertOneLineError(run("train", "--data", corpus.toString(), "--out", tmp.resolve("bad2").toString(), "--bptt", "0",
        "--batching", "windows"), "--batching applies to a stream (--bptt N > 0); --bptt 0 trains line by line");
    assertOneLineError(run("train", "--data", corpus.toString(), "--out", tmp.resolve("bad3").toString(), "--bptt",
        "5000"), "too few for windows of --bptt 5000 (needs at least 5001 for training)");
    assertFalse(Files.exists(tmp.resolve("bad1").resolve("checkpoint")));
  }

  @Test
  void dropoutDefaultsFollowThePassesOverTheText() throws IOException {
    // the corpus is about 1,300 characters: 8 steps of 4 x 8 read it 0.2 times, 400 steps about 10 times
    Path few = tmp.resolve("few");
    assertEquals(0, run(train(few, "--steps", "8")).code());
    JsonObject c = Checkpoint.read(few.resolve("checkpoint")).config();
    assertEquals(0.0, c.get("dropout").getAsDouble());
    assertEquals(0.0, c.get("embedding_dropout").getAsDouble());
    Path many = tmp.resolve("many");
    assertEquals(0, run(train(many, "--steps", "400", "--eval-every", "0", "--checkpoint-every", "0")).code());
    c = Checkpoint.read(many.resolve("checkpoint")).config();
    assertEquals(0.5, c.get("dropout").getAsDouble());
    assertEquals(0.1, c.get("embedding_dropout").getAsDouble());
    Path given = tmp.resolve("given");
    assertEquals(0, run(train(given, "--steps", "8", "--dropout", "0.3")).code());
    c = Checkpoint.read(given.resolve("checkpoint")).config();
    assertEquals(0.3, c.get("dropout").getAsDouble(), "a given value wins over the rule");
    assertEquals(0.0, c.get("embedding_dropout").getAsDouble());
  }
}
