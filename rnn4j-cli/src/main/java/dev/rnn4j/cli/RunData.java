package dev.rnn4j.cli;

import com.google.gson.JsonObject;
import dev.rnn4j.data.BpttBatcher;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.Shuffle;
import dev.rnn4j.data.StreamBatcher;
import dev.rnn4j.data.StreamBatches;
import dev.rnn4j.data.WindowBatcher;
import dev.rnn4j.data.TokenFile;
import dev.rnn4j.data.TokenSequences;
import dev.rnn4j.data.TokenStream;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Unknowns;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.cli.task.AdditionEval;
import dev.rnn4j.cli.task.AdditionTask;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The data of a training run, built either from the built-in addition task or from a UTF-8 text file. Everything is
 * derived from a small JSON description ({@link #source()}), stored in the checkpoint, so eval and resume rebuild
 * exactly the same sets. A text corpus is read from its memory-mapped token file, {@code tokens} (null for the
 * built-in task), which the owner of this object closes when the run ends. A stream trains either with the state
 * carried ({@code trainStream} a {@link StreamBatcher}, validated by {@code validationStream}) or in independent
 * windows ({@code trainStream} a {@link WindowBatcher}, validated on {@code validationText} as consecutive windows).
 */
record RunData(
    JsonObject source, Tokenizer tokenizer, LengthBatcher train, LengthBatcher validation, StreamBatches trainStream,
    BpttBatcher validationStream, TokenStream validationText, AdditionTask task, List<AdditionTask.Problem> heldOut,
    int batchSize, Unknowns unknowns, TokenFile tokens) {

  RunData(
      JsonObject source, Tokenizer tokenizer, LengthBatcher train, LengthBatcher validation, StreamBatches trainStream,
      BpttBatcher validationStream, AdditionTask task, List<AdditionTask.Problem> heldOut, int batchSize) {
    this(source, tokenizer, train, validation, trainStream, validationStream, null, task, heldOut, batchSize, null,
        null);
  }

  /** {@code --batching windows}: independent windows from a zero state, drawn at random offsets. */
  static final String WINDOWS = "windows";

  /** {@code --batching stream}: columns whose state carries from chunk to chunk. */
  static final String STREAM = "stream";

  /** How a source's stream is batched: {@link #WINDOWS} or {@link #STREAM} (a source from before the choice). */
  static String batching(JsonObject source) {
    return source.has("batching") ? source.get("batching").getAsString() : STREAM;
  }

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

  /**
   * {@code bptt} > 0: the file is one token stream, batched as {@code batching} says: {@link #WINDOWS}, independent
   * windows of {@code bptt} steps from a zero state, or {@link #STREAM}, truncated BPTT over chunks of about that many
   * steps, its documents shuffled and its chunks varied each epoch ({@code "stream_order": "shuffled"}; a source
   * without that key, from before shuffling, keeps the same chunks every epoch). Either way the validation documents
   * are sampled from the whole file.
   */
  static JsonObject textSource(Path file, JsonObject fingerprint, String tokenizer, int maxLen, int bptt,
      String batching, double valFraction, long seed) {
    JsonObject s = new JsonObject();
    s.add("data", fingerprint);
    s.addProperty("bptt", bptt);
    if (bptt > 0) {
      if (!batching.equals(WINDOWS) && !batching.equals(STREAM)) {
        throw new IllegalArgumentException("--batching must be windows or stream, got '" + batching + "'");
      }
      s.addProperty("batching", batching);
      s.addProperty("stream_order", "shuffled");
    }
    s.addProperty("kind", "text");
    s.addProperty("file", file.toAbsolutePath().normalize().toString());
    s.addProperty("tokenizer", tokenizer);
    s.addProperty("max_len", maxLen);
    s.addProperty("val_fraction", valFraction);
    s.addProperty("seed", seed);
    return s;
  }

  /** The size, modification time and CRC-32C of {@code file}: what tells a resumed run that its data changed. */
  static JsonObject fingerprint(Path file) throws IOException {
    JsonObject f = new JsonObject();
    f.addProperty("size", Files.size(file));
    f.addProperty("mtime_ms", Files.getLastModifiedTime(file).toMillis());
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        crc.update(buf, 0, n);
      }
    }
    f.addProperty("crc32c", Long.toHexString(crc.getValue()));
    return f;
  }

  /**
   * Null if the training file of {@code source} is as it was when the run started, else what changed. Equal size
   * and modification time count as unchanged; a touched file with the same size is hashed again.
   */
  static String dataChange(JsonObject source) throws IOException {
    if (!source.has("data") || !source.has("file")) {
      return null; // the built-in task, or a run from before fingerprints
    }
    Path file = Path.of(source.get("file").getAsString());
    checkReadable(file);
    JsonObject was = source.getAsJsonObject("data");
    long size = Files.size(file);
    if (size != was.get("size").getAsLong()) {
      return file + " has changed since the run started (" + was.get("size").getAsLong() + " bytes then, " + size
          + " now)";
    }
    if (Files.getLastModifiedTime(file).toMillis() == was.get("mtime_ms").getAsLong()) {
      return null;
    }
    String crc = fingerprint(file).get("crc32c").getAsString();
    return crc.equals(was.get("crc32c").getAsString()) ? null
        : file + " has changed since the run started (same size, different content: CRC-32C " + was.get("crc32c")
            .getAsString() + " then, " + crc + " now)";
  }

  /** Builds the data of the built-in task; {@code tokenizer} is ignored (the task has its own). */
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
    throw new IllegalArgumentException("a text corpus is built with build(source, tokenizer, batchSize, runDir, ...)");
  }

  /**
   * Builds the data of a resumed text run from its token cache in {@code runDir} (built again when stale), with the
   * checkpoint's {@code tokenizer}.
   */
  static RunData build(JsonObject source, Tokenizer tokenizer, int batchSize, Path runDir, boolean progress,
      java.io.PrintWriter o) throws IOException {
    if (!source.get("kind").getAsString().equals("text")) {
      return build(source, tokenizer, batchSize);
    }
    Path file = Path.of(source.get("file").getAsString());
    TokenCache c = TokenCache.forResume(file, source.getAsJsonObject("data"), tokenizer, sequenceCut(source), runDir,
        progress, o);
    return fromTokens(source, tokenizer, c.tokens(), c.unknowns(), batchSize);
  }

  /** The {@code maxLen} of {@link TokenCache}: the maximum sequence length in line mode, 0 for one BPTT stream. */
  static int sequenceCut(JsonObject source) {
    int bptt = source.has("bptt") ? source.get("bptt").getAsInt() : 0;
    if (bptt > 0) {
      return 0;
    }
    int maxLen = source.get("max_len").getAsInt();
    if (maxLen <= 0) {
      throw new IllegalArgumentException("--max-len must be at least 1, got " + maxLen);
    }
    return maxLen;
  }

  /**
   * The data of a text run read from its token file: batches and validation are built step by step from the
   * mapping. {@code unknowns} is reported to the user when not null.
   */
  static RunData fromTokens(JsonObject source, Tokenizer tok, TokenFile tokens, Unknowns unknowns, int batchSize) {
    Path file = Path.of(source.get("file").getAsString());
    long seed = source.get("seed").getAsLong();
    double valFraction = source.get("val_fraction").getAsDouble();
    int bptt = source.has("bptt") ? source.get("bptt").getAsInt() : 0;
    if (bptt > 0) { // one stream: the first (1 - val_fraction) for training, the rest for validation
      if (tok.vocabulary().ordinaryTokens().stream().allMatch(String::isBlank)) {
        throw new IllegalArgumentException("the corpus " + file + " is empty (only blank space)");
      }
      TokenStream ids = tokens.stream();
      long n = ids.length();
      long nVal = Math.round(n * valFraction);
      long nTrain = n - nVal;
      boolean windows = batching(source).equals(WINDOWS);
      if (!windows && nTrain < 2L * batchSize) {
        throw new IllegalArgumentException("the corpus " + file + " has " + n + " tokens, too few for "
            + batchSize + " BPTT columns (needs at least " + 2 * batchSize + " for training)");
      }
      TokenStream trainIds = ids.slice(0, nTrain);
      TokenStream valIds = ids.slice(nTrain, n);
      boolean shuffled = source.has("stream_order") && source.get("stream_order").getAsString().equals("shuffled");
      StreamBatches train;
      int valColumns;
      if (shuffled) {
        long[] docs = StreamBatcher.documentStarts(ids, singleId(tok, "\n"), singleId(tok, "\r"), bptt);
        long[] trainDocs = null;
        if (docs.length >= MIN_DOCUMENTS_TO_SAMPLE) { // validation: documents from all over the file
          StreamBatcher.Split split = StreamBatcher.holdOut(ids, docs, valFraction, new Generator(seed + 3));
          trainIds = split.train();
          trainDocs = split.trainStarts();
          valIds = split.validation();
        } else if (docs.length > 1) { // too few to sample: the last tokens validate, the documents before them train
          trainDocs = java.util.Arrays.stream(docs).filter(d -> d < nTrain).toArray();
        }
        if (windows) {
          if (trainIds.length() < bptt + 1L) {
            throw new IllegalArgumentException("the corpus " + file + " has " + n + " tokens, too few for windows of "
                + "--bptt " + bptt + " (needs at least " + (bptt + 1L) + " for training); lower --bptt, or train line "
                + "by line with --bptt 0");
          }
          TokenStream val = valIds.length() >= 2 ? valIds : null;
          return new RunData(source, tok, null, null, new WindowBatcher(trainIds, batchSize, bptt), null, val, null,
              null, batchSize, unknowns, tokens);
        }
        if (trainIds.length() < 2L * batchSize + bptt) {
          throw new IllegalArgumentException("the corpus " + file + " has " + n + " tokens, too few for "
              + batchSize + " BPTT columns of --bptt " + bptt + " (needs at least " + (2L * batchSize + bptt)
              + " for training); lower --batch-size or --bptt, or train line by line with --bptt 0");
        }
        train = StreamBatcher.shuffled(trainIds, trainDocs, batchSize, bptt);
        valColumns = streamColumns(valIds.length(), bptt, batchSize);
      } else {
        train = StreamBatcher.fixed(trainIds, batchSize, bptt);
        valColumns = (int) Math.max(1, Math.min(batchSize, nVal / Math.max(2, bptt)));
      }
      BpttBatcher val = valIds.length() >= 2L * valColumns && valIds.length() >= 2
          ? new BpttBatcher(valIds, valColumns, bptt) : null;
      return new RunData(source, tok, null, null, train, val, null, null, null, batchSize, unknowns, tokens);
    }
    TokenSequences seqs = tokens.sequences();
    if (seqs.size() == 0) {
      throw new IllegalArgumentException("the corpus " + file + " is empty (no non-blank line)");
    }
    int[][] split = Shuffle.indexArrays(seqs.size(), valFraction, new Generator(seed + 3));
    LengthBatcher val = split[1].length == 0 ? null : new LengthBatcher(seqs.subset(split[1]), batchSize);
    return new RunData(source, tok, new LengthBatcher(seqs.subset(split[0]), batchSize), val, null, null, null, null,
        null, batchSize, unknowns, tokens);
  }

  /**
   * Documents a stream needs before its validation set is sampled from them (5% of them, by the seed); with fewer,
   * the last 5% of the tokens validate.
   */
  static final int MIN_DOCUMENTS_TO_SAMPLE = 20;

  /**
   * Columns a stream of {@code n} held-out tokens is scored in (validation, {@code eval --bptt}): as few as give each
   * column at least 50 chunks of {@code bptt}, so that nearly every token is scored with a long carried state; at
   * least 1, at most {@code max}.
   */
  static int streamColumns(long n, int bptt, int max) {
    return (int) Math.max(1, Math.min(max, n / (50L * bptt)));
  }

  /** The id {@code text} encodes to when that is one known token, else -1. */
  static int singleId(Tokenizer tok, String text) {
    int[] ids = tok.encode(text);
    return ids.length == 1 && ids[0] != Vocabulary.UNK_ID ? ids[0] : -1;
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

  /** Throws an IOException saying why {@code file} cannot be read as a text file, if it cannot. */
  static void checkReadable(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException(file + " is a folder, not a text file");
    }
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file + " (no such file)");
    }
    if (!Files.isReadable(file)) {
      throw new IOException(file + ": permission denied (cannot read it)");
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
    if (trainStream instanceof WindowBatcher w) {
      return file + " (one stream of " + w.numStarts() + " window starts, " + w.batchSize() + " windows of "
          + w.bptt() + " steps per batch, each from a zero state, " + w.chunksPerEpoch() + " batches per epoch, "
          + vocab + ")";
    }
    if (trainStream instanceof StreamBatcher s) {
      return file + " (one stream, " + (s.varies() ? "about " : "") + s.chunksPerEpoch() + " chunks of "
          + (s.varies() ? "about " : "") + s.bptt() + " steps x " + s.batchSize() + " columns per epoch"
          + (s.varies() ? ", " + s.numDocuments() + " documents shuffled each epoch" : "") + ", " + vocab + ")";
    }
    return file + " (" + train.numSequences() + " sequences, " + vocab + ")";
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
