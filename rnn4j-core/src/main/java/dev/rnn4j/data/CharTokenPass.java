package dev.rnn4j.data;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * The token file of a UTF-8 text under the character tokenizer, written in one pass over the file's bytes, with the
 * vocabulary fitted on the way ({@link #fit}) or given ({@link #encode}). The result is exactly that of
 * {@link CharTokenizer#fit} on the whole text followed by {@link TokenFile#fromText}: the same vocabulary, ids,
 * sequences and file bytes.
 *
 * <p>How the one pass works. The file is read in large chunks. ASCII bytes are looked up in a 128-entry table,
 * eight at a time where all eight are ASCII; any other character is decoded by hand, and a malformed or cut-off
 * sequence is refused with its byte offset. These fast paths store one byte a token, so they serve vocabularies of
 * at most 256 ids; a larger vocabulary goes through the general path, character by character (correct, slower). When
 * fitting, a character gets a provisional id the first time it is seen; the final ids (the specials, then the
 * characters sorted by code point) are only known at the end. Tokens collect in a buffer that is written out when
 * full, each token then getting its rank among the characters seen so far; the line index is written as lines end.
 * Tokens written before a character that changes those ranks, or before the vocabulary outgrows the token width,
 * are rewritten with their final ids at the end. In an ordinary text every character appears before the first
 * buffer is written, and nothing is rewritten. A blank line is taken back when it ends, as is the {@code '\r'} of a
 * {@code "\r\n"}; the buffer keeps the line being read, so that usually happens before anything reaches the file.
 *
 * <p>Unknown characters (with a given vocabulary) are counted over the tokens that go into the file: in line mode
 * that leaves out line ends and blank lines, which are never tokens.
 */
public final class CharTokenPass {
  /** Tokens the buffer holds before it is written. */
  static final int BUFFER_TOKENS = 1 << 16;
  /** Bytes read at a time. */
  static final int CHUNK = 1 << 20;
  private static final int MAX_CODE_POINT = 0x10FFFF;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * A text tokenized in one pass.
   *
   * @param tokenizer the tokenizer the ids refer to (fitted on the text, or the one given)
   * @param tokens the token file, opened
   * @param unknowns the tokens of the file that the vocabulary lacks (none when it was fitted on the text)
   */
  public record Result(CharTokenizer tokenizer, TokenFile tokens, Unknowns unknowns) {}

  /** A run of tokens written with one width and one id table (prov id to written id; null: ids as they are). */
  private static final class Region {
    final long start;
    long end;
    final int width;
    final int[] table;

    Region(long start, long end, int width, int[] table) {
      this.start = start;
      this.end = end;
      this.width = width;
      this.table = table;
    }
  }

  private final Path text;
  private final boolean fit;
  private final CharTokenizer given;
  private final int maxLen; // 0: one stream
  private final boolean lines;
  private final int givenWidth;

  // the 128-entry fast path: the id to store for an ASCII byte, or -1 when the byte needs the general path
  private final int[] asciiId = new int[128];
  private final boolean[] asciiNonSpace = new boolean[128];

  // fitting: provisional ids in order of first sight
  private int[] provOfCp;
  private int[] cpOfProv = new int[256];
  private int distinct;
  private int[] rank; // prov id -> id among the characters seen so far; null when it must be computed again

  // the tokens not yet written, tokens [outBase, outBase + k), as little-endian ints of w bytes (provisional ids
  // when fitting)
  private final byte[] out;
  private final int cap; // tokens the buffer holds
  private int w;
  private int k;
  private long outBase;
  private byte[] enc;
  private final List<Region> regions = new ArrayList<>();
  private final CRC32C tokenCrc = new CRC32C();
  private boolean crcValid = true; // false once a take-back reached the file: the checksum is computed again

  // the line being read
  private long lineStart;
  private boolean nonBlank;
  private long crAt = -1; // token index of the last '\r'

  // unknown characters: of the line being read (line mode), and of the text so far
  private final Map<Integer, long[]> lineUnknowns = new LinkedHashMap<>();
  private final Map<Integer, long[]> unknowns = new LinkedHashMap<>();

  private final FileChannel file;
  private final FileChannel index;
  private final ByteBuffer indexBuf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
  private long indexEntries; // sequences + 1

  private CharTokenPass(Path text, CharTokenizer given, int maxLen, int bufferTokens, FileChannel file,
      FileChannel index) {
    this.text = text;
    this.fit = given == null;
    this.given = given;
    this.maxLen = maxLen;
    this.lines = maxLen > 0;
    this.givenWidth = given == null ? 0 : TokenFile.widthFor(given.vocabulary().size());
    this.out = new byte[4 * bufferTokens];
    this.cap = bufferTokens;
    this.file = file;
    this.index = index;
    for (int b = 0; b < 128; b++) {
      asciiNonSpace[b] = !Character.isWhitespace(b);
      if (fit) {
        asciiId[b] = -1;
      } else {
        int id = given.id(b);
        asciiId[b] = id == Vocabulary.UNK_ID ? -1 : id;
      }
    }
    if (lines) {
      asciiId['\n'] = -1;
      asciiId['\r'] = -1;
    }
    if (fit) {
      provOfCp = new int[MAX_CODE_POINT + 1];
      Arrays.fill(provOfCp, -1);
    }
    this.w = width();
  }

  /**
   * Fits the character vocabulary on {@code text} and writes its tokens to {@code target}, in one pass. With
   * {@code maxLen > 0}, one sequence per piece of a non-blank line, as {@link TextCorpus#lines}; with
   * {@code maxLen == 0}, all the tokens as one sequence.
   *
   * @param crc if not null, updated with every byte of the text (a byte-order mark included)
   * @param progress if not null, told the bytes read so far after each chunk
   * @param meta the description to store, given the tokenizer and the unknown tokens after the pass
   * @throws IOException naming the file and byte offset when the text is not valid UTF-8
   */
  public static Result fit(Path text, int maxLen, Path target, CRC32C crc, LongConsumer progress,
      BiFunction<CharTokenizer, Unknowns, JsonObject> meta) throws IOException {
    return run(text, null, maxLen, target, crc, progress, meta, CHUNK, BUFFER_TOKENS);
  }

  /** {@link #fit} with the vocabulary of {@code tokenizer}: characters it lacks become {@code <unk>} and are counted. */
  public static Result encode(Path text, CharTokenizer tokenizer, int maxLen, Path target, CRC32C crc,
      LongConsumer progress, BiFunction<CharTokenizer, Unknowns, JsonObject> meta) throws IOException {
    return run(text, tokenizer, maxLen, target, crc, progress, meta, CHUNK, BUFFER_TOKENS);
  }

  /** The pass, reading {@code chunk} bytes at a time into a buffer of {@code bufferTokens} tokens (tests use tiny ones). */
  static Result run(Path text, CharTokenizer given, int maxLen, Path target, CRC32C crc, LongConsumer progress,
      BiFunction<CharTokenizer, Unknowns, JsonObject> meta, int chunk, int bufferTokens) throws IOException {
    if (maxLen < 0) {
      throw new IllegalArgumentException("maximum sequence length must be positive (or 0 for one stream), got " + maxLen);
    }
    if (chunk < 1 || bufferTokens < 1) {
      throw new IllegalArgumentException("chunk and buffer sizes must be positive, got " + chunk + " and " + bufferTokens);
    }
    Path tokensTmp = TokenFile.Writer.sibling(target, "tmp");
    Path indexTmp = TokenFile.Writer.sibling(target, "index");
    boolean placed = false;
    try (FileChannel f = FileChannel.open(tokensTmp, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel ix = FileChannel.open(indexTmp, StandardOpenOption.WRITE)) {
      CharTokenPass p = new CharTokenPass(text, given, maxLen, bufferTokens, f, ix);
      p.writeIndex(0);
      p.read(crc, progress, chunk);
      int width = p.finishTokens();
      p.flushIndex();
      CharTokenizer tok = p.fit ? p.fittedTokenizer() : given;
      Unknowns unk = p.unknownsResult();
      TokenFile.writeTail(f, width, p.outBase, indexTmp, p.indexEntries - 1, meta.apply(tok, unk), p.tokenCrc);
      f.close();
      TokenFile.place(tokensTmp, target);
      placed = true;
      return new Result(tok, TokenFile.open(target, TokenFile.SEGMENT_SHIFT, false), unk);
    } finally {
      Files.deleteIfExists(indexTmp);
      if (!placed) {
        Files.deleteIfExists(tokensTmp);
      }
    }
  }

  private IOException malformed(long at, String what) {
    return new IOException(text + " is not valid UTF-8 text (at byte " + at + ": " + what + ")");
  }

  /** Reads the whole text; a character cut by a chunk border is carried over to the next chunk. */
  private void read(CRC32C crc, LongConsumer progress, int chunk) throws IOException {
    byte[] in = new byte[chunk + 3]; // room for the first 3 bytes of a 4-byte character held over
    ByteBuffer bb = ByteBuffer.wrap(in);
    int carry = 0;
    long base = 0; // file offset of in[0]
    try (FileChannel ch = FileChannel.open(text, StandardOpenOption.READ)) {
      while (true) {
        bb.limit(carry + chunk).position(carry);
        int n = ch.read(bb);
        if (n < 0) {
          if (carry > 0) {
            throw malformed(base, "the file ends inside a character");
          }
          return;
        }
        if (crc != null) {
          crc.update(in, carry, n);
        }
        int end = carry + n;
        int i = decode(in, end, base);
        carry = end - i;
        System.arraycopy(in, i, in, 0, carry);
        base += i;
        if (progress != null) {
          progress.accept(base + carry);
        }
      }
    }
  }

  /** Tokenizes {@code in[0, end)}; returns where an incomplete last character starts ({@code end} if none). */
  private int decode(byte[] in, int end, long base) throws IOException {
    final int[] ascii = asciiId;
    final boolean[] nonSpace = asciiNonSpace;
    final byte[] buf = out;
    final int cap = this.cap;
    boolean narrow = w == 1; // the fast paths store one byte a token
    int n = k;
    boolean nb = nonBlank;
    int i = 0;
    int single = 0; // bytes up to which to go one at a time, after a block of eight that could not be taken whole
    while (i < end) {
      if (narrow && i >= single && i + 8 <= end && n + 8 <= cap) { // eight ASCII bytes at once, if none needs the general path
        long w = (long) LONGS.get(in, i);
        long high = w & 0x8080808080808080L;
        if (high != 0) {
          single = i + (Long.numberOfTrailingZeros(high) >>> 3) + 1; // up to and including the first non-ASCII byte
        } else {
          int c0 = (int) w & 0x7F;
          int c1 = (int) (w >>> 8) & 0x7F;
          int c2 = (int) (w >>> 16) & 0x7F;
          int c3 = (int) (w >>> 24) & 0x7F;
          int c4 = (int) (w >>> 32) & 0x7F;
          int c5 = (int) (w >>> 40) & 0x7F;
          int c6 = (int) (w >>> 48) & 0x7F;
          int c7 = (int) (w >>> 56) & 0x7F;
          int d0 = ascii[c0];
          int d1 = ascii[c1];
          int d2 = ascii[c2];
          int d3 = ascii[c3];
          int d4 = ascii[c4];
          int d5 = ascii[c5];
          int d6 = ascii[c6];
          int d7 = ascii[c7];
          if ((d0 | d1 | d2 | d3 | d4 | d5 | d6 | d7) >= 0) {
            buf[n] = (byte) d0;
            buf[n + 1] = (byte) d1;
            buf[n + 2] = (byte) d2;
            buf[n + 3] = (byte) d3;
            buf[n + 4] = (byte) d4;
            buf[n + 5] = (byte) d5;
            buf[n + 6] = (byte) d6;
            buf[n + 7] = (byte) d7;
            n += 8;
            i += 8;
            if (!nb) {
              nb = nonSpace[c0] | nonSpace[c1] | nonSpace[c2] | nonSpace[c3] | nonSpace[c4] | nonSpace[c5]
                  | nonSpace[c6] | nonSpace[c7];
            }
            continue;
          }
          single = i + 8;
        }
      }
      int b = in[i];
      if (b >= 0) { // ASCII
        int id = ascii[b];
        if (id >= 0 && n < cap && narrow) {
          buf[n++] = (byte) id;
          nb = nb || nonSpace[b];
          i++;
          continue;
        }
        k = n;
        nonBlank = nb;
        codePoint(b, base + i);
        n = k;
        nb = nonBlank;
        narrow = w == 1;
        i++;
        continue;
      }
      int b0 = b & 0xFF;
      int need;
      int lo2 = 0x80;
      int hi2 = 0xBF;
      if (b0 < 0xC0) {
        throw malformed(base + i, String.format("byte 0x%02X continues a character that never started", b0));
      } else if (b0 < 0xC2) {
        throw malformed(base + i, String.format("byte 0x%02X starts an overlong encoding", b0));
      } else if (b0 < 0xE0) {
        need = 1;
      } else if (b0 < 0xF0) {
        need = 2;
        if (b0 == 0xE0) {
          lo2 = 0xA0; // shorter forms are overlong
        } else if (b0 == 0xED) {
          hi2 = 0x9F; // U+D800..U+DFFF are surrogates, not characters
        }
      } else if (b0 < 0xF5) {
        need = 3;
        if (b0 == 0xF0) {
          lo2 = 0x90;
        } else if (b0 == 0xF4) {
          hi2 = 0x8F; // above U+10FFFF
        }
      } else {
        throw malformed(base + i, String.format("byte 0x%02X cannot start a character", b0));
      }
      if (i + need >= end) {
        break; // the rest of the character comes with the next chunk
      }
      int b1 = in[i + 1] & 0xFF;
      if (b1 < lo2 || b1 > hi2) {
        throw malformed(base + i, String.format("byte 0x%02X after 0x%02X", b1, b0));
      }
      int cp;
      if (need == 1) {
        cp = (b0 & 0x1F) << 6 | (b1 & 0x3F);
      } else {
        int b2 = in[i + 2] & 0xFF;
        if (b2 < 0x80 || b2 > 0xBF) {
          throw malformed(base + i, String.format("byte 0x%02X in the character starting 0x%02X", b2, b0));
        }
        if (need == 2) {
          cp = (b0 & 0x0F) << 12 | (b1 & 0x3F) << 6 | (b2 & 0x3F);
        } else {
          int b3 = in[i + 3] & 0xFF;
          if (b3 < 0x80 || b3 > 0xBF) {
            throw malformed(base + i, String.format("byte 0x%02X in the character starting 0x%02X", b3, b0));
          }
          cp = (b0 & 0x07) << 18 | (b1 & 0x3F) << 12 | (b2 & 0x3F) << 6 | (b3 & 0x3F);
        }
      }
      if (narrow && n < cap && cp != 0xFEFF) { // a character seen before (or known), stored here
        int id = fit ? provOfCp[cp] : given.id(cp);
        if (id >= 0 && (fit || id != Vocabulary.UNK_ID)) {
          buf[n++] = (byte) id;
          nb = nb || !Character.isWhitespace(cp);
          i += need + 1;
          continue;
        }
      }
      k = n;
      nonBlank = nb;
      codePoint(cp, base + i);
      n = k;
      nb = nonBlank;
      narrow = w == 1;
      i += need + 1;
    }
    k = n;
    nonBlank = nb;
    return i;
  }

  /** The general path for one character at byte {@code at}: line ends, new and unknown characters, a full buffer. */
  private void codePoint(int cp, long at) throws IOException {
    if (cp == 0xFEFF && at == 0) {
      return; // a byte-order mark marks the encoding; it is not text
    }
    if (lines) {
      if (cp == '\n') {
        if (fit && provOfCp['\n'] < 0) {
          newCharacter('\n'); // no token in line mode, but a character of the text: in the vocabulary
        }
        endLine(false);
        return;
      }
      if (cp < 128 ? asciiNonSpace[cp] : !Character.isWhitespace(cp)) {
        nonBlank = true;
      }
    }
    int id;
    if (fit) {
      id = provOfCp[cp];
      if (id < 0) {
        id = newCharacter(cp);
      }
    } else {
      id = given.id(cp);
      if (id == Vocabulary.UNK_ID) {
        (lines ? lineUnknowns : unknowns).computeIfAbsent(cp, c -> new long[1])[0]++;
      }
    }
    if (k == cap) {
      flush(false);
    }
    if (cp == '\r') {
      crAt = outBase + k;
    }
    put(k++, id, w);
  }

  private int newCharacter(int cp) {
    int p = distinct++;
    if (p == cpOfProv.length) {
      cpOfProv = Arrays.copyOf(cpOfProv, 2 * p);
    }
    cpOfProv[p] = cp;
    provOfCp[cp] = p;
    rank = null;
    if (width() > w) { // the vocabulary outgrows the token width: the buffered tokens are widened
      int wider = width();
      for (int j = k - 1; j >= 0; j--) { // last first: a token moves only over tokens already moved
        put(j, get(j, w), wider);
      }
      w = wider;
    }
    if (cp < 128 && !(lines && (cp == '\n' || cp == '\r'))) {
      asciiId[cp] = p;
    }
    return p;
  }

  /** Buffered token {@code j}, stored {@code width} bytes wide. */
  private int get(int j, int width) {
    return switch (width) {
      case 1 -> out[j] & 0xFF;
      case 2 -> (short) SHORTS.get(out, 2 * j) & 0xFFFF;
      default -> (int) INTS.get(out, 4 * j);
    };
  }

  /** Stores {@code id} as buffered token {@code j}, {@code width} bytes wide. */
  private void put(int j, int id, int width) {
    switch (width) {
      case 1 -> out[j] = (byte) id;
      case 2 -> SHORTS.set(out, 2 * j, (short) id);
      default -> INTS.set(out, 4 * j, id);
    }
  }

  /** A line ends (at a {@code '\n'}, or at the end of the text): its pieces become sequences unless it is blank. */
  private void endLine(boolean atEof) throws IOException {
    long n = outBase + k;
    boolean dropCr = !atEof && n > lineStart && crAt == n - 1; // the '\r' of "\r\n" is part of the line end
    long end = dropCr ? n - 1 : n;
    if (nonBlank) {
      for (long lo = lineStart + maxLen; lo < end; lo += maxLen) {
        writeIndex(lo);
      }
      writeIndex(end);
      if (dropCr) {
        rewind(end);
        long[] c = lineUnknowns.get((int) '\r');
        if (c != null && --c[0] == 0) {
          lineUnknowns.remove((int) '\r');
        }
      }
      if (!lineUnknowns.isEmpty()) {
        lineUnknowns.forEach((cp, c) -> unknowns.computeIfAbsent(cp, x -> new long[1])[0] += c[0]);
      }
    } else {
      rewind(lineStart);
    }
    if (!lineUnknowns.isEmpty()) {
      lineUnknowns.clear();
    }
    lineStart = outBase + k;
    nonBlank = false;
    crAt = -1;
  }

  /** Takes back every token from {@code t} on. */
  private void rewind(long t) {
    if (t >= outBase) {
      k = (int) (t - outBase);
      return;
    }
    k = 0;
    outBase = t;
    crcValid = false;
    for (int r = regions.size() - 1; r >= 0 && regions.get(r).end > t; r--) {
      if (regions.get(r).start >= t) {
        regions.remove(r);
      } else {
        regions.get(r).end = t;
      }
    }
  }

  /** The id of each provisional id among the characters seen so far (specials first, then by code point). */
  private int[] ranking() {
    if (rank == null) {
      long[] byCp = new long[distinct];
      for (int p = 0; p < distinct; p++) {
        byCp[p] = (long) cpOfProv[p] << 32 | p;
      }
      Arrays.sort(byCp);
      int[] r = new int[distinct];
      for (int i = 0; i < distinct; i++) {
        r[(int) byCp[i]] = Vocabulary.NUM_SPECIAL + i;
      }
      rank = r;
    }
    return rank;
  }

  private int width() {
    return fit ? TokenFile.widthFor(distinct + Vocabulary.NUM_SPECIAL) : givenWidth;
  }

  /**
   * Writes the buffer to the file: all of it when {@code all}, else (in line mode) only the lines before the one
   * being read, when there are any, so that taking back a blank line or a {@code '\r'} stays within the buffer.
   */
  private void flush(boolean all) throws IOException {
    int commit = lines && !all && lineStart > outBase ? (int) (lineStart - outBase) : k;
    if (commit == 0) {
      return;
    }
    int[] table = fit ? ranking() : null;
    int bytes = commit * w;
    byte[] data = out;
    if (table != null) { // provisional ids to ids among the characters seen so far
      if (enc == null || enc.length < out.length) {
        enc = new byte[out.length];
      }
      data = enc;
      if (w == 1) {
        for (int j = 0; j < commit; j++) {
          data[j] = (byte) table[out[j] & 0xFF];
        }
      } else {
        for (int j = 0; j < commit; j++) {
          int id = table[get(j, w)];
          for (int s = 0; s < w; s++) {
            data[j * w + s] = (byte) (id >>> (8 * s));
          }
        }
      }
    }
    if (crcValid) {
      tokenCrc.update(data, 0, bytes);
    }
    TokenFile.writeAt(file, ByteBuffer.wrap(data, 0, bytes), TokenFile.HEADER + outBase * w);
    Region last = regions.isEmpty() ? null : regions.get(regions.size() - 1);
    if (last != null && last.end == outBase && last.width == w && last.table == table) {
      last.end += commit;
    } else {
      regions.add(new Region(outBase, outBase + commit, w, table));
    }
    System.arraycopy(out, bytes, out, 0, (k - commit) * w);
    outBase += commit;
    k -= commit;
  }

  /** Encodes {@code ids[from, to)}, through {@code table} if not null, as little-endian {@code w}-byte ints in {@code enc}. */
  private int encode(int[] ids, int from, int to, int[] table, int w) {
    int bytes = (to - from) * w;
    if (enc == null || enc.length < bytes) {
      enc = new byte[Math.max(bytes, out.length)];
    }
    byte[] e = enc;
    if (w == 1) {
      if (table == null) {
        for (int i = from, j = 0; i < to; i++, j++) {
          e[j] = (byte) ids[i];
        }
      } else {
        for (int i = from, j = 0; i < to; i++, j++) {
          e[j] = (byte) table[ids[i]];
        }
      }
    } else {
      for (int i = from, j = 0; i < to; i++) {
        int id = table == null ? ids[i] : table[ids[i]];
        for (int s = 0; s < w; s++) {
          e[j++] = (byte) (id >>> (8 * s));
        }
      }
    }
    return bytes;
  }

  /**
   * Ends the pass: the last line, the last tokens, the rewriting of tokens written with ids or a width that are not
   * the final ones, and the checksum of the tokens. Returns the token width.
   */
  private int finishTokens() throws IOException {
    if (lines) {
      endLine(true);
    } else {
      writeIndex(outBase + k);
    }
    flush(true);
    int[] fin = fit ? ranking() : null;
    boolean rewrite = false;
    for (int i = regions.size() - 1; i >= 0; i--) { // last first: a widened region only grows over bytes already read
      Region r = regions.get(i);
      if (r.width != w || (fit && !Arrays.equals(r.table, 0, r.table.length, fin, 0, r.table.length))) {
        rewriteRegion(r, fin, w);
        rewrite = true;
      }
    }
    if (rewrite || !crcValid) {
      tokenCrc.reset();
      ByteBuffer b = ByteBuffer.allocate(1 << 22);
      long end = TokenFile.HEADER + outBase * w;
      for (long at = TokenFile.HEADER; at < end; ) {
        b.clear().limit((int) Math.min(b.capacity(), end - at));
        readFully(b, at);
        tokenCrc.update(b.flip());
        at += b.limit();
      }
    }
    return w;
  }

  /** Rewrites region {@code r} with the final ids {@code fin} at width {@code w}, its last tokens first. */
  private void rewriteRegion(Region r, int[] fin, int w) throws IOException {
    int[] map = null;
    if (fit) {
      map = new int[r.table.length + Vocabulary.NUM_SPECIAL];
      for (int p = 0; p < r.table.length; p++) {
        map[r.table[p]] = fin[p];
      }
    }
    int step = cap;
    int[] ids = new int[step];
    ByteBuffer b = ByteBuffer.allocate(step * r.width).order(ByteOrder.LITTLE_ENDIAN);
    for (long hi = r.end; hi > r.start; ) {
      long lo = Math.max(r.start, hi - step);
      int n = (int) (hi - lo);
      b.clear().limit(n * r.width);
      readFully(b, TokenFile.HEADER + lo * r.width);
      b.flip();
      for (int i = 0; i < n; i++) {
        ids[i] = switch (r.width) {
          case 1 -> b.get() & 0xFF;
          case 2 -> b.getShort() & 0xFFFF;
          default -> b.getInt();
        };
      }
      int bytes = encode(ids, 0, n, map, w);
      TokenFile.writeAt(file, ByteBuffer.wrap(enc, 0, bytes), TokenFile.HEADER + lo * w);
      hi = lo;
    }
  }

  private void readFully(ByteBuffer b, long at) throws IOException {
    long start = at - b.position();
    while (b.hasRemaining()) {
      if (file.read(b, start + b.position()) < 0) {
        throw new IOException("the token file being written ended early (was it changed by another process?)");
      }
    }
  }

  private void writeIndex(long v) throws IOException {
    if (!indexBuf.hasRemaining()) {
      flushIndex();
    }
    indexBuf.putLong(v);
    indexEntries++;
  }

  private void flushIndex() throws IOException {
    indexBuf.flip();
    while (indexBuf.hasRemaining()) {
      index.write(indexBuf);
    }
    indexBuf.clear();
  }

  private CharTokenizer fittedTokenizer() {
    int[] cps = Arrays.copyOf(cpOfProv, distinct);
    Arrays.sort(cps);
    List<String> tokens = new ArrayList<>(distinct);
    for (int cp : cps) {
      tokens.add(new String(Character.toChars(cp)));
    }
    return new CharTokenizer(new Vocabulary(tokens));
  }

  private Unknowns unknownsResult() {
    Map<String, Long> counts = new LinkedHashMap<>();
    unknowns.forEach((cp, c) -> counts.put(new String(Character.toChars(cp)), c[0]));
    return new Unknowns(outBase, counts);
  }
}
