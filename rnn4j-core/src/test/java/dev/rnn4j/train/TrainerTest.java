package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.data.BpttBatcher;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Truncated BPTT learns a periodic stream, and a resumed run ends bitwise where an uninterrupted one does. (Training on
 * the built-in addition task is tested with the task, in rnn4j-cli: {@code AdditionTrainingTest}.)
 */
class TrainerTest {
  @TempDir Path tmp;

  private Trainer streamTrainer(int steps, Path out) {
    // a periodic stream: "the cat sat. " repeated, so the next character is predictable from the recent ones
    String text = "the cat sat. ".repeat(60);
    CharTokenizer tok = CharTokenizer.fit(text);
    BpttBatcher train = new BpttBatcher(tok.encode(text.substring(0, 700)), 4, 8);
    BpttBatcher val = new BpttBatcher(tok.encode(text.substring(700)), 2, 8);
    Generator modelGen = new Generator(21);
    LanguageModel m = new LanguageModel(
        new LanguageModelConfig("lstm", tok.vocabulary().size(), 6, 16, 2, 0.1, 0), modelGen);
    TrainConfig tc = new TrainConfig(steps, 4, "adam", 1e-2, 0, "cosine", 3, 1e-4, 1.0, 0, 0, 4);
    return new Trainer(m, modelGen, train, val, tc, tok, out, null);
  }

  @Test
  void truncatedBpttLearnsAPeriodicStreamAndResumesExactly() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Trainer t = streamTrainer(200, tmp.resolve("s1"));
      double start = t.evaluate().get("val_loss");
      t.run(200, null); // 22 chunks per pass: the run crosses several pass boundaries
      double end = t.evaluate().get("val_loss");
      // ln(9) = 2.2 for a uniform guess over the 9 characters; the stream is deterministic given the last few.
      // Measured: 2.52 -> 0.16.
      System.out.println("stream validation loss " + start + " -> " + end);
      assertTrue(start > 2.0 && end < 1.0, "stream validation loss " + start + " -> " + end);
      Trainer a = streamTrainer(200, tmp.resolve("s2"));
      a.run(25, null); // stops inside the second pass, with a carried state
      Trainer b = streamTrainer(200, tmp.resolve("s2"));
      b.resume(Checkpoint.read(tmp.resolve("s2").resolve("checkpoint")));
      b.run(200, null);
      Map<String, Tensor> x = Checkpoint.read(tmp.resolve("s1").resolve("checkpoint")).model();
      Map<String, Tensor> y = Checkpoint.read(tmp.resolve("s2").resolve("checkpoint")).model();
      for (String k : x.keySet()) {
        assertTrue(x.get(k).contentEquals(y.get(k)), k + " differs after resuming a BPTT run");
      }
    }
  }
}
