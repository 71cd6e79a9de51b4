package dev.rnn4j.io;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the byte buffer after the header)
 * plus an optional {@code "__metadata__"} string map, then the raw little-endian bytes.
 *
 * <p>Reading validates everything before it allocates: the header length against the file, each tensor's byte range
 * against the data section, the byte count against dtype and shape, and that ranges neither overlap nor leave holes.
 * Floating dtypes (F64, F32, F16, BF16) are converted to float32; integer and bool dtypes to int64 (U64 values above
 * 2^63-1 are refused).
 *
 * <p>Writing is atomic: the file is written beside the target and moved over it, so a failed write leaves the
 * previous file intact.
 */
public final class SafeTensors {
  /** Headers larger than this are refused before reading (the reference implementation's limit). */
  public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private SafeTensors() {}

  /** The tensors of a file, in header order, and its metadata. */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  /** Reads every tensor in {@code file}. */
  public static Contents read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return read(ch, file.toString());
    }
  }

  private static Contents read(FileChannel ch, String where) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw new SafeTensorsException(where + ": file is " + size + " bytes, shorter than the 8-byte header length");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, lenBuf, 0);
    long headerLen = lenBuf.flip().getLong();
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
      throw new SafeTensorsException(
          where + ": header length " + Long.toUnsignedString(headerLen) + " (at offset 0) is invalid for a file of "
              + size + " bytes");
    }
    ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
    readFully(ch, hb, 8);
    String json = new String(hb.array(), StandardCharsets.UTF_8);
    JsonObject header;
    try {
      JsonElement el = JsonParser.parseString(json);
      if (!el.isJsonObject()) {
        throw new SafeTensorsException(where + ": header (offset 8) is not a JSON object");
      }
      header = el.getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new SafeTensorsException(where + ": header (offset 8, " + headerLen + " bytes) is not valid JSON: "
          + e.getMessage());
    }
    long dataStart = 8 + headerLen;
    long dataLen = size - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    for (var e : header.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        if (!e.getValue().isJsonObject()) {
          throw new SafeTensorsException(where + ": __metadata__ must be an object of strings");
        }
        for (var m : e.getValue().getAsJsonObject().entrySet()) {
          if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
            throw new SafeTensorsException(where + ": __metadata__ value for '" + m.getKey() + "' is not a string");
          }
          metadata.put(m.getKey(), m.getValue().getAsString());
        }
        continue;
      }
      entries.add(Entry.parse(e.getKey(), e.getValue(), where));
    }
    // Ranges must tile the data section exactly: sorted by begin, each starts where the previous ended.
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort((a, b) -> Long.compare(a.begin, b.begin));
    long expect = 0;
    for (Entry en : sorted) {
      if (en.begin != expect) {
        throw new SafeTensorsException(
            where + ": tensor '" + en.name + "' starts at data offset " + en.begin + " but the previous tensor ends at "
                + expect + (en.begin < expect ? " (overlap)" : " (hole)"));
      }
      expect = en.end;
    }
    if (expect != dataLen) {
      throw new SafeTensorsException(
          where + ": tensors cover " + expect + " bytes but the data section (from file offset " + dataStart
              + ") holds " + dataLen);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Entry en : entries) {
      ByteBuffer buf = ByteBuffer.allocate((int) (en.end - en.begin)).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, buf, dataStart + en.begin);
      buf.flip();
      tensors.put(en.name, decode(en, buf, where));
    }
    return new Contents(tensors, metadata);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new SafeTensorsException("unexpected end of file at offset " + pos);
      }
      pos += n;
    }
  }

  private record Entry(String name, String dtype, Shape shape, long begin, long end) {
    static Entry parse(String name, JsonElement v, String where) {
      if (!v.isJsonObject()) {
        throw new SafeTensorsException(where + ": entry '" + name + "' is not an object");
      }
      JsonObject o = v.getAsJsonObject();
      try {
        String dtype = o.get("dtype").getAsString();
        var shapeArr = o.getAsJsonArray("shape");
        int[] dims = new int[shapeArr.size()];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
          long d = shapeArr.get(i).getAsLong();
          if (d < 0 || d > Integer.MAX_VALUE) {
            throw new SafeTensorsException(where + ": tensor '" + name + "' has invalid size " + d + " at dim " + i);
          }
          dims[i] = (int) d;
          numel = Math.multiplyExact(numel, d);
        }
        var off = o.getAsJsonArray("data_offsets");
        if (off.size() != 2) {
          throw new SafeTensorsException(where + ": tensor '" + name + "' needs 2 data_offsets, got " + off.size());
        }
        long begin = off.get(0).getAsLong();
        long end = off.get(1).getAsLong();
        int width = width(dtype, name, where);
        if (begin < 0 || end < begin) {
          throw new SafeTensorsException(
              where + ": tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
        }
        if (numel > Integer.MAX_VALUE || Math.multiplyExact(numel, (long) width) != end - begin) {
          throw new SafeTensorsException(
              where + ": tensor '" + name + "' of dtype " + dtype + " and shape " + java.util.Arrays.toString(dims)
                  + " needs " + numel * width + " bytes but its data_offsets [" + begin + ", " + end + "] hold "
                  + (end - begin));
        }
        return new Entry(name, dtype, new Shape(dims), begin, end);
      } catch (NullPointerException | ClassCastException | IllegalStateException | NumberFormatException
          | ArithmeticException e) {
        throw new SafeTensorsException(where + ": entry '" + name + "' is malformed: " + e);
      }
    }
  }

  private static int width(String dtype, String name, String where) {
    switch (dtype) {
      case "F64":
      case "I64":
      case "U64":
        return 8;
      case "F32":
      case "I32":
      case "U32":
        return 4;
      case "F16":
      case "BF16":
      case "I16":
      case "U16":
        return 2;
      case "I8":
      case "U8":
      case "BOOL":
        return 1;
      default:
        throw new SafeTensorsException(where + ": tensor '" + name + "' has unknown dtype '" + dtype + "'");
    }
  }

  private static Tensor decode(Entry en, ByteBuffer b, String where) {
    int n = en.shape.numel();
    switch (en.dtype) {
      case "F32": {
        float[] d = new float[n];
        b.asFloatBuffer().get(d);
        return Tensor.wrap(d, en.shape);
      }
      case "F64": {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
          d[i] = (float) b.getDouble();
        }
        return Tensor.wrap(d, en.shape);
      }
      case "F16": {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
          d[i] = HalfFloat.halfToFloat(b.getShort());
        }
        return Tensor.wrap(d, en.shape);
      }
      case "BF16": {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
          d[i] = Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16);
        }
        return Tensor.wrap(d, en.shape);
      }
      default: {
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
          switch (en.dtype) {
            case "I64":
              d[i] = b.getLong();
              break;
            case "U64":
              d[i] = b.getLong();
              if (d[i] < 0) {
                throw new SafeTensorsException(
                    where + ": tensor '" + en.name + "' element " + i + " exceeds the int64 range");
              }
              break;
            case "I32":
              d[i] = b.getInt();
              break;
            case "U32":
              d[i] = b.getInt() & 0xFFFFFFFFL;
              break;
            case "I16":
              d[i] = b.getShort();
              break;
            case "U16":
              d[i] = b.getShort() & 0xFFFF;
              break;
            case "I8":
              d[i] = b.get();
              break;
            default: // U8, BOOL
              d[i] = b.get() & 0xFF;
          }
        }
        return Tensor.wrap(d, en.shape, en.dtype.equals("BOOL") ? DType.BOOL : DType.INT64);
      }
    }
  }

  /**
   * Writes tensors (float32 as F32, int64 as I64, bool as BOOL) with their names and optional metadata, atomically:
   * the previous file at {@code file} survives any failure.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    Map<String, Object> header = new LinkedHashMap<>();
    if (metadata != null && !metadata.isEmpty()) {
      header.put("__metadata__", new TreeMap<>(metadata));
    }
    long offset = 0;
    for (var e : tensors.entrySet()) {
      Tensor t = e.getValue();
      int width = t.dtype() == DType.BOOL ? 1 : t.dtype() == DType.INT64 ? 8 : 4;
      long bytes = (long) t.numel() * width;
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", t.dtype() == DType.FLOAT32 ? "F32" : t.dtype() == DType.INT64 ? "I64" : "BOOL");
      info.put("shape", t.shape().dims());
      info.put("data_offsets", new long[] {offset, offset + bytes});
      header.put(e.getKey(), info);
      offset += bytes;
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int pad = (8 - json.length % 8) % 8; // align the data section to 8 bytes, as the reference writer does
    byte[] padded = java.util.Arrays.copyOf(json, json.length + pad);
    java.util.Arrays.fill(padded, json.length, padded.length, (byte) ' ');
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer head = ByteBuffer.allocate(8 + padded.length).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded.length).put(padded).flip();
        writeFully(ch, head);
        for (Tensor t : tensors.values()) {
          writeFully(ch, encode(t));
        }
        ch.force(true);
      }
      moveAtomically(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Moves {@code tmp} over {@code target}, atomically where the file system allows. */
  static void moveAtomically(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (java.nio.file.AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static ByteBuffer encode(Tensor t) {
    if (t.dtype() == DType.FLOAT32) {
      float[] d = t.data();
      ByteBuffer b = ByteBuffer.allocate(d.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(d);
      return b;
    }
    long[] d = t.longData();
    if (t.dtype() == DType.BOOL) {
      ByteBuffer b = ByteBuffer.allocate(d.length);
      for (long v : d) {
        b.put((byte) (v != 0 ? 1 : 0));
      }
      return b.flip();
    }
    ByteBuffer b = ByteBuffer.allocate(d.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(d);
    return b;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
