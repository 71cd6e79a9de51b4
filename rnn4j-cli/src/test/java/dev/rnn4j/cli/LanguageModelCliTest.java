package dev.rnn4j.cli;

import static dev.rnn4j.cli.CliTest.assertOneLineError;
import static dev.rnn4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rnn4j.io.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The language-model options of {@code train} on a text stream: embedding dropout and tied weights reach the
 * checkpoint, best/ holds the lowest validation loss and is what {@code eval} and {@code generate} read from a run
 * directory, {@code eval --bptt} scores a file as the validation does, {@code --early-stop} stops, bad values are
 * refused with their range.
 */
class LanguageModelCliTest {
  @TempDir static Path tmp;
  static Path corpus;
  static Path run;
  static final String[] SMALL = {"--hidden-size", "8", "--embedding-size", "8", "--batch-size", "4", "--bptt", "8",
      "--batching", "stream",
      "--warmup", "2", "--no-progress", "--threads", "1", "--samples", "0"};

  private static String[] args(String[] head, String... tail) {
    String[] r = new String[head.length + SMALL.length + tail.length];
    System.arraycopy(head, 0, r, 0, head.length);
    System.arraycopy(SMALL, 0, r, head.length, SMALL.length);
    System.arraycopy(tail, 0, r, head.length + SMALL.length, tail.length);
    return r;
  }

  @BeforeAll
  static void trainOnParagraphs() throws IOException {
    corpus = Paragraphs.write(tmp.resolve("paragraphs.txt"));
    run = tmp.resolve("run");
    CliTest.Run r = run(args(new String[] {"train", "--data", corpus.toString(), "--out", run.toString()},
        "--steps", "40", "--eval-every", "5", "--embedding-dropout", "0.2", "--dropout", "0.1", "--tie-weights",
        "--weight-decay", "0.01", "--optimizer", "adamw"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("documents shuffled each epoch"), r.out());
    assertTrue(r.out().contains("best validation loss"), r.out());
  }

  @Test
  void regularisationOptionsReachTheCheckpoint() throws IOException {
    Checkpoint.Contents ck = Checkpoint.read(run.resolve("checkpoint"));
    assertEquals(0.2, ck.config().get("embedding_dropout").getAsDouble());
    assertEquals(0.1, ck.config().get("dropout").getAsDouble());
    assertTrue(ck.config().get("tie_weights").getAsBoolean());
    assertFalse(ck.model().containsKey("decoder.weight"), "tied: the decoder uses embedding.weight");
    assertTrue(ck.model().containsKey("decoder.bias"));
    JsonObject tc = ck.trainerState().getAsJsonObject("train_config");
    assertEquals(0.01, tc.get("weight_decay").getAsDouble());
    assertEquals("adamw", tc.get("optimizer").getAsString());
    assertEquals("shuffled", ck.trainerState().getAsJsonObject("extra").get("stream_order").getAsString());
  }

  @Test
  void bestHoldsTheLowestValidationLossAndEvalAndGenerateUseIt() throws IOException {
    double min = Double.POSITIVE_INFINITY;
    long minStep = -1;
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      if (o.has("val_loss") && o.get("val_loss").getAsDouble() < min) {
        min = o.get("val_loss").getAsDouble();
        minStep = o.get("step").getAsLong();
      }
    }
    Checkpoint.Contents best = Checkpoint.read(run.resolve("best"));
    assertEquals(minStep, best.trainerState().get("step").getAsLong());
    assertEquals(min, best.trainerState().get("best_val_loss").getAsDouble());

    // eval --bptt on the validation documents (5% of the paragraphs, drawn with seed 1 + 3) gives best/'s loss
    String text = Files.readString(corpus);
    dev.rnn4j.data.Tokenizer tok = dev.rnn4j.data.Tokenizer.fromJson(best.vocabJson());
    dev.rnn4j.data.TokenStream ids = dev.rnn4j.data.TokenStream.of(tok.encode(text));
    long[] docs = dev.rnn4j.data.StreamBatcher.documentStarts(ids, tok.encode("\n")[0], -1, 8);
    assertTrue(docs.length >= RunData.MIN_DOCUMENTS_TO_SAMPLE, "the corpus has " + docs.length + " documents");
    dev.rnn4j.data.TokenStream val = dev.rnn4j.data.StreamBatcher.holdOut(ids, docs, 0.05,
        new dev.rnn4j.tensor.Generator(1 + 3)).validation();
    int[] valIds = new int[(int) val.length()];
    val.read(0, valIds, 0, valIds.length);
    Path tail = tmp.resolve("validation.txt");
    Files.writeString(tail, tok.decode(valIds));
    CliTest.Run e = run("eval", "--checkpoint", run.toString(), "--data", tail.toString(), "--bptt", "8",
        "--batch-size", "4");
    assertEquals(0, e.code(), e.err());
    assertTrue(e.err().contains("best"), "a run directory is read from its best/: " + e.err());
    assertTrue(e.out().contains(String.format("loss %.4f nats/token", min)), min + " expected: " + e.out());
    assertTrue(e.out().contains("state carried"), e.out());
    CliTest.Run eb = run("eval", "--checkpoint", run.resolve("best").toString(), "--data", tail.toString(), "--bptt",
        "8", "--batch-size", "4");
    assertEquals(e.out(), eb.out());
    assertEquals("", eb.err(), "a checkpoint directory is used as given, without a note");

    String[] gen = {"generate", "--prompt", "the ", "--strategy", "sample", "--max-new-tokens", "30", "--seed", "3"};
    CliTest.Run g = run(concat(gen, "--checkpoint", run.toString()));
    CliTest.Run gb = run(concat(gen, "--checkpoint", run.resolve("best").toString()));
    assertEquals(0, g.code(), g.err());
    assertEquals(gb.out(), g.out());
    if (minStep != 40) { // the last checkpoint is another model: its text differs
      CliTest.Run gl = run(concat(gen, "--checkpoint", run.resolve("checkpoint").toString()));
      assertEquals(0, gl.code(), gl.err());
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Test
  void earlyStopStopsAfterValidationsWithoutImprovement() throws IOException {
    Path out = tmp.resolve("early");
    // a learning rate far too high makes the validation loss jump about: some validation soon fails to improve
    CliTest.Run r = run(args(new String[] {"train", "--data", corpus.toString(), "--out", out.toString()},
        "--steps", "200", "--eval-every", "2", "--early-stop", "2", "--lr", "0.5", "--clip", "0"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("early stop at step"), r.out());
    JsonObject st = Checkpoint.read(out.resolve("checkpoint")).trainerState();
    long step = st.get("step").getAsLong();
    assertTrue(step < 200, "stopped early at " + step);
    assertEquals(2, st.get("evals_since_best").getAsInt());
    assertEquals(step - 4, Checkpoint.read(out.resolve("best")).trainerState().get("step").getAsLong());
  }

  @Test
  void badValuesAreRefusedWithTheirRange() {
    String[] head = {"train", "--data", corpus.toString(), "--out", tmp.resolve("bad").toString()};
    assertOneLineError(run(concat(head, "--embedding-dropout", "1")), "--embedding-dropout must be in [0, 1), got 1.0");
    assertOneLineError(run(concat(head, "--embedding-dropout", "-0.5")), "--embedding-dropout must be in [0, 1)");
    assertOneLineError(run(concat(head, "--dropout", "1.5")), "--dropout must be in [0, 1), got 1.5");
    assertOneLineError(run(concat(head, "--weight-decay", "-1")), "--weight-decay must be in [0, 1], got -1.0");
    assertOneLineError(run(concat(head, "--weight-decay", "NaN")), "--weight-decay must be in [0, 1]");
    assertOneLineError(run(concat(head, "--early-stop", "-1")), "--early-stop must be in [0, 1000000]");
    assertOneLineError(run(concat(head, "--early-stop", "2", "--eval-every", "0")), "--early-stop needs validations");
    assertOneLineError(run(concat(head, "--tie-weights", "--embedding-size", "16", "--hidden-size", "32")),
        "tied weights need the embedding size to equal the decoder's input size (hidden size 32), got embedding size 16");
    assertOneLineError(run(concat(head, "--batch-size", "4000", "--batching", "stream")), "too few for 4000 BPTT columns");
    assertOneLineError(run("eval", "--checkpoint", run.toString(), "--data", corpus.toString(), "--bptt", "-1"),
        "--bptt must be in [0, 1000000]");
    assertOneLineError(run("eval", "--checkpoint", run.toString(), "--bptt", "8"), "--bptt scores a text file");
  }

  @Test
  void resumeRefusesChangedRegularisationAndKeepsTheBest() throws IOException {
    Path out = tmp.resolve("resumed");
    String[] head = {"train", "--data", corpus.toString(), "--out", out.toString()};
    assertEquals(0, run(args(head, "--steps", "20", "--eval-every", "5", "--embedding-dropout", "0.1",
        "--stop-after", "12")).code());
    assertOneLineError(run(concat(new String[] {"train", "--resume", "--out", out.toString()}, "--embedding-dropout",
        "0.3")), "--embedding-dropout cannot change on a resumed run (the checkpoint has 0.1, got 0.3)");
    assertOneLineError(run(concat(new String[] {"train", "--resume", "--out", out.toString()}, "--tie-weights")),
        "--tie-weights cannot change");
    CliTest.Run r = run("train", "--resume", "--out", out.toString(), "--no-progress", "--threads", "1", "--samples",
        "0", "--early-stop", "50");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("early-stop 50"), r.out());
    Path straight = tmp.resolve("straight");
    assertEquals(0, run(args(new String[] {"train", "--data", corpus.toString(), "--out", straight.toString()},
        "--steps", "20", "--eval-every", "5", "--embedding-dropout", "0.1")).code());
    for (String dir : List.of("checkpoint", "best")) {
      assertTrue(java.util.Arrays.equals(Files.readAllBytes(straight.resolve(dir).resolve("model.safetensors")),
          Files.readAllBytes(out.resolve(dir).resolve("model.safetensors"))), dir + " differs after resuming");
    }
  }
}
