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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint directories round-trip, and a crash at any point keeps a complete checkpoint readable. */
class CheckpointTest {
  @TempDir Path tmp;

  private static Checkpoint.Contents contents(float v, long step) {
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
      assertEquals(1, s.count(), "no temporary directories left behind");
    }
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
      assertEquals(1, s.count(), "the half-written directory is removed");
    }
  }

  @Test
  void crashBetweenTheRenamesFallsBackToTheOldCopy() throws IOException {
    Path dir = tmp.resolve("ckpt");
    Checkpoint.write(dir, contents(1f, 1));
    Files.move(dir, tmp.resolve(".ckpt.old")); // state after the first rename
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
