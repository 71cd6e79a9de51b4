package dev.rnn4j.cli;

import com.google.gson.JsonObject;
import dev.rnn4j.data.BpttBatcher;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.Shuffle;
import dev.rnn4j.data.TextCorpus;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.WordTokenizer;
import dev.rnn4j.cli.task.AdditionEval;
import dev.rnn4j.cli.task.AdditionTask;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The data of a training run, built either from the built-in addition task or from a UTF-8 text file. Everything is
 * derived from a small JSON description ({@link #source()}), stored in the checkpoint, so eval and resume rebuild
 * exactly the same sets.
 */
record RunData(
    JsonObject source, Tokenizer tokenizer, LengthBatcher train, LengthBatcher validation, BpttBatcher trainStream,
    BpttBatcher validationStream, AdditionTask task, List<AdditionTask.Problem> heldOut, int batchSize) {

  /** The built-in task: {@code trainProblems} random problems, {@code heldOut} others kept apart. */
  static JsonObject additionSource(int digits, int trainProblems, int heldOut, long seed) {
    JsonObject s = new JsonObject();
    s.addProperty("kind", "addition");
    s.addProperty("digits", digits);
    s.addProperty("train_problems", trainProblems);
    s.addProperty("held_out", heldOut);
    s.addProperty("seed", seed);
    return s;
  }

  /** {@code bptt} > 0: the file is one token stream trained with truncated BPTT over chunks of that many steps. */
  static JsonObject textSource(Path file, String tokenizer, int maxLen, int bptt, double valFraction, long seed) {
    JsonObject s = new JsonObject();
    s.addProperty("bptt", bptt);
    s.addProperty("kind", "text");
    s.addProperty("file", file.toAbsolutePath().normalize().toString());
    s.addProperty("tokenizer", tokenizer);
    s.addProperty("max_len", maxLen);
    s.addProperty("val_fraction", valFraction);
    s.addProperty("seed", seed);
    return s;
  }

  /** Builds the data; {@code tokenizer} is the checkpoint's (resume, eval) or null to fit one on the data. */
  static RunData build(JsonObject source, Tokenizer tokenizer, int batchSize) throws IOException {
    String kind = source.get("kind").getAsString();
    long seed = source.get("seed").getAsLong();
    if (kind.equals("addition")) {
      AdditionTask task = new AdditionTask(source.get("digits").getAsInt());
      Generator g = new Generator(seed * 0x9E3779B97F4A7C15L + 17);
      List<AdditionTask.Problem> heldOut = task.distinctProblems(source.get("held_out").getAsInt(), g);
      List<AdditionTask.Problem> train = task.problemsExcluding(source.get("train_problems").getAsInt(), heldOut, g);
      return new RunData(
          source, task.tokenizer(), batcher(task, train, batchSize), batcher(task, heldOut, batchSize), null, null, task,
          heldOut, batchSize);
    }
    Path file = Path.of(source.get("file").getAsString());
    String text = readUtf8(file);
    String tk = source.get("tokenizer").getAsString();
    Tokenizer tok = tokenizer != null ? tokenizer
        : tk.equals("word") ? WordTokenizer.fit(text, 1, 50_000) : CharTokenizer.fit(text);
    int bptt = source.has("bptt") ? source.get("bptt").getAsInt() : 0;
    if (bptt > 0) { // one stream: the first (1 - val_fraction) for training, the rest for validation
      int[] ids = tok.encode(text);
      int nVal = (int) Math.round(ids.length * source.get("val_fraction").getAsDouble());
      int nTrain = ids.length - nVal;
      if (nTrain < 2 * batchSize) {
        throw new IllegalArgumentException("the corpus " + file + " has " + ids.length + " tokens, too few for "
            + batchSize + " BPTT columns (needs at least " + 2 * batchSize + " for training)");
      }
      BpttBatcher train = new BpttBatcher(java.util.Arrays.copyOfRange(ids, 0, nTrain), batchSize, bptt);
      int valColumns = Math.max(1, Math.min(batchSize, nVal / Math.max(2, bptt)));
      BpttBatcher val = nVal >= 2 * valColumns && nVal >= 2
          ? new BpttBatcher(java.util.Arrays.copyOfRange(ids, nTrain, ids.length), valColumns, bptt) : null;
      return new RunData(source, tok, null, null, train, val, null, null, batchSize);
    }
    List<int[]> seqs = TextCorpus.lines(text, tok, source.get("max_len").getAsInt());
    if (seqs.isEmpty()) {
      throw new IllegalArgumentException("the corpus " + file + " is empty (no non-blank line)");
    }
    var split = Shuffle.trainValidation(seqs, source.get("val_fraction").getAsDouble(), new Generator(seed + 3));
    LengthBatcher val = split.validation().isEmpty() ? null : new LengthBatcher(split.validation(), batchSize);
    return new RunData(source, tok, new LengthBatcher(split.train(), batchSize), val, null, null, null, null, batchSize);
  }

  private static LengthBatcher batcher(AdditionTask task, List<AdditionTask.Problem> problems, int batchSize) {
    List<int[]> seqs = new ArrayList<>();
    int[] from = new int[problems.size()];
    for (int i = 0; i < problems.size(); i++) {
      seqs.add(task.encode(problems.get(i)));
      from[i] = task.answerStart(problems.get(i));
    }
    return new LengthBatcher(seqs, from, batchSize);
  }

  /** Reads a UTF-8 file; a missing file or invalid UTF-8 is an error naming the file. */
  static String readUtf8(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file + " (no such file)");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException(file + " is not valid UTF-8 text");
    }
  }

  /** A one-line description for the start of a run. */
  String describe() {
    if (task != null) {
      return "built-in task: " + task.digits() + "-digit addition, " + train.numSequences() + " training problems, "
          + heldOut.size() + " held out";
    }
    String file = source.get("file").getAsString();
    String vocab = "vocabulary " + tokenizer.vocabulary().size();
    return trainStream != null
        ? file + " (one stream, " + trainStream.numChunks() + " chunks of " + source.get("bptt").getAsInt()
            + " steps x " + trainStream.batchSize() + " columns, " + vocab + ")"
        : file + " (" + train.numSequences() + " sequences, " + vocab + ")";
  }

  /** Task accuracy on the held-out problems (at most {@code limit} of them), or null for text data. */
  Trainer.Evaluator evaluator(int limit) {
    if (task == null) {
      return null;
    }
    List<AdditionTask.Problem> some = heldOut.subList(0, Math.min(limit, heldOut.size()));
    return m -> Map.of("accuracy", AdditionEval.accuracy(m, task, some, 256));
  }
}
