package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint directories round-trip, and a crash at any point keeps a complete checkpoint readable. */
class CheckpointTest {
  @TempDir Path tmp;

  /** A small checkpoint whose every tensor holds {@code v} and whose trainer state says {@code step}. */
  static Checkpoint.Contents contents(float v, long step) {
    Map<String, Tensor> model = new LinkedHashMap<>();
    model.put("embedding.weight", Tensor.full(v, 3, 2));
    model.put("decoder.bias", Tensor.full(v, 3));
    JsonObject config = new JsonObject();
    config.addProperty("model_type", "gru");
    JsonObject state = new JsonObject();
    state.addProperty("step", step);
    state.addProperty("rng", Long.MIN_VALUE + 5);
    return new Checkpoint.Contents(
        model, config, "{\"kind\":\"char\",\"tokens\":[\"a\"]}", Map.of("state.decoder.bias.step", Tensor.scalar(step)), state);
  }

  @Test
  void roundTrips() throws IOException {
    Path dir = tmp.resolve("run").resolve("ckpt");
    Checkpoint.write(dir, contents(1.5f, 7));
    var c = Checkpoint.read(dir);
    assertTrue(c.model().get("embedding.weight").contentEquals(Tensor.full(1.5f, 3, 2)));
    assertEquals("gru", c.config().get("model_type").getAsString());
    assertEquals(Long.MIN_VALUE + 5, c.trainerState().get("rng").getAsLong());
    assertEquals(7, c.optimizer().get("state.decoder.bias.step").item());
    assertTrue(c.vocabJson().contains("\"char\""));
    try (var s = Files.list(dir.getParent())) {
      assertEquals(List.of("ckpt", "ckpt-7"), s.map(p -> p.getFileName().toString()).sorted().toList(),
          "the link and one version, no temporary directories left behind");
    }
    assertTrue(Files.isSymbolicLink(dir));
  }

  @Test
  void keepsTheNewestTwoVersionsAndTheLinkFollowsTheNewest() throws IOException {
    Path dir = tmp.resolve("ckpt");
    for (long step = 1; step <= 4; step++) {
      Checkpoint.write(dir, contents(step, step));
      assertEquals(step, Checkpoint.read(dir).trainerState().get("step").getAsLong());
    }
    try (var s = Files.list(tmp)) {
      assertEquals(List.of("ckpt", "ckpt-3", "ckpt-4"), s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    Checkpoint.write(dir, contents(9f, 4)); // the same step again (a resumed run saving at once) gets its own name
    assertEquals(9f, Checkpoint.read(dir).model().get("decoder.bias").data()[0]);
    assertTrue(Files.isDirectory(tmp.resolve("ckpt-4.1")));
  }

  @Test
  void aCheckpointFromBeforeVersioningIsKeptAsAVersion() throws IOException {
    Path dir = tmp.resolve("ckpt");
    Checkpoint.write(dir, contents(1f, 5));
    Path real = tmp.resolve("ckpt-5");
    Files.delete(dir);
    Files.move(real, dir); // the layout of earlier releases: a plain directory
    Checkpoint.write(dir, contents(2f, 6));
    assertEquals(6, Checkpoint.read(dir).trainerState().get("step").getAsLong());
    assertEquals(5, Checkpoint.read(tmp.resolve("ckpt-5")).trainerState().get("step").getAsLong());
  }

  @Test
  void newFilesFollowTheUmaskAndAReplacedFileKeepsItsMode() throws IOException {
    Path dir = tmp.resolve("ckpt");
    Checkpoint.write(dir, contents(1f, 1));
    // the umask here (022 or 002) lets everyone read: what a plain new file gets, never the 0600 of a temp file
    Path probe = Files.createFile(tmp.resolve("probe"));
    var expected = Files.getPosixFilePermissions(probe);
    for (String f : new String[] {Checkpoint.MODEL, Checkpoint.OPTIMIZER, Checkpoint.CONFIG}) {
      assertEquals(expected, Files.getPosixFilePermissions(dir.resolve(f)), f);
    }
    Path st = tmp.resolve("w.safetensors");
    SafeTensors.write(st, Map.of("a", Tensor.full(1f, 2)), Map.of());
    assertEquals(expected, Files.getPosixFilePermissions(st));
    Files.setPosixFilePermissions(st, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
    SafeTensors.write(st, Map.of("a", Tensor.full(2f, 2)), Map.of());
    assertEquals("rw-rw-r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(st)));
    Path pt = tmp.resolve("w.pt");
    TorchSave.write(pt, Map.of("a", Tensor.full(1f, 2)));
    assertEquals(expected, Files.getPosixFilePermissions(pt));
  }

  @Test
  void crashBeforeCommitKeepsThePreviousCheckpoint() throws IOException {
    Path dir = tmp.resolve("ckpt");
    Checkpoint.write(dir, contents(1f, 1));
    assertThrows(IOException.class, () -> Checkpoint.write(dir, contents(2f, 2), () -> {
      throw new IOException("simulated crash");
    }));
    assertEquals(1, Checkpoint.read(dir).trainerState().get("step").getAsLong());
    try (var s = Files.list(tmp)) {
      assertEquals(2, s.count(), "the half-written directory is removed (the link and its version stay)");
    }
  }

  @Test
  void aCrashOfThePreviousSchemeBetweenItsRenamesFallsBackToTheOldCopy() throws IOException {
    Path dir = tmp.resolve("ckpt");
    Checkpoint.write(dir, contents(1f, 1));
    Files.delete(dir);
    Files.move(tmp.resolve("ckpt-1"), tmp.resolve(".ckpt.old")); // what a crash of the old swap left
    assertTrue(Checkpoint.exists(dir));
    assertEquals(1, Checkpoint.read(dir).trainerState().get("step").getAsLong());
    Checkpoint.write(dir, contents(3f, 3)); // the next write cleans up
    assertEquals(3, Checkpoint.read(dir).trainerState().get("step").getAsLong());
    assertFalse(Files.exists(tmp.resolve(".ckpt.old")));
  }

  @Test
  void missingCheckpointNamesThePath() {
    var e = assertThrows(NoSuchFileException.class, () -> Checkpoint.read(tmp.resolve("nope")));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
  }
}
