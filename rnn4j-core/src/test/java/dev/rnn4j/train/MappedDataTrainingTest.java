package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.data.BpttBatcher;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.Shuffle;
import dev.rnn4j.data.TextCorpus;
import dev.rnn4j.data.TokenFile;
import dev.rnn4j.data.TokenSequences;
import dev.rnn4j.data.TokenStream;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training from a memory-mapped token file ends with the same parameters, bit for bit, as training from the corpus
 * held in memory as lists of int arrays (the path the command line used before token files), in line mode and in
 * stream mode.
 */
class MappedDataTrainingTest {
  @TempDir Path tmp;

  private static final String TEXT = ("\uFEFFthe cat sat on the mat\nq quick brown fox — naïve 😀\r\n\n"
      + "jumps over the lazy dog\n   \na line that is longer than the maximum length of a sequence\n").repeat(9)
      + "no newline at the end";

  private static Map<String, Tensor> train(LengthBatcher train, LengthBatcher val, CharTokenizer tok, Path out)
      throws IOException {
    LanguageModelConfig mc = new LanguageModelConfig("lstm", tok.vocabulary().size(), 4, 8, 1, 0, 0);
    Generator g = new Generator(7);
    TrainConfig tc = new TrainConfig(30, 4, "adam", 1e-2, 0, "cosine", 3, 1e-4, 1.0, 10, 0, 3);
    new Trainer(new LanguageModel(mc, g), g, train, val, tc, tok, out, null, null).run(30, null);
    return Checkpoint.read(out.resolve("checkpoint")).model();
  }

  private static Map<String, Tensor> train(BpttBatcher train, BpttBatcher val, CharTokenizer tok, Path out)
      throws IOException {
    LanguageModelConfig mc = new LanguageModelConfig("gru", tok.vocabulary().size(), 4, 8, 2, 0.1, 0);
    Generator g = new Generator(9);
    TrainConfig tc = new TrainConfig(40, 3, "adam", 1e-2, 0, "cosine", 3, 1e-4, 1.0, 10, 0, 5);
    new Trainer(new LanguageModel(mc, g), g, train, val, tc, tok, out, null).run(40, null);
    return Checkpoint.read(out.resolve("checkpoint")).model();
  }

  private static void assertSame(Map<String, Tensor> x, Map<String, Tensor> y) {
    assertEquals(x.keySet(), y.keySet());
    for (String k : x.keySet()) {
      assertTrue(x.get(k).contentEquals(y.get(k)), k + " differs between the in-memory and the mapped data");
    }
  }

  @Test
  void lineModeFromTheTokenFileTrainsBitIdentically() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Path f = tmp.resolve("c.txt");
      Files.writeString(f, TEXT, StandardCharsets.UTF_8);
      String text = TEXT.substring(1); // what RunData.readUtf8 gave: the BOM dropped
      CharTokenizer tok = CharTokenizer.fit(text);
      List<int[]> seqs = TextCorpus.lines(text, tok, 20);
      var split = Shuffle.trainValidation(seqs, 0.1, new Generator(11));
      Map<String, Tensor> inMemory = train(new LengthBatcher(split.train(), 4),
          new LengthBatcher(split.validation(), 4), tok, tmp.resolve("a"));

      TokenSequences mapped = TokenFile.fromText(f, tok, 20, tmp.resolve("c.bin"), null, null, JsonObject::new)
          .sequences();
      int[][] idx = Shuffle.indexArrays(mapped.size(), 0.1, new Generator(11));
      Map<String, Tensor> fromFile = train(new LengthBatcher(mapped.subset(idx[0]), 4),
          new LengthBatcher(mapped.subset(idx[1]), 4), tok, tmp.resolve("b"));
      assertSame(inMemory, fromFile);
    }
  }

  @Test
  void streamModeFromTheTokenFileTrainsBitIdentically() throws IOException {
    try (ThreadTeam team = new ThreadTeam(1); ThreadTeam.Scope scope = team.use()) {
      Path f = tmp.resolve("s.txt");
      Files.writeString(f, TEXT, StandardCharsets.UTF_8);
      String text = TEXT.substring(1);
      CharTokenizer tok = CharTokenizer.fit(text);
      int[] ids = tok.encode(text);
      int nTrain = ids.length - 200;
      Map<String, Tensor> inMemory = train(new BpttBatcher(java.util.Arrays.copyOfRange(ids, 0, nTrain), 3, 7),
          new BpttBatcher(java.util.Arrays.copyOfRange(ids, nTrain, ids.length), 2, 7), tok, tmp.resolve("a"));

      TokenStream mapped = TokenFile.fromText(f, tok, 0, tmp.resolve("s.bin"), null, null, JsonObject::new).stream();
      assertEquals(ids.length, mapped.length());
      Map<String, Tensor> fromFile = train(new BpttBatcher(mapped.slice(0, nTrain), 3, 7),
          new BpttBatcher(mapped.slice(nTrain, ids.length), 2, 7), tok, tmp.resolve("b"));
      assertSame(inMemory, fromFile);
    }
  }
}
