package dev.rnn4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.tensor.Generator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming text pass and the memory-mapped token file give exactly what the in-memory path gives: the same
 * segments of text, vocabulary, unknown counts, sequences and stream, whatever the chunk size; damaged files are
 * refused with a reason.
 */
class TokenFileTest {
  @TempDir Path tmp;

  /** Multi-byte characters (2, 3 and 4 bytes), blank and empty lines, CRLF, a lone CR, no trailing newline. */
  private static final String TEXT = "héllo wörld 😀 naïve\r\n\n   \n"
      + "€uro and 日本語 text, with punctuation!\n"
      + "a line \r with a lone carriage return\n"
      + "\t\n"
      + "x😀😀😀y 😀 end 12 34_5\r\n"
      + "a very long line: " + "abc déf 😀 ".repeat(40) + "\n"
      + "last line without newline é";

  private Path write(String name, String text, boolean bom) throws IOException {
    Path p = tmp.resolve(name);
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    if (bom) {
      byte[] withBom = new byte[b.length + 3];
      withBom[0] = (byte) 0xEF;
      withBom[1] = (byte) 0xBB;
      withBom[2] = (byte) 0xBF;
      System.arraycopy(b, 0, withBom, 3, b.length);
      b = withBom;
    }
    Files.write(p, b);
    return p;
  }

  @Test
  void textPassGivesTheWholeTextInSegmentsCutOnlyWhereTokensCannotSpan() throws IOException {
    Path f = write("t.txt", TEXT, true);
    for (int chunk : new int[] {1, 2, 3, 5, 7, 64, 1 << 20}) {
      for (int maxSegment : new int[] {4, 30, 1 << 16}) {
        List<String> segs = new ArrayList<>();
        TextPass.read(f, null, null, segs::add, chunk, maxSegment);
        assertEquals(TEXT, String.join("", segs), "chunk " + chunk + ", segment " + maxSegment); // BOM dropped
        for (int i = 0; i < segs.size() - 1; i++) {
          String s = segs.get(i);
          char last = s.charAt(s.length() - 1);
          assertTrue(last == '\n' || (Character.isWhitespace(last) && last != '\r'), "segment ends in '" + last + "'");
        }
      }
    }
  }

  @Test
  void textPassRefusesInvalidUtf8AndChecksumsEveryByte() throws IOException {
    Path f = tmp.resolve("bad.txt");
    Files.write(f, new byte[] {'a', 'b', (byte) 0xC3, '\n', 'c'});
    var e = assertThrows(IOException.class, () -> TextPass.read(f, null, null, s -> {}, 2, 8));
    assertTrue(e.getMessage().contains("is not valid UTF-8"), e.getMessage());
    Path cut = tmp.resolve("cut.txt"); // a character cut off by the end of the file
    Files.write(cut, new byte[] {'a', (byte) 0xF0, (byte) 0x9F});
    assertThrows(IOException.class, () -> TextPass.read(cut, null, null, s -> {}, 1, 8));
    Path ok = write("ok.txt", TEXT, true);
    java.util.zip.CRC32C a = new java.util.zip.CRC32C();
    TextPass.read(ok, a, null, s -> {}, 3, 8);
    java.util.zip.CRC32C b = new java.util.zip.CRC32C();
    b.update(Files.readAllBytes(ok));
    assertEquals(b.getValue(), a.getValue());
  }

  @Test
  void streamingFitsAndCountsEqualTheWholeText() throws IOException {
    Path f = write("t.txt", TEXT, true);
    for (String kind : new String[] {"char", "word"}) {
      TokenizerFit fit = TokenizerFit.of(kind);
      TextPass.read(f, null, null, fit::accept, 3, 6);
      Tokenizer whole = kind.equals("char") ? CharTokenizer.fit(TEXT) : WordTokenizer.fit(TEXT, 1, 50_000);
      assertEquals(whole.vocabulary(), fit.result().vocabulary(), kind);
    }
    Tokenizer small = CharTokenizer.fit("abc \n");
    Unknowns.Counter c = new Unknowns.Counter(small);
    TextPass.read(f, null, null, c::accept, 5, 9);
    Unknowns whole = Unknowns.of(small, TEXT);
    assertEquals(whole.tokens(), c.result().tokens());
    assertEquals(whole.counts(), c.result().counts());
  }

  @Test
  void tokenFileHoldsTheSequencesAndStreamOfTheInMemoryPath() throws IOException {
    Path f = write("t.txt", TEXT, true);
    for (Tokenizer tok : new Tokenizer[] {CharTokenizer.fit(TEXT), WordTokenizer.fit(TEXT, 1, 50_000),
        CharTokenizer.fit("abc")}) { // the last one: most characters unknown
      for (int chunk : new int[] {1, 4, 1 << 20}) {
        for (int maxLen : new int[] {1, 3, 64}) {
          TokenFile tf = TokenFile.fromText(f, tok, maxLen, tmp.resolve("lines.bin"), null, null, JsonObject::new,
              chunk, 7);
          List<int[]> expected = TextCorpus.lines(TEXT, tok, maxLen);
          TokenSequences got = tf.sequences();
          assertEquals(expected.size(), got.size(), tok.kind() + " maxLen " + maxLen + " chunk " + chunk);
          for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).length, got.length(i));
            assertArrayEquals(expected.get(i), got.get(i), "sequence " + i);
          }
        }
        TokenFile s = TokenFile.fromText(f, tok, 0, tmp.resolve("stream.bin"), null, null, JsonObject::new, chunk, 7);
        int[] ids = tok.encode(TEXT);
        assertEquals(ids.length, s.numTokens());
        for (int i = 0; i < ids.length; i++) {
          assertEquals(ids[i], s.stream().get(i), "token " + i);
        }
      }
    }
  }

  @Test
  void tokensAreStoredInTheNarrowestWidthAndReadAcrossSmallMappings() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 70_000; i++) {
      sb.append("w").append(i).append(i % 13 == 0 ? "\n" : " ");
    }
    String text = sb.toString();
    Path f = write("words.txt", text, false);
    WordTokenizer tok = WordTokenizer.fit(text, 1, 100_000);
    assertEquals(4, TokenFile.widthFor(tok.vocabulary().size()));
    assertEquals(2, TokenFile.widthFor(300));
    assertEquals(1, TokenFile.widthFor(256));
    TokenFile.fromText(f, tok, 5, tmp.resolve("w.bin"), null, null, JsonObject::new).close();
    for (int shift : new int[] {3, 4, 12, 30}) { // 8-byte mappings: every long and int on a segment of its own
      // Closed at once: 2^3-byte segments are about 40,000 mappings, and two such files left to the garbage collector
      // passed the kernel's limit of 65,530 per process (vm.max_map_count), and the JVM crashed (JDK 25 leg of CI).
      try (TokenFile tf = TokenFile.open(tmp.resolve("w.bin"), shift)) {
        assertEquals(4, tf.width());
        List<int[]> expected = TextCorpus.lines(text, tok, 5);
        assertEquals(expected.size(), tf.numSequences());
        for (int i = 0; i < expected.size(); i += 97) {
          assertArrayEquals(expected.get(i), tf.sequences().get(i), "shift " + shift + ", sequence " + i);
        }
        assertArrayEquals(expected.get(expected.size() - 1), tf.sequences().get(expected.size() - 1));
      }
    }
    CharTokenizer wide = CharTokenizer.fit(text + "ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳĴĵĶķĸĹĺĻļĽľĿŀŁłŃńŅņŇňŉŊŋŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƀƁƂƃƄƅƆƇƈƉƊƋƌƍƎƏƐƑƒƓƔƕƖƗƘƙƚƛƜƝƞƟƠơƢƣƤƥƦƧƨƩƪƫƬƭƮƯưƱƲƳƴƵƶƷƸƹƺƻƼƽƾƿǀǁǂǃǄǅǆǇǈǉǊǋǌǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǝǞǟǠǡǢǣǤǥǦǧǨǩǪǫǬǭǮǯǰǱǲǳǴǵǶǷǸǹǺǻǼǽǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȜȝȞȟȠȡȢȣȤȥȦȧȨȩȪȫȬȭȮȯȰȱȲȳȴȵȶȷȸȹȺȻȼȽȾȿɀɁɂɃɄɅɆɇɈɉɊɋɌɍɎɏ");
    assertEquals(2, TokenFile.widthFor(wide.vocabulary().size()));
    Path g = write("wide.txt", "ɏ ĀɎ\nā", false);
    TokenFile w = TokenFile.fromText(g, wide, 8, tmp.resolve("wide.bin"), null, null, JsonObject::new);
    assertEquals(2, w.width());
    assertArrayEquals(wide.encode("ɏ ĀɎ"), w.sequences().get(0));
    assertTrue(wide.encode("ɏ")[0] > 255);
  }

  @Test
  void aDamagedTruncatedOrForeignFileIsRefusedWithTheReason() throws IOException {
    Path f = write("t.txt", TEXT, false);
    Path bin = tmp.resolve("t.bin");
    JsonObject meta = new JsonObject();
    meta.addProperty("what", "test");
    TokenFile.fromText(f, CharTokenizer.fit(TEXT), 16, bin, null, null, () -> meta);
    assertEquals("test", TokenFile.open(bin).meta().get("what").getAsString());
    byte[] good = Files.readAllBytes(bin);

    Files.write(bin, java.util.Arrays.copyOf(good, good.length - 5));
    var e = assertThrows(TokenFile.Invalid.class, () -> TokenFile.open(bin));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    Files.write(bin, java.util.Arrays.copyOf(good, 20));
    e = assertThrows(TokenFile.Invalid.class, () -> TokenFile.open(bin));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    for (int at : new int[] {64, 70, good.length - 40, good.length - 2}) { // a token, the index, the description
      byte[] bad = good.clone();
      bad[at] ^= 0x10;
      Files.write(bin, bad);
      e = assertThrows(TokenFile.Invalid.class, () -> TokenFile.open(bin), "byte " + at);
      assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }
    byte[] bad = good.clone();
    bad[24] ^= 1; // the sequence count
    Files.write(bin, bad);
    e = assertThrows(TokenFile.Invalid.class, () -> TokenFile.open(bin));
    assertTrue(e.getMessage().contains("inconsistent header"), e.getMessage());
    Files.writeString(bin, "just some text that is long enough to hold a header of sixty-four bytes, or more");
    e = assertThrows(TokenFile.Invalid.class, () -> TokenFile.open(bin));
    assertTrue(e.getMessage().contains("not an rnn4j token file"), e.getMessage());
  }

  @Test
  void lengthBatchesFromTheTokenFileEqualThoseFromLists() throws IOException {
    Path f = write("t.txt", TEXT.repeat(5), false);
    Tokenizer tok = CharTokenizer.fit(TEXT);
    List<int[]> seqs = TextCorpus.lines(TEXT.repeat(5), tok, 9);
    var split = Shuffle.trainValidation(seqs, 0.2, new Generator(7));
    int[][] idx = Shuffle.indexArrays(seqs.size(), 0.2, new Generator(7));
    TokenSequences mapped = TokenFile.fromText(f, tok, 9, tmp.resolve("b.bin"), null, null, JsonObject::new)
        .sequences();
    LengthBatcher a = new LengthBatcher(split.train(), 4);
    LengthBatcher b = new LengthBatcher(mapped.subset(idx[0]), 4);
    List<SequenceBatch> ea = a.epoch(new Generator(3));
    List<SequenceBatch> eb = b.epoch(new Generator(3));
    assertEquals(ea.size(), eb.size());
    for (int i = 0; i < ea.size(); i++) {
      assertArrayEquals(ea.get(i).sourceIndices(), eb.get(i).sourceIndices());
      assertTrue(ea.get(i).inputs().contentEquals(eb.get(i).inputs()));
      assertTrue(ea.get(i).targets().contentEquals(eb.get(i).targets()));
    }
    // the order the batcher gave before it sorted with a counting sort: a stable comparison sort, longest first
    Generator g = new Generator(3);
    int[] perm = Shuffle.permutation(split.train().size(), g);
    Integer[] order = java.util.Arrays.stream(perm).boxed().toArray(Integer[]::new);
    java.util.Arrays.sort(order, (x, y) -> split.train().get(y).length - split.train().get(x).length);
    int[] batchOrder = Shuffle.permutation(a.numBatches(), g);
    for (int i = 0; i < eb.size(); i++) {
      int lo = batchOrder[i] * 4;
      for (int k = 0; k < eb.get(i).batchSize(); k++) {
        assertEquals(order[lo + k], eb.get(i).sourceIndices()[k], "batch " + i + ", example " + k);
      }
    }
    List<SequenceBatch> va = new LengthBatcher(split.validation(), 4).inOrder();
    List<SequenceBatch> vb = new LengthBatcher(mapped.subset(idx[1]), 4).inOrder();
    for (int i = 0; i < va.size(); i++) {
      assertTrue(va.get(i).inputs().contentEquals(vb.get(i).inputs()));
    }
  }
}
