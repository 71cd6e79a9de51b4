package dev.rnn4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-pass character tokenization writes, byte for byte, the token file of the two-pass path (fit the
 * vocabulary, then {@link TokenFile#fromText}), whatever the chunk and buffer sizes: with characters first seen after
 * tokens were written (ids rewritten at the end), a vocabulary that outgrows one-byte tokens mid-pass, blank lines
 * and {@code "\r\n"} taken back across buffer writes, a byte-order mark, no final newline. Malformed UTF-8 is refused
 * with its byte offset, exactly where the JDK's decoder refuses it.
 */
class CharTokenPassTest {
  @TempDir Path tmp;

  private static final String TEXT = "héllo wörld 😀 naïve\r\n\n   \n"
      + "€uro and 日本語 text, with punctuation!\n"
      + "a line \r with a lone carriage return\n"
      + "\t\n"
      + "x😀😀😀y 😀 end 12 34_5\r\n"
      + "a very long line: " + "abc déf 😀 ".repeat(40) + "\n"
      + "\u3000 \u3000\r\n" // blank: U+3000 is whitespace
      + "last line without newline é\r";

  /** Lines of random characters from a pool of 400, later lines drawing from more of it; long blank lines. */
  private static String randomText(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] pool = new int[400];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = i < 60 ? 'A' + i : i < 200 ? 0xC0 + i : i < 300 ? 0x4E00 + i * 7 : 0x1F600 + i - 300;
    }
    StringBuilder sb = new StringBuilder();
    for (int line = 0; line < 120; line++) {
      int kind = r.nextInt(10);
      if (kind == 0) {
        sb.append(" ".repeat(r.nextInt(60))).append(r.nextBoolean() ? "\r\n" : "\n"); // blank, maybe long
        continue;
      }
      int len = r.nextInt(kind == 1 ? 200 : 30);
      int reach = Math.min(pool.length, 40 + line * 3); // new characters keep turning up
      for (int i = 0; i < len; i++) {
        int c = r.nextInt(8) == 0 ? (r.nextBoolean() ? ' ' : '\r') : pool[r.nextInt(reach)];
        sb.appendCodePoint(c);
      }
      sb.append(r.nextInt(4) == 0 ? "\r\n" : "\n");
    }
    return sb.toString();
  }

  private Path write(String name, String text, boolean bom) throws IOException {
    byte[] b = ((bom ? "\uFEFF" : "") + text).getBytes(StandardCharsets.UTF_8);
    return Files.write(tmp.resolve(name), b);
  }

  private static JsonObject meta(Tokenizer t, Unknowns u) {
    JsonObject m = new JsonObject();
    m.addProperty("tokenizer", t.toJson());
    m.addProperty("unknown_tokens", u.total());
    return m;
  }

  @Test
  void fittingInOnePassWritesTheFileOfTheTwoPassPath() throws IOException {
    String[] texts = {TEXT, randomText(1), randomText(2), "", "\n\n  \r\n", "no newline", "\r", "a\r\r\nb\r"};
    for (int t = 0; t < texts.length; t++) {
      String text = texts[t];
      Path f = write("t" + t + ".txt", text, t % 2 == 0);
      CharTokenizer expected = CharTokenizer.fit(text);
      for (int maxLen : new int[] {0, 1, 3, 64}) {
        Path old = tmp.resolve("old.bin");
        TokenFile.fromText(f, expected, maxLen, old, null, null, () -> meta(expected, new Unknowns(0, Map.of())))
            .close();
        byte[] want = Files.readAllBytes(old);
        for (int chunk : new int[] {1, 3, 1 << 16}) {
          for (int buffer : new int[] {1, 7, 1 << 20}) {
            String what = "text " + t + ", maxLen " + maxLen + ", chunk " + chunk + ", buffer " + buffer;
            CRC32C crc = new CRC32C();
            Path got = tmp.resolve("new.bin");
            CharTokenPass.Result r = CharTokenPass.run(f, null, maxLen, got, crc, null, CharTokenPassTest::meta,
                chunk, buffer);
            assertEquals(expected.vocabulary(), r.tokenizer().vocabulary(), what);
            assertTrue(r.unknowns().isEmpty(), what);
            assertEquals(r.tokens().numTokens(), r.unknowns().tokens(), what);
            r.tokens().close();
            assertArrayEquals(want, Files.readAllBytes(got), what);
            CRC32C all = new CRC32C();
            all.update(Files.readAllBytes(f));
            assertEquals(all.getValue(), crc.getValue(), what);
            TokenFile.open(got).close(); // its checksum holds
          }
        }
      }
    }
  }

  @Test
  void aVocabularyThatOutgrowsOneByteMidPassIsWidenedAndTheSequencesMatch() throws IOException {
    String text = randomText(3);
    CharTokenizer expected = CharTokenizer.fit(text);
    assertEquals(2, TokenFile.widthFor(expected.vocabulary().size()));
    Path f = write("wide.txt", text, false);
    CharTokenPass.Result r = CharTokenPass.run(f, null, 16, tmp.resolve("w.bin"), null, null,
        CharTokenPassTest::meta, 4, 3);
    assertEquals(2, r.tokens().width());
    List<int[]> seqs = TextCorpus.lines(text, expected, 16);
    assertEquals(seqs.size(), r.tokens().numSequences());
    for (int i = 0; i < seqs.size(); i++) {
      assertArrayEquals(seqs.get(i), r.tokens().sequences().get(i), "sequence " + i);
    }
    r.tokens().close();
  }

  @Test
  void aGivenVocabularyCountsTheUnknownTokensOfTheFile() throws IOException {
    CharTokenizer small = CharTokenizer.fit("abc \r\nA");
    for (String text : new String[] {TEXT, randomText(4)}) {
      Path f = write("u.txt", text, true);
      for (int maxLen : new int[] {0, 2, 64}) {
        Path old = tmp.resolve("old.bin");
        TokenFile.fromText(f, small, maxLen, old, null, null, () -> new JsonObject()).close();
        byte[] want = Files.readAllBytes(old);
        Map<String, Long> counts = new LinkedHashMap<>();
        long tokens = 0;
        if (maxLen == 0) {
          Unknowns u = Unknowns.of(small, text);
          counts.putAll(u.counts());
          tokens = u.tokens();
        } else {
          for (String line : text.split("\r?\n")) {
            if (!line.isBlank()) {
              Unknowns u = Unknowns.of(small, line);
              u.counts().forEach((k, v) -> counts.merge(k, v, Long::sum));
              tokens += u.tokens();
            }
          }
        }
        for (int buffer : new int[] {1, 5, 1 << 20}) {
          CharTokenPass.Result r = CharTokenPass.run(f, small, maxLen, tmp.resolve("new.bin"), null, null,
              (t, u) -> new JsonObject(), 3, buffer);
          r.tokens().close();
          assertArrayEquals(want, Files.readAllBytes(tmp.resolve("new.bin")), "maxLen " + maxLen + ", buffer " + buffer);
          assertEquals(tokens, r.unknowns().tokens());
          assertEquals(counts, r.unknowns().counts());
          assertEquals(List.copyOf(counts.keySet()), List.copyOf(r.unknowns().counts().keySet())); // first-seen order
        }
      }
    }
  }

  @Test
  void malformedUtf8IsRefusedWithItsByteOffset() throws IOException {
    Object[][] cases = {
        {new byte[] {'a', 'b', (byte) 0xC3, '\n', 'c'}, 2},
        {new byte[] {'a', (byte) 0xF0, (byte) 0x9F}, 1}, // cut off by the end of the file
        {new byte[] {(byte) 0x80}, 0},
        {new byte[] {'x', (byte) 0xC0, (byte) 0x80}, 1}, // overlong
        {new byte[] {'x', 'y', (byte) 0xE0, (byte) 0x80, (byte) 0x80}, 2}, // overlong
        {new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0}, // a surrogate
        {new byte[] {'z', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, 1}, // above U+10FFFF
        {new byte[] {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, 0},
        {new byte[] {'a', (byte) 0xE2, (byte) 0x82, 'b'}, 1},
    };
    for (Object[] c : cases) {
      Path f = Files.write(tmp.resolve("bad.txt"), (byte[]) c[0]);
      for (int chunk : new int[] {1, 2, 64}) {
        var e = assertThrows(IOException.class, () -> CharTokenPass.run(f, null, 8, tmp.resolve("b.bin"), null, null,
            CharTokenPassTest::meta, chunk, 4));
        assertTrue(e.getMessage().contains("is not valid UTF-8 text (at byte " + c[1] + ":"), e.getMessage());
      }
      try (var files = Files.list(tmp)) {
        assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".b.bin")), "partial files are removed");
      }
    }
  }

  @Test
  void acceptsExactlyWhatTheJdkDecoderAccepts() throws IOException {
    SplittableRandom r = new SplittableRandom(5);
    int[] interesting = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED,
        0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
    for (int n = 0; n < 800; n++) {
      byte[] b = new byte[1 + r.nextInt(5)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) interesting[r.nextInt(interesting.length)];
      }
      boolean jdk = true;
      try {
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      } catch (CharacterCodingException e) {
        jdk = false;
      }
      Path f = Files.write(tmp.resolve("r.txt"), b);
      boolean ours = true;
      try {
        CharTokenPass.run(f, null, 0, tmp.resolve("r.bin"), null, null, CharTokenPassTest::meta, 2, 4).tokens().close();
      } catch (IOException e) {
        ours = false;
      }
      assertEquals(jdk, ours, java.util.HexFormat.of().formatHex(b));
    }
  }
}
