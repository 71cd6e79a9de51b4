package dev.rnn4j.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the byte buffer after the header)
 * plus an optional {@code "__metadata__"} string map, then the raw little-endian bytes.
 *
 * <p>Reading validates the whole header before it allocates any tensor: the header length against the file, each
 * tensor's dtype, shape and byte range, that the byte count matches dtype and shape, and that the ranges tile the data
 * section with no overlap and no hole. Every problem is a {@link SafeTensorsException} naming the file, the tensor and
 * the offset. Data is then read tensor by tensor in 64 KiB chunks, so memory holds only the tensors asked for:
 * {@link #header} reads no data at all and {@link #read(Path, Collection)} only the named tensors. Types convert as
 * described in {@link FileDType} (NOTE [dtype conversion]).
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

  /** One tensor's header entry: its stored type, shape, and byte range relative to the data section. */
  public record TensorInfo(String name, FileDType dtype, Shape shape, long begin, long end) {
    /** Bytes the tensor occupies in the file. */
    public long byteSize() {
      return end - begin;
    }
  }

  /** A parsed and validated header: entries in header order, the metadata, and where the data section starts. */
  public record Header(List<TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
    /** Copies both collections, so a header cannot change after it was validated. */
    public Header {
      tensors = List.copyOf(tensors);
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /** Reads and validates the header of {@code file} without reading any tensor data. */
  public static Header header(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return header(ch, file.toString());
    }
  }

  /** Reads every tensor in {@code file}. */
  public static Contents read(Path file) throws IOException {
    return read(file, null);
  }

  /**
   * Reads only the tensors named in {@code names} (in header order), or all when {@code names} is null. A name the
   * file lacks is an error listing the names it has.
   */
  public static Contents read(Path file, Collection<String> names) throws IOException {
    String where = file.toString();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header h = header(ch, where);
      Set<String> wanted = names == null ? null : new LinkedHashSet<>(names);
      if (wanted != null) {
        Set<String> have = new LinkedHashSet<>();
        h.tensors().forEach(t -> have.add(t.name()));
        for (String n : wanted) {
          if (!have.contains(n)) {
            throw new SafeTensorsException(where + ": no tensor named '" + n + "'; the file has " + have);
          }
        }
      }
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (TensorInfo t : h.tensors()) {
        if (wanted == null || wanted.contains(t.name())) {
          tensors.put(t.name(), readTensor(ch, h, t, where));
        }
      }
      return new Contents(tensors, h.metadata());
    }
  }

  private static Tensor readTensor(FileChannel ch, Header h, TensorInfo t, String where) throws IOException {
    long pos = h.dataStart() + t.begin();
    ch.position(pos);
    String what = where + ": tensor '" + t.name() + "' (file offset " + pos + ")";
    Object data;
    try {
      data = t.dtype().decode(ch, t.shape().numel(), ByteOrder.LITTLE_ENDIAN, what);
    } catch (java.io.EOFException e) {
      throw new SafeTensorsException(e.getMessage() + " (the file changed while reading?)");
    } catch (IllegalArgumentException e) {
      throw new SafeTensorsException(e.getMessage());
    }
    if (data instanceof float[] f) {
      return Tensor.wrap(f, t.shape());
    }
    return Tensor.wrap((long[]) data, t.shape(), t.dtype().readAs());
  }

  /**
   * True when {@code head} (the first bytes of a file) starts like safetensors: a little-endian header length of at
   * least 2, then the header's opening {@code '{'}.
   */
  static boolean looksLike(byte[] head) {
    if (head.length < 9) {
      return false;
    }
    long len = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return len >= 2 && head[8] == '{';
  }

  private static Header header(FileChannel ch, String where) throws IOException {
    long size = ch.size();
    byte[] head = new byte[(int) Math.min(size, 16)];
    readFully(ch, ByteBuffer.wrap(head), 0, where);
    if (TorchLoad.isZip(head) || TorchLoad.isLegacy(head)) {
      throw new SafeTensorsException(where + ": this is a torch.save file (" + (TorchLoad.isZip(head)
          ? "zip archive" : "legacy pickle") + " format), not safetensors; read it with TorchLoad.read, or"
          + " StateDicts.load, which reads either format");
    }
    if (size < 8) {
      throw new SafeTensorsException(where + ": file is " + size + " bytes, shorter than the 8-byte header length");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, lenBuf, 0, where);
    long headerLen = lenBuf.flip().getLong();
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
      throw new SafeTensorsException(
          where + ": header length " + Long.toUnsignedString(headerLen) + " (at offset 0) is invalid for a file of "
              + size + " bytes (it must be at least 2, at most " + MAX_HEADER_BYTES + " and fit in the file)");
    }
    ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
    readFully(ch, hb, 8, where);
    String json;
    try {
      json = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(hb.flip())
          .toString();
    } catch (CharacterCodingException e) {
      throw new SafeTensorsException(where + ": header (offset 8, " + headerLen + " bytes) is not valid UTF-8");
    }
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
    List<TensorInfo> entries = new ArrayList<>();
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
      entries.add(parseEntry(e.getKey(), e.getValue(), where));
    }
    // Ranges must tile the data section exactly: sorted by begin, each starts where the previous ended.
    List<TensorInfo> sorted = new ArrayList<>(entries);
    sorted.sort((a, b) -> a.begin() != b.begin() ? Long.compare(a.begin(), b.begin()) : Long.compare(a.end(), b.end()));
    long expect = 0;
    for (TensorInfo en : sorted) {
      if (en.begin() != expect) {
        throw new SafeTensorsException(
            where + ": tensor '" + en.name() + "' starts at data offset " + en.begin() + " (file offset "
                + (dataStart + en.begin()) + ") but the previous tensor ends at " + expect
                + (en.begin() < expect ? " (overlap)" : " (hole)"));
      }
      expect = en.end();
    }
    if (expect != dataLen) {
      throw new SafeTensorsException(
          where + ": tensors cover " + expect + " bytes but the data section (from file offset " + dataStart
              + ") holds " + dataLen + (expect > dataLen ? " (file truncated?)" : " (trailing bytes)"));
    }
    return new Header(entries, metadata, dataStart);
  }

  private static TensorInfo parseEntry(String name, JsonElement v, String where) throws SafeTensorsException {
    String at = where + ": tensor '" + name + "'";
    if (!v.isJsonObject()) {
      throw new SafeTensorsException(at + " is not an object");
    }
    JsonObject o = v.getAsJsonObject();
    JsonElement dt = o.get("dtype");
    if (dt == null || !dt.isJsonPrimitive() || !dt.getAsJsonPrimitive().isString()) {
      throw new SafeTensorsException(at + " has no string \"dtype\"");
    }
    FileDType dtype = FileDType.fromSafeTensorsName(dt.getAsString());
    if (dtype == null) {
      throw new SafeTensorsException(at + " has unknown dtype '" + dt.getAsString() + "'; known: "
          + Arrays.toString(FileDType.values()));
    }
    JsonArray shapeArr = array(o, "shape", at);
    int[] dims = new int[shapeArr.size()];
    long numel = 1;
    for (int i = 0; i < dims.length; i++) {
      long d = exactLong(shapeArr.get(i), at + " shape[" + i + "]");
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new SafeTensorsException(at + " has invalid size " + d + " at dim " + i);
      }
      dims[i] = (int) d;
      numel *= d; // both factors are below 2^31: no overflow
      if (numel > Integer.MAX_VALUE) {
        throw new SafeTensorsException(at + " has shape " + Arrays.toString(dims) + " with more than 2^31-1 elements"
            + " (rnn4j's tensor limit)");
      }
    }
    JsonArray off = array(o, "data_offsets", at);
    if (off.size() != 2) {
      throw new SafeTensorsException(at + " needs 2 data_offsets, got " + off.size());
    }
    long begin = exactLong(off.get(0), at + " data_offsets[0]");
    long end = exactLong(off.get(1), at + " data_offsets[1]");
    if (begin < 0 || end < begin) {
      throw new SafeTensorsException(at + " has invalid data_offsets [" + begin + ", " + end + "]");
    }
    long need = numel * dtype.width();
    if (need != end - begin) {
      throw new SafeTensorsException(at + " of dtype " + dtype + " and shape " + Arrays.toString(dims) + " needs "
          + need + " bytes but its data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
    }
    return new TensorInfo(name, dtype, new Shape(dims), begin, end);
  }

  private static JsonArray array(JsonObject o, String key, String at) throws SafeTensorsException {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonArray()) {
      throw new SafeTensorsException(at + " has no array \"" + key + "\"");
    }
    return e.getAsJsonArray();
  }

  /** A JSON integer that fits a long exactly; 1.5, 1e30 and "7" are refused rather than truncated. */
  private static long exactLong(JsonElement e, String what) throws SafeTensorsException {
    if (e == null || !e.isJsonPrimitive() || !((JsonPrimitive) e).isNumber()) {
      throw new SafeTensorsException(what + " is not a number: " + e);
    }
    String text = e.getAsString();
    try {
      if (text.length() > 40) {
        throw new ArithmeticException("too long");
      }
      return new BigDecimal(text).longValueExact();
    } catch (ArithmeticException | NumberFormatException ex) {
      throw new SafeTensorsException(what + " is not an integer in the int64 range: "
          + (text.length() > 40 ? text.substring(0, 40) + "..." : text));
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos, String where) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new SafeTensorsException(where + ": unexpected end of file at offset " + pos);
      }
      pos += n;
    }
  }

  /**
   * Writes tensors (float32 as F32, int64 as I64, bool as BOOL) with their names and optional metadata, atomically:
   * the previous file at {@code file} survives any failure.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    write(file, tensors, metadata, UnaryOperator.identity());
  }

  /** {@link #write} through {@code wrap}, which tests use to make the channel fail part way. */
  static void write(
      Path file,
      Map<String, Tensor> tensors,
      Map<String, String> metadata,
      UnaryOperator<WritableByteChannel> wrap)
      throws IOException {
    Map<String, Object> header = new LinkedHashMap<>();
    if (metadata != null && !metadata.isEmpty()) {
      header.put("__metadata__", new TreeMap<>(metadata));
    }
    long offset = 0;
    for (var e : tensors.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
      }
      Tensor t = e.getValue();
      FileDType ft = FileDType.written(t.dtype());
      long bytes = (long) t.numel() * ft.width();
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", ft.name());
      info.put("shape", t.shape().dims());
      info.put("data_offsets", new long[] {offset, offset + bytes});
      header.put(e.getKey(), info);
      offset += bytes;
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int pad = (8 - json.length % 8) % 8; // align the data section to 8 bytes, as the reference writer does
    byte[] padded = Arrays.copyOf(json, json.length + pad);
    Arrays.fill(padded, json.length, padded.length, (byte) ' ');
    Path tmp = AtomicFiles.sibling(file);
    try {
      try (FileChannel fc = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        WritableByteChannel ch = wrap.apply(fc);
        ByteBuffer head = ByteBuffer.allocate(8 + padded.length).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded.length).put(padded).flip();
        writeFully(ch, head);
        for (Tensor t : tensors.values()) {
          writeFully(ch, encode(t));
        }
        fc.force(true);
      }
      AtomicFiles.replace(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
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

  private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
