package dev.rnn4j.cli;

import com.google.gson.JsonObject;
import dev.rnn4j.data.CharTokenPass;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.TextPass;
import dev.rnn4j.data.TokenFile;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.TokenizerFit;
import dev.rnn4j.data.Unknowns;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The token file of a run's training text, {@value #FILE} in the run's folder: built in one streaming pass and then
 * memory-mapped, so the text is never held in memory. It is reused while the text's size, modification time and
 * CRC-32C, the tokenizer and the sequence cut are those it was built from (all stored in it); otherwise, or when it
 * is damaged, it is built again.
 *
 * <p>With the character tokenizer, one pass over the text computes the CRC-32C, fits the vocabulary and writes the
 * tokens ({@link CharTokenPass}). The word tokenizer reads the text twice: one pass computes the CRC-32C and fits the
 * vocabulary, the second writes the tokens. When a valid cache of the same text is found, one pass only checks the
 * CRC-32C.
 *
 * @param fingerprint the text's {@code {"size", "mtime_ms", "crc32c"}} (as {@link RunData#fingerprint})
 * @param unknowns the tokens of the text that the vocabulary lacks
 */
record TokenCache(JsonObject fingerprint, Tokenizer tokenizer, TokenFile tokens, Unknowns unknowns) {
  static final String FILE = "tokens.bin";

  /**
   * For a new run: the tokens of {@code text}, with a tokenizer of {@code kind} fitted on it.
   *
   * @param maxLen sequences of at most this many tokens, one or more per non-blank line; 0 for one stream (BPTT)
   */
  static TokenCache forNewRun(Path text, String kind, int maxLen, Path runDir, boolean progress, PrintWriter o)
      throws IOException {
    RunData.checkReadable(text);
    Path cache = runDir.resolve(FILE);
    long size = Files.size(text);
    long mtime = Files.getLastModifiedTime(text).toMillis();
    TokenFile old = openIfValid(cache, o);
    if (old != null && sameSource(old.meta(), text, maxLen) && old.meta().getAsJsonObject("source").get("size")
        .getAsLong() == size && old.meta().getAsJsonObject("source").get("mtime_ms").getAsLong() == mtime
        && Tokenizer.fromJson(old.meta().get("tokenizer").getAsString()).kind().equals(kind)) {
      CRC32C crc = new CRC32C();
      try (Bar bar = new Bar("checking", size, progress); var in = Files.newInputStream(text)) {
        byte[] buf = new byte[1 << 20];
        long done = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
          crc.update(buf, 0, n);
          bar.accept(done += n);
        }
      }
      if (hex(crc).equals(old.meta().getAsJsonObject("source").get("crc32c").getAsString())) {
        return fromFile(old);
      }
      o.println("note: " + text + " has changed since " + cache + " was built; building it again");
    }
    if (old != null) {
      old.close();
    }
    CRC32C crc = new CRC32C();
    if (kind.equals("char")) {
      JsonObject fp = new JsonObject();
      fp.addProperty("size", size);
      fp.addProperty("mtime_ms", mtime);
      try (Bar bar = new Bar("tokens", size, progress)) {
        CharTokenPass.Result r = CharTokenPass.fit(text, maxLen, cache, crc, bar, (tok, unk) -> {
          fp.addProperty("crc32c", hex(crc)); // the pass has read every byte by now
          return meta(text, fp, maxLen, tok, unk);
        });
        return fromFile(r.tokens());
      }
    }
    TokenizerFit fit = TokenizerFit.of(kind);
    try (Bar bar = new Bar("vocabulary", size, progress)) {
      TextPass.read(text, crc, bar, fit::accept);
    }
    JsonObject fp = new JsonObject();
    fp.addProperty("size", size);
    fp.addProperty("mtime_ms", mtime);
    fp.addProperty("crc32c", hex(crc));
    return build(text, fp, fit.result(), maxLen, cache, progress);
  }

  /**
   * For a resumed run: the tokens of {@code text} under the checkpoint's tokenizer, from the cache when it was built
   * from the same text ({@code fingerprint}, already checked by the caller against the file), else built again.
   */
  static TokenCache forResume(Path text, JsonObject fingerprint, Tokenizer tokenizer, int maxLen, Path runDir,
      boolean progress, PrintWriter o) throws IOException {
    RunData.checkReadable(text);
    Path cache = runDir.resolve(FILE);
    TokenFile old = openIfValid(cache, o);
    if (old != null && sameSource(old.meta(), text, maxLen) && old.meta().getAsJsonObject("source").equals(fingerprint)
        && old.meta().get("tokenizer").getAsString().equals(tokenizer.toJson())
        && Files.size(text) == fingerprint.get("size").getAsLong()
        && Files.getLastModifiedTime(text).toMillis() == fingerprint.get("mtime_ms").getAsLong()) {
      return fromFile(old);
    }
    if (old != null) {
      old.close();
    }
    return build(text, fingerprint, tokenizer, maxLen, cache, progress);
  }

  private static TokenCache build(Path text, JsonObject fp, Tokenizer tok, int maxLen, Path cache, boolean progress)
      throws IOException {
    try (Bar bar = new Bar("tokens", fp.get("size").getAsLong(), progress)) {
      if (tok instanceof CharTokenizer c) {
        return fromFile(CharTokenPass.encode(text, c, maxLen, cache, null, bar,
            (t, unk) -> meta(text, fp, maxLen, t, unk)).tokens());
      }
      Unknowns.Counter counter = new Unknowns.Counter(tok);
      return fromFile(TokenFile.fromText(text, tok, maxLen, cache, counter, bar,
          () -> meta(text, fp, maxLen, tok, counter.result())));
    }
  }

  /** The description stored in the cache: what it was built from, and the unknown tokens. */
  private static JsonObject meta(Path text, JsonObject fp, int maxLen, Tokenizer tok, Unknowns u) {
    JsonObject m = new JsonObject();
    m.addProperty("file", text.toAbsolutePath().normalize().toString());
    m.add("source", fp);
    m.addProperty("max_len", maxLen);
    m.addProperty("tokenizer", tok.toJson());
    JsonObject un = new JsonObject();
    un.addProperty("tokens", u.tokens());
    JsonObject counts = new JsonObject();
    u.counts().forEach(counts::addProperty);
    un.add("counts", counts);
    m.add("unknowns", un);
    return m;
  }

  private static TokenCache fromFile(TokenFile tf) {
    JsonObject m = tf.meta();
    JsonObject un = m.getAsJsonObject("unknowns");
    Map<String, Long> counts = new LinkedHashMap<>();
    un.getAsJsonObject("counts").entrySet().forEach(e -> counts.put(e.getKey(), e.getValue().getAsLong()));
    return new TokenCache(m.getAsJsonObject("source"), Tokenizer.fromJson(m.get("tokenizer").getAsString()), tf,
        new Unknowns(un.get("tokens").getAsLong(), counts));
  }

  private static boolean sameSource(JsonObject meta, Path text, int maxLen) {
    return meta.get("file").getAsString().equals(text.toAbsolutePath().normalize().toString())
        && meta.get("max_len").getAsInt() == maxLen;
  }

  /** The cache, or null when there is none or it cannot be used (said on {@code o}: it will be built again). */
  private static TokenFile openIfValid(Path cache, PrintWriter o) throws IOException {
    if (!Files.exists(cache)) {
      return null;
    }
    try {
      TokenFile tf = TokenFile.open(cache);
      JsonObject m = tf.meta();
      for (String k : new String[] {"file", "source", "max_len", "tokenizer", "unknowns"}) {
        if (!m.has(k)) {
          tf.close();
          throw new IllegalStateException("its description lacks '" + k + "'");
        }
      }
      return tf;
    } catch (TokenFile.Invalid | NoSuchFileException | RuntimeException e) {
      o.println("note: the token cache " + cache + " cannot be used (" + e.getMessage() + "); building it again");
      o.flush();
      return null;
    }
  }

  private static String hex(CRC32C crc) {
    return Long.toHexString(crc.getValue());
  }

  /** A progress bar over the bytes of a pass, in MB, on standard error; nothing with {@code --no-progress}. */
  private static final class Bar implements LongConsumer, AutoCloseable {
    private final ProgressBar bar;

    Bar(String task, long bytes, boolean show) {
      bar = show ? new ProgressBarBuilder().setTaskName(task).setInitialMax(bytes).setUnit(" MB", 1 << 20)
          .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
          .setConsumer(new ConsoleProgressBarConsumer(System.err)).build() : null;
    }

    @Override
    public void accept(long done) {
      if (bar != null) {
        bar.stepTo(done);
      }
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
      }
    }
  }
}
