package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.TextCorpus;
import dev.rnn4j.data.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token cache of a run: reused while the text's size, modification time and content are unchanged, built again
 * (with a note) when any of them changes or the cache is damaged, and always holding the tokens of the current text.
 */
class TokenCacheTest {
  @TempDir Path tmp;

  private static final String TEXT = "\uFEFFthe cat sat on the mat\nnaïve 😀 text\r\n\nend without newline";

  private final StringWriter said = new StringWriter();
  private final PrintWriter o = new PrintWriter(said, true);

  private Object fileKey(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
  }

  private static void assertHoldsTokensOf(TokenCache c, String text) {
    List<int[]> expected = TextCorpus.lines(text.startsWith("\uFEFF") ? text.substring(1) : text, c.tokenizer(), 8);
    assertEquals(expected.size(), c.tokens().numSequences());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), c.tokens().sequences().get(i));
    }
  }

  @Test
  void aCacheIsReusedUntilTheTextChangesInSizeTimeOrContent() throws IOException {
    Path text = tmp.resolve("t.txt");
    Path run = tmp.resolve("run");
    Files.createDirectories(run);
    Files.writeString(text, TEXT, StandardCharsets.UTF_8);
    TokenCache a = TokenCache.forNewRun(text, "char", 8, run, false, o);
    Path cache = run.resolve(TokenCache.FILE);
    assertEquals(RunData.fingerprint(text), a.fingerprint());
    assertHoldsTokensOf(a, TEXT);
    Object key = fileKey(cache);
    Path probe = Files.createFile(run.resolve("probe")); // a new file: the umask's mode, which the cache also has
    assertEquals(Files.getPosixFilePermissions(probe), Files.getPosixFilePermissions(cache));

    TokenCache b = TokenCache.forNewRun(text, "char", 8, run, false, o); // unchanged: reused
    assertEquals(key, fileKey(cache));
    assertEquals(a.fingerprint(), b.fingerprint());
    assertEquals(a.tokenizer().vocabulary(), b.tokenizer().vocabulary());
    TokenCache r = TokenCache.forResume(text, a.fingerprint(), a.tokenizer(), 8, run, false, o);
    assertEquals(key, fileKey(cache));
    assertHoldsTokensOf(r, TEXT);

    TokenCache.forNewRun(text, "char", 5, run, false, o); // another sequence cut: built again
    assertNotEquals(key, fileKey(cache));
    TokenCache.forNewRun(text, "char", 8, run, false, o);
    key = fileKey(cache);

    // the same size and modification time, other content: only the CRC-32C tells, and it does
    FileTime mtime = Files.getLastModifiedTime(text);
    String same = TEXT.replace("cat", "dog");
    Files.writeString(text, same, StandardCharsets.UTF_8);
    Files.setLastModifiedTime(text, mtime);
    TokenCache c = TokenCache.forNewRun(text, "char", 8, run, false, o);
    assertNotEquals(key, fileKey(cache));
    assertTrue(said.toString().contains("has changed since"), said.toString());
    assertHoldsTokensOf(c, same);
    assertNotEquals(a.fingerprint().get("crc32c"), c.fingerprint().get("crc32c"));
    key = fileKey(cache);

    Files.setLastModifiedTime(text, FileTime.fromMillis(mtime.toMillis() + 5000)); // touched: built again
    TokenCache d = TokenCache.forNewRun(text, "char", 8, run, false, o);
    assertNotEquals(key, fileKey(cache));
    assertEquals(mtime.toMillis() + 5000, d.fingerprint().get("mtime_ms").getAsLong());
    key = fileKey(cache);

    String longer = same + "\nmore text";
    Files.writeString(text, longer, StandardCharsets.UTF_8);
    TokenCache e = TokenCache.forNewRun(text, "char", 8, run, false, o);
    assertNotEquals(key, fileKey(cache));
    assertHoldsTokensOf(e, longer);
    assertEquals(Files.size(text), e.fingerprint().get("size").getAsLong());
  }

  @Test
  void aResumeWithAnotherFingerprintOrTokenizerRebuildsWithTheCheckpointsTokenizer() throws IOException {
    Path text = tmp.resolve("t.txt");
    Path run = tmp.resolve("run");
    Files.createDirectories(run);
    Files.writeString(text, TEXT, StandardCharsets.UTF_8);
    TokenCache a = TokenCache.forNewRun(text, "char", 8, run, false, o);
    Object key = fileKey(run.resolve(TokenCache.FILE));
    Tokenizer small = CharTokenizer.fit("the ca");
    TokenCache r = TokenCache.forResume(text, a.fingerprint(), small, 8, run, false, o);
    assertNotEquals(key, fileKey(run.resolve(TokenCache.FILE)));
    assertEquals(small.vocabulary(), r.tokenizer().vocabulary());
    assertHoldsTokensOf(r, TEXT);
    assertTrue(r.unknowns().counts().containsKey("😀"), r.unknowns().counts().toString());
    assertEquals(RunData.fingerprint(text), r.fingerprint());
  }

  @Test
  void aDamagedOrTruncatedCacheIsBuiltAgainWithANote() throws IOException {
    Path text = tmp.resolve("t.txt");
    Path run = tmp.resolve("run");
    Files.createDirectories(run);
    Files.writeString(text, TEXT, StandardCharsets.UTF_8);
    TokenCache.forNewRun(text, "char", 8, run, false, o);
    Path cache = run.resolve(TokenCache.FILE);
    byte[] good = Files.readAllBytes(cache);

    Files.write(cache, java.util.Arrays.copyOf(good, good.length / 2));
    TokenCache t = TokenCache.forNewRun(text, "char", 8, run, false, o);
    assertTrue(said.toString().contains("cannot be used") && said.toString().contains("truncated"), said.toString());
    assertHoldsTokensOf(t, TEXT);

    byte[] bad = good.clone();
    bad[66] ^= 0x20; // a token
    Files.write(cache, bad);
    said.getBuffer().setLength(0);
    TokenCache d = TokenCache.forResume(text, t.fingerprint(), t.tokenizer(), 8, run, false, o);
    assertTrue(said.toString().contains("damaged"), said.toString());
    assertHoldsTokensOf(d, TEXT);
    assertArrayEquals(good, Files.readAllBytes(cache));

    Files.writeString(cache, "not a token file at all, but long enough for a header of sixty-four bytes......");
    said.getBuffer().setLength(0);
    assertHoldsTokensOf(TokenCache.forNewRun(text, "char", 8, run, false, o), TEXT);
    assertTrue(said.toString().contains("not an rnn4j token file"), said.toString());
  }
}
