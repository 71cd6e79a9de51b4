package dev.rnn4j.data;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * A tokenized corpus on disk, read through memory mappings so that a corpus larger than the heap trains without
 * being loaded: the token ids, then an index of where each sequence starts, then a JSON description written by the
 * caller (what the tokens were made from, so a cache can tell whether it is still valid).
 *
 * <p>Layout, little-endian: a 64-byte header ({@code "RNN4JTOK"}, int version, int token width in bytes, long tokens,
 * long sequences, long index offset, long JSON offset, long JSON length, int CRC-32C of every byte after the
 * header, int 0); the tokens as unsigned 8- or 16-bit or signed 32-bit ints (the narrowest that holds the
 * vocabulary); zero bytes up to a multiple of 8; {@code sequences + 1} longs (sequence {@code i} is tokens
 * {@code [index[i], index[i+1])}); the UTF-8 JSON. A file that does not match this exactly, or whose checksum
 * differs, is refused with {@link Invalid} rather than read.
 *
 * <p>The index and single tokens are read through memory mappings; a mapping holds at most 2 GB, so each part is
 * mapped in segments of {@code 2^30} bytes. Runs of tokens (a sequence, a BPTT column) are read with one positional
 * read each instead: pages read through a mapping stay in the process's resident memory until unmapped, so a long
 * run drawing batches from all over the file would end up holding the whole file there. {@link #close()} unmaps
 * them at once (otherwise they stay until the buffers are garbage-collected, and hold the file open: a folder on it
 * cannot be unmounted); reading after {@code close} is an error, never a read of unmapped memory.
 */
public final class TokenFile implements Closeable {
  private static final byte[] MAGIC = "RNN4JTOK".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;
  static final int HEADER = 64;
  /** log2 of the bytes per mapping; a multiple of every element size, so no element straddles two segments. */
  static final int SEGMENT_SHIFT = 30;

  /** A token file that is damaged, truncated or of another format; the message says what is wrong. */
  public static final class Invalid extends IOException {
    Invalid(String message) {
      super(message);
    }
  }

  private final Path path;
  private final int width;
  private final long numTokens;
  private final long numSequences;
  private final ByteBuffer[] tokenSegments;
  private final ByteBuffer[] indexSegments;
  private final int shift; // log2 of the bytes per segment
  private final FileChannel channel; // for reads of runs of tokens
  private final JsonObject meta;
  private volatile boolean closed;

  private TokenFile(Path path, int width, long numTokens, long numSequences, ByteBuffer[] tokens, ByteBuffer[] index,
      int shift, JsonObject meta, FileChannel channel) {
    this.shift = shift;
    this.channel = channel;
    this.path = path;
    this.width = width;
    this.numTokens = numTokens;
    this.numSequences = numSequences;
    this.tokenSegments = tokens;
    this.indexSegments = index;
    this.meta = meta;
  }

  /** The narrowest token width, in bytes, that holds every id of a vocabulary of {@code vocabularySize}. */
  public static int widthFor(int vocabularySize) {
    return vocabularySize <= 1 << 8 ? 1 : vocabularySize <= 1 << 16 ? 2 : 4;
  }

  /** The token file this was opened from. */
  public Path path() {
    return path;
  }

  /** Bytes per token: 1, 2 or 4. */
  public int width() {
    return width;
  }

  /** Tokens in the file, over all sequences (a {@code long}: a file may hold more than 2^31). */
  public long numTokens() {
    return numTokens;
  }

  /** Sequences (lines, or one for a stream) in the file. */
  public long numSequences() {
    return numSequences;
  }

  /** The JSON the writer was given. */
  public JsonObject meta() {
    return meta.deepCopy();
  }

  /** Token {@code i} of the whole file. */
  public int token(long i) {
    if (closed) {
      throw new IllegalStateException(path + " is closed");
    }
    if (i < 0 || i >= numTokens) {
      throw new IndexOutOfBoundsException("token " + i + " is out of range [0, " + numTokens + ")");
    }
    long at = i * width;
    ByteBuffer b = tokenSegments[(int) (at >>> shift)];
    int off = (int) (at & ((1L << shift) - 1));
    return switch (width) {
      case 1 -> b.get(off) & 0xFF;
      case 2 -> b.getShort(off) & 0xFFFF;
      default -> b.getInt(off);
    };
  }

  /** Where sequence {@code i} starts ({@code i = numSequences()} gives the end of the last). */
  public long sequenceStart(long i) {
    if (closed) {
      throw new IllegalStateException(path + " is closed");
    }
    if (i < 0 || i > numSequences) {
      throw new IndexOutOfBoundsException("sequence " + i + " is out of range [0, " + numSequences + "]");
    }
    long at = i * Long.BYTES;
    return indexSegments[(int) (at >>> shift)].getLong((int) (at & ((1L << shift) - 1)));
  }

  /** All tokens as one stream. */
  public TokenStream stream() {
    return new TokenStream() {
      @Override
      public long length() {
        return numTokens;
      }

      @Override
      public int get(long i) {
        return token(i);
      }

      @Override
      public void read(long from, int[] dst, int off, int len) {
        tokens(from, dst, off, len);
      }
    };
  }

  /** Tokens {@code [from, from + len)} into {@code dst[off...]}, in one positional read of the file. */
  public void tokens(long from, int[] dst, int off, int len) {
    if (closed) {
      throw new IllegalStateException(path + " is closed");
    }
    if (from < 0 || len < 0 || from + len > numTokens) {
      throw new IndexOutOfBoundsException("tokens [" + from + ", " + (from + len) + ") of " + numTokens);
    }
    ByteBuffer b = ByteBuffer.allocate(len * width).order(ByteOrder.LITTLE_ENDIAN);
    try {
      while (b.hasRemaining()) {
        if (channel.read(b, HEADER + from * width + b.position()) < 0) {
          throw new IOException(path + " ended while reading tokens (was it truncated since it was opened?)");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    b.flip();
    for (int k = 0; k < len; k++) {
      dst[off + k] = switch (width) {
        case 1 -> b.get() & 0xFF;
        case 2 -> b.getShort() & 0xFFFF;
        default -> b.getInt();
      };
    }
  }

  /** The sequences of the index. */
  public TokenSequences sequences() {
    if (numSequences > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(path + " holds " + numSequences + " sequences, more than " + Integer.MAX_VALUE);
    }
    return new TokenSequences() {
      @Override
      public int size() {
        return (int) numSequences;
      }

      @Override
      public int length(int i) {
        return (int) (sequenceStart(i + 1) - sequenceStart(i));
      }

      @Override
      public int[] get(int i) {
        long lo = sequenceStart(i);
        int[] out = new int[(int) (sequenceStart(i + 1) - lo)];
        tokens(lo, out, 0, out.length);
        return out;
      }
    };
  }

  /** Maps {@code file}, after checking its layout and checksum; {@link Invalid} says what is wrong with it. */
  public static TokenFile open(Path file) throws IOException {
    return open(file, SEGMENT_SHIFT);
  }

  /** {@link #open(Path)} with mappings of {@code 2^shift} bytes ({@code 3 <= shift <= 30}): tests use small ones. */
  static TokenFile open(Path file, int shift) throws IOException {
    return open(file, shift, true);
  }

  /**
   * {@link #open(Path, int)}; {@code verify == false} skips reading the whole file for its checksum, for a file this
   * process has just written and checksummed.
   */
  static TokenFile open(Path file, int shift, boolean verify) throws IOException {
    if (shift < 3 || shift > 30) {
      throw new IllegalArgumentException("segment shift must be in [3, 30], got " + shift);
    }
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long size = ch.size();
      if (size < HEADER) {
        throw new Invalid(file + " is truncated (" + size + " bytes, shorter than the " + HEADER + "-byte header)");
      }
      ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      readFully(file, ch, h, 0);
      byte[] magic = new byte[MAGIC.length];
      h.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new Invalid(file + " is not an rnn4j token file (no RNN4JTOK header)");
      }
      int version = h.getInt();
      int width = h.getInt();
      long numTokens = h.getLong();
      long numSeqs = h.getLong();
      long indexOffset = h.getLong();
      long jsonOffset = h.getLong();
      long jsonLength = h.getLong();
      int crc = h.getInt();
      if (version != VERSION) {
        throw new Invalid(file + " is token file version " + version + ", expected " + VERSION);
      }
      if (width != 1 && width != 2 && width != 4) {
        throw new Invalid(file + " has token width " + width + ", expected 1, 2 or 4");
      }
      if (numTokens < 0 || numSeqs < 0 || numTokens > Long.MAX_VALUE / 8 || numSeqs > Long.MAX_VALUE / 16
          || indexOffset != align8(HEADER + numTokens * width) || jsonOffset != indexOffset + 8 * (numSeqs + 1)
          || jsonLength < 0 || jsonLength > 1 << 28) {
        throw new Invalid(file + " has an inconsistent header (" + numTokens + " tokens, " + numSeqs + " sequences)");
      }
      if (size != jsonOffset + jsonLength) {
        throw new Invalid(file + " is " + size + " bytes, expected " + (jsonOffset + jsonLength)
            + (size < jsonOffset + jsonLength ? " (truncated)" : ""));
      }
      ByteBuffer[] tokens = map(ch, HEADER, numTokens * width, 1L << shift);
      ByteBuffer[] index = map(ch, indexOffset, 8 * (numSeqs + 1), 1L << shift);
      try {
        ByteBuffer json = ByteBuffer.allocate((int) jsonLength);
        readFully(file, ch, json, jsonOffset);
        // checked by reading, not through the mappings: pages read through a mapping would count as the process's
        // resident memory until unmapped, the whole corpus at once
        CRC32C c = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        for (long at = HEADER; verify && at < size; ) {
          buf.clear().limit((int) Math.min(buf.capacity(), size - at));
          int n = ch.read(buf, at);
          if (n < 0) {
            throw new Invalid(file + " is truncated (it ended while being read)");
          }
          c.update(buf.array(), 0, n);
          at += n;
        }
        if (verify && (int) c.getValue() != crc) {
          throw new Invalid(file + " is damaged (its checksum does not match its contents)");
        }
        JsonObject meta;
        try {
          meta = JsonParser.parseString(new String(json.array(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
          throw new Invalid(file + " has an unreadable description: " + e.getMessage());
        }
        TokenFile t = new TokenFile(file, width, numTokens, numSeqs, tokens, index, shift, meta, ch);
        if (t.sequenceStart(0) != 0 || t.sequenceStart(numSeqs) != numTokens) {
          throw new Invalid(file + " has an index that does not cover its " + numTokens + " tokens");
        }
        return t;
      } catch (Invalid e) {
        unmap(tokens, index);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Unmaps the file now, through {@code sun.misc.Unsafe.invokeCleaner} where the JDK offers it (it is in
   * {@code jdk.unsupported}); without it the mappings go when the garbage collector frees them.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    unmap(tokenSegments, indexSegments);
    try {
      channel.close();
    } catch (IOException e) {
      // a read-only channel: nothing was left to write
    }
  }

  private static void unmap(ByteBuffer[]... parts) {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      Object unsafe = f.get(null);
      java.lang.reflect.Method clean = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
      for (ByteBuffer[] part : parts) {
        for (ByteBuffer b : part) {
          if (b.isDirect()) {
            clean.invoke(unsafe, b);
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // no way to unmap early on this JDK: the garbage collector does it
    }
  }

  private static void readFully(Path file, FileChannel ch, ByteBuffer b, long at) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b, at + b.position()) < 0) {
        throw new Invalid(file + " is truncated (it ended while being read)");
      }
    }
    b.flip();
  }

  private static ByteBuffer[] map(FileChannel ch, long offset, long length, long segment) throws IOException {
    long count = (length + segment - 1) / segment;
    if (count > Integer.MAX_VALUE) {
      throw new Invalid("a part of " + length + " bytes needs too many mappings of " + segment + " bytes");
    }
    int n = (int) count;
    if (n == 0) {
      return new ByteBuffer[] {ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN)};
    }
    ByteBuffer[] out = new ByteBuffer[n];
    for (int s = 0; s < n; s++) {
      long len = Math.min(segment, length - s * segment);
      out[s] = ch.map(FileChannel.MapMode.READ_ONLY, offset + s * segment, len).order(ByteOrder.LITTLE_ENDIAN);
    }
    return out;
  }

  static long align8(long n) {
    return (n + 7) & ~7L;
  }

  /**
   * Tokenizes {@code text} in one streaming pass into a token file at {@code target}. With {@code maxLen > 0}, one
   * sequence per piece of a non-blank line, exactly as {@link TextCorpus#lines}; with {@code maxLen == 0}, all the
   * tokens of the text as one sequence, exactly as {@code tokenizer.encode(text)}.
   *
   * @param unknowns if not null, also counts the text's unknown tokens (as {@link Unknowns#of} on the whole text)
   * @param progress if not null, told the bytes read so far after each chunk
   * @param meta the description to store, asked for after the pass
   */
  public static TokenFile fromText(Path text, Tokenizer tokenizer, int maxLen, Path target, Unknowns.Counter unknowns,
      LongConsumer progress, Supplier<JsonObject> meta) throws IOException {
    return fromText(text, tokenizer, maxLen, target, unknowns, progress, meta, TextPass.CHUNK, TextPass.MAX_SEGMENT);
  }

  /** {@link #fromText} reading {@code chunk} bytes at a time and cutting lines longer than {@code maxSegment}. */
  static TokenFile fromText(Path text, Tokenizer tokenizer, int maxLen, Path target, Unknowns.Counter unknowns,
      LongConsumer progress, Supplier<JsonObject> meta, int chunk, int maxSegment) throws IOException {
    if (maxLen < 0) {
      throw new IllegalArgumentException("maximum sequence length must be positive (or 0 for one stream), got " + maxLen);
    }
    try (Writer w = new Writer(target, widthFor(tokenizer.vocabulary().size()))) {
      LineSink lines = maxLen > 0 ? new LineSink(tokenizer, maxLen, w, unknowns) : null;
      TextPass.Sink sink = lines != null ? lines : s -> {
        if (unknowns != null) {
          unknowns.accept(s);
        }
        int[] ids = tokenizer.encode(s);
        try {
          w.tokens(ids, 0, ids.length);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      };
      try {
        TextPass.read(text, null, progress, sink, chunk, maxSegment);
        if (lines != null) {
          lines.endLine();
        }
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      if (lines == null) {
        w.endSequence();
      }
      return w.finish(meta.get());
    }
  }

  /** Gathers the tokens of one line (which may come in several segments) and writes its pieces at the line's end. */
  private static final class LineSink implements TextPass.Sink {
    private final Tokenizer tokenizer;
    private final int maxLen;
    private final Writer w;
    private final Unknowns.Counter unknowns;
    private int[] line = new int[256];
    private int length;
    private boolean nonBlank;

    LineSink(Tokenizer tokenizer, int maxLen, Writer w, Unknowns.Counter unknowns) {
      this.tokenizer = tokenizer;
      this.maxLen = maxLen;
      this.w = w;
      this.unknowns = unknowns;
    }

    @Override
    public void segment(String s) {
      if (unknowns != null) {
        unknowns.accept(s);
      }
      boolean end = s.endsWith("\n");
      String content = end ? s.substring(0, s.length() - (s.endsWith("\r\n") ? 2 : 1)) : s;
      nonBlank |= !content.isBlank();
      int[] ids = tokenizer.encode(content);
      if (length + ids.length > line.length) {
        line = Arrays.copyOf(line, Math.max(line.length * 2, length + ids.length));
      }
      System.arraycopy(ids, 0, line, length, ids.length);
      length += ids.length;
      if (end) {
        endLine();
      }
    }

    /** A line ends: its pieces of at most {@code maxLen} tokens become sequences, unless it is blank. */
    void endLine() {
      try {
        if (nonBlank) {
          for (int lo = 0; lo < length; lo += maxLen) {
            w.tokens(line, lo, Math.min(length, lo + maxLen));
            w.endSequence();
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      length = 0;
      nonBlank = false;
    }
  }

  /**
   * Completes a token file whose {@code numTokens} tokens of {@code width} bytes are in place after the header in
   * {@code out}, with their bytes (and nothing else) already in {@code crc}: zero bytes up to a multiple of 8, the
   * index copied from {@code indexTmp} ({@code numSequences + 1} little-endian longs), the JSON of {@code meta}, then
   * the header. Anything in {@code out} past the end is cut off.
   */
  static void writeTail(FileChannel out, int width, long numTokens, Path indexTmp, long numSequences, JsonObject meta,
      CRC32C crc) throws IOException {
    long end = HEADER + numTokens * width;
    long indexOffset = align8(end);
    if (Files.size(indexTmp) != 8 * (numSequences + 1)) {
      throw new IOException(indexTmp + " holds " + Files.size(indexTmp) + " bytes of index, expected "
          + 8 * (numSequences + 1));
    }
    ByteBuffer pad = ByteBuffer.allocate((int) (indexOffset - end));
    crc.update(pad.duplicate());
    writeAt(out, pad, end);
    long at = indexOffset;
    try (FileChannel in = FileChannel.open(indexTmp, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(1 << 20);
      while (in.read(b.clear()) > 0) {
        b.flip();
        crc.update(b.duplicate());
        at += writeAt(out, b, at);
      }
    }
    byte[] json = meta.toString().getBytes(StandardCharsets.UTF_8);
    long jsonOffset = indexOffset + 8 * (numSequences + 1);
    ByteBuffer j = ByteBuffer.wrap(json);
    crc.update(j.duplicate());
    writeAt(out, j, jsonOffset);
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    h.put(MAGIC).putInt(VERSION).putInt(width).putLong(numTokens).putLong(numSequences).putLong(indexOffset)
        .putLong(jsonOffset).putLong(json.length).putInt((int) crc.getValue()).putInt(0);
    writeAt(out, h.flip(), 0);
    out.truncate(jsonOffset + json.length);
  }

  /** Writes all of {@code b} at {@code at}; returns the bytes written. */
  static int writeAt(FileChannel out, ByteBuffer b, long at) throws IOException {
    int n = b.remaining();
    while (b.hasRemaining()) {
      out.write(b, at + n - b.remaining());
    }
    return n;
  }

  /** Moves a complete {@code tmp} to {@code target} at once; a replaced file's mode is kept. */
  static void place(Path tmp, Path target) throws IOException {
    if (Files.isRegularFile(target)) { // a replaced cache keeps its mode
      try {
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
      } catch (IOException | UnsupportedOperationException e) {
        // gone meanwhile, or no POSIX modes here: the umask's mode stays
      }
    }
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Writes a token file: tokens in order, {@link #endSequence()} after each sequence, then {@link #finish}. The
   * file appears at its path only when complete (written beside it, then moved into place), so a crash leaves either
   * the old file or none.
   */
  public static final class Writer implements Closeable {
    private final Path target;
    private final Path tokensTmp;
    private final Path indexTmp;
    private final int width;
    private final long limit;
    private final FileChannel out;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private final DataOutputStream index;
    private final CRC32C crc = new CRC32C();
    private long numTokens;
    private long numSequences;
    private boolean finished;

    /**
     * Starts a token file that will appear at {@code target} when {@link #finish} succeeds, with {@code width} bytes a
     * token (1, 2 or 4; see {@link TokenFile#widthFor}). Until then only hidden siblings of {@code target} exist.
     */
    public Writer(Path target, int width) throws IOException {
      if (width != 1 && width != 2 && width != 4) {
        throw new IllegalArgumentException("token width must be 1, 2 or 4 bytes, got " + width);
      }
      this.target = target;
      this.width = width;
      this.limit = width == 4 ? Integer.MAX_VALUE : (1L << (8 * width)) - 1;
      this.tokensTmp = sibling(target, "tmp");
      this.indexTmp = sibling(target, "index");
      this.out = FileChannel.open(tokensTmp, StandardOpenOption.WRITE);
      out.position(HEADER);
      this.index = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(indexTmp), 1 << 16));
      writeIndex(0);
    }

    /** Appends one token to the current sequence; an id that does not fit in the width is refused. */
    public void token(int id) throws IOException {
      if (id < 0 || id > limit) {
        throw new IllegalArgumentException("token id " + id + " does not fit in " + width + " bytes");
      }
      if (buf.remaining() < width) {
        flush();
      }
      switch (width) {
        case 1 -> buf.put((byte) id);
        case 2 -> buf.putShort((short) id);
        default -> buf.putInt(id);
      }
      numTokens++;
    }

    /** Appends {@code ids[from, to)} to the current sequence, as {@link #token} one by one would. */
    public void tokens(int[] ids, int from, int to) throws IOException {
      if (width == 1 && buf.remaining() >= to - from) { // the common case, one byte a token, without a call each
        for (int i = from; i < to; i++) {
          int id = ids[i];
          if (id < 0 || id > limit) {
            throw new IllegalArgumentException("token id " + id + " does not fit in " + width + " bytes");
          }
          buf.put((byte) id);
        }
        numTokens += to - from;
        return;
      }
      for (int i = from; i < to; i++) {
        token(ids[i]);
      }
    }

    /** Ends a sequence at the current token. */
    public void endSequence() throws IOException {
      writeIndex(numTokens);
      numSequences++;
    }

    /**
     * A new hidden file beside {@code target}, with the umask's mode like any new file (not the private mode of
     * {@link Files#createTempFile}).
     */
    static Path sibling(Path target, String kind) throws IOException {
      Path abs = target.toAbsolutePath();
      for (int attempt = 0; ; attempt++) {
        Path p = abs.resolveSibling("." + abs.getFileName() + "." + kind + "-"
            + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36));
        try {
          return Files.createFile(p);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          if (attempt > 100) {
            throw e;
          }
        }
      }
    }

    private void writeIndex(long v) throws IOException {
      index.writeLong(Long.reverseBytes(v)); // DataOutputStream is big-endian; the file is little-endian
    }

    private void flush() throws IOException {
      buf.flip();
      crc.update(buf.duplicate());
      while (buf.hasRemaining()) {
        out.write(buf);
      }
      buf.clear();
    }

    /** Writes the index and {@code meta}, then moves the complete file to its path and returns it opened. */
    public TokenFile finish(JsonObject meta) throws IOException {
      flush();
      index.close();
      writeTail(out, width, numTokens, indexTmp, numSequences, meta, crc);
      out.close();
      Files.deleteIfExists(indexTmp);
      place(tokensTmp, target);
      finished = true;
      return open(target, SEGMENT_SHIFT, false);
    }

    /** Deletes the partial files unless {@link #finish} completed. */
    @Override
    public void close() throws IOException {
      if (!finished) {
        out.close();
        index.close();
        Files.deleteIfExists(tokensTmp);
        Files.deleteIfExists(indexTmp);
      }
    }
  }
}
