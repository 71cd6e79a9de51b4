package dev.rnn4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * One pass over a UTF-8 text file in fixed-size chunks, never holding the whole text: the bytes are decoded with a
 * decoder that carries an incomplete character over a chunk border, a leading byte-order mark is dropped, and the
 * text is handed on in segments. A segment ends just after a {@code '\n'}, or, in a line longer than
 * {@link #MAX_SEGMENT} characters, just after a whitespace character other than {@code '\r'} (so a {@code "\r\n"} is
 * never cut, and no word or character is cut either: both tokenizers give the same tokens for the segments as for the
 * whole text).
 */
public final class TextPass {
  /** Characters after which a line without whitespace-free runs is cut into segments. */
  static final int MAX_SEGMENT = 1 << 16;
  /** Bytes read at a time. */
  static final int CHUNK = 1 << 20;

  /** Receives the text in order. */
  public interface Sink {
    /** The next piece of the text, {@code s}, cut only where no token can span the cut. */
    void segment(String s);
  }

  private TextPass() {}

  /**
   * Reads {@code file} once.
   *
   * @param crc if not null, updated with every byte of the file (BOM included), so a pass also fingerprints it
   * @param progress if not null, told the number of bytes read after each chunk
   * @throws IOException naming the file when it is not valid UTF-8
   */
  public static void read(Path file, CRC32C crc, LongConsumer progress, Sink sink) throws IOException {
    read(file, crc, progress, sink, CHUNK, MAX_SEGMENT);
  }

  /** {@link #read(Path, CRC32C, LongConsumer, Sink)} with the chunk and segment sizes given (tests use tiny ones). */
  static void read(Path file, CRC32C crc, LongConsumer progress, Sink sink, int chunk, int maxSegment)
      throws IOException {
    if (chunk < 1 || maxSegment < 1) {
      throw new IllegalArgumentException("chunk and segment sizes must be positive, got " + chunk + " and " + maxSegment);
    }
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.allocate(Math.max(chunk, 4)); // room for a whole character held over a border
    CharBuffer out = CharBuffer.allocate(Math.max(chunk, 4));
    StringBuilder pending = new StringBuilder();
    boolean first = true;
    long done = 0;
    try (InputStream is = Files.newInputStream(file)) {
      boolean eof = false;
      while (!eof) {
        int n = is.read(in.array(), in.position(), Math.min(chunk, in.remaining()));
        if (n < 0) {
          eof = true;
        } else {
          if (crc != null) {
            crc.update(in.array(), in.position(), n);
          }
          in.position(in.position() + n);
          done += n;
        }
        in.flip();
        CoderResult r = dec.decode(in, out, eof);
        if (r.isError()) {
          throw new IOException(file + " is not valid UTF-8 text (at byte " + (done - in.remaining()) + ")");
        }
        if (eof) {
          dec.flush(out);
        }
        in.compact();
        out.flip();
        if (first && out.hasRemaining()) {
          if (out.get(out.position()) == '\uFEFF') {
            out.get(); // a BOM marks the encoding; it is not text
          }
          first = false;
        }
        pending.append(out);
        out.clear();
        emit(pending, sink, eof, maxSegment);
        if (progress != null) {
          progress.accept(done);
        }
      }
    }
  }

  /** Hands on every complete line of {@code pending}, cuts an overlong rest at whitespace, keeps the remainder. */
  private static void emit(StringBuilder pending, Sink sink, boolean eof, int maxSegment) {
    int from = 0;
    for (int nl; (nl = pending.indexOf("\n", from)) >= 0; from = nl + 1) {
      sink.segment(pending.substring(from, nl + 1));
    }
    while (pending.length() - from > maxSegment) {
      int cut = -1;
      for (int i = pending.length() - 1; i >= from; i--) {
        char c = pending.charAt(i);
        if (c != '\r' && Character.isWhitespace(c)) {
          cut = i + 1;
          break;
        }
      }
      if (cut < 0) {
        break; // one run of non-space text: it stays whole until a space or the end of the line
      }
      sink.segment(pending.substring(from, cut));
      from = cut;
    }
    if (eof && from < pending.length()) {
      sink.segment(pending.substring(from));
      from = pending.length();
    }
    pending.delete(0, from);
  }
}
