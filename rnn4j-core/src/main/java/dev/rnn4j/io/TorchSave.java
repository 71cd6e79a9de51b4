package dev.rnn4j.io;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a state dict as {@code torch.save} does (zip format), so that {@code torch.load(path, weights_only=True)}
 * reads it: {@code archive/data.pkl} is a protocol-2 pickle of an {@code OrderedDict} whose values are
 * {@code torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())}, each storage a persistent
 * id {@code ('storage', torch.FloatStorage | LongStorage | BoolStorage, key, 'cpu', numel)}; the raw little-endian
 * bytes are the uncompressed entries {@code archive/data/<key>}, each aligned to 64 bytes as PyTorch aligns them. The
 * pickle uses only the globals {@link TorchUnpickler} allows. Writing is atomic, as for {@link SafeTensors#write}.
 */
public final class TorchSave {
  private static final int ALIGN = 64;
  private static final String ARCHIVE = "archive/";

  private TorchSave() {}

  /** Writes {@code tensors} (float32, int64 or bool) to {@code file} in PyTorch's zip format. */
  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    Path tmp = AtomicFiles.sibling(file);
    try {
      try (CountingStream count = new CountingStream(Files.newOutputStream(tmp));
          ZipOutputStream zip = new ZipOutputStream(count)) {
        put(zip, count, ARCHIVE + "data.pkl", pickle(tensors));
        int key = 0;
        for (Tensor t : tensors.values()) {
          put(zip, count, ARCHIVE + "data/" + key++, bytes(t));
        }
        put(zip, count, ARCHIVE + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        put(zip, count, ARCHIVE + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
      }
      AtomicFiles.replace(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Adds an uncompressed entry whose data starts at a multiple of 64 bytes (padding in the extra field). */
  private static void put(ZipOutputStream zip, CountingStream count, String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(data.length);
    e.setCompressedSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setCrc(crc.getValue());
    int nameLen = name.getBytes(StandardCharsets.UTF_8).length;
    long dataAt = count.count + 30 + nameLen + 4; // local header, name, and the extra field's own 4-byte header
    int pad = (int) ((ALIGN - dataAt % ALIGN) % ALIGN);
    ByteBuffer extra = ByteBuffer.allocate(4 + pad).order(ByteOrder.LITTLE_ENDIAN);
    extra.putShort((short) 0x4246).putShort((short) pad); // "FB", PyTorch's padding record id
    e.setExtra(extra.array());
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
  }

  private static byte[] bytes(Tensor t) {
    if (t.dtype() == DType.FLOAT32) {
      ByteBuffer b = ByteBuffer.allocate(t.numel() * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(t.data());
      return b.array();
    }
    long[] d = t.longData();
    if (t.dtype() == DType.BOOL) {
      byte[] b = new byte[d.length];
      for (int i = 0; i < d.length; i++) {
        b[i] = (byte) (d[i] != 0 ? 1 : 0);
      }
      return b;
    }
    ByteBuffer b = ByteBuffer.allocate(d.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(d);
    return b.array();
  }

  // Pickle opcodes (protocol 2) used below.
  private static final int PROTO = 0x80;
  private static final int GLOBAL = 'c';
  private static final int EMPTY_TUPLE = ')';
  private static final int REDUCE = 'R';
  private static final int MARK = '(';
  private static final int TUPLE = 't';
  private static final int BINPERSID = 'Q';
  private static final int BININT = 'J';
  private static final int NEWFALSE = 0x89;
  private static final int SETITEMS = 'u';
  private static final int BINUNICODE = 'X';
  private static final int STOP = '.';

  /** The state dict pickle, written opcode by opcode. */
  static byte[] pickle(Map<String, Tensor> tensors) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(PROTO);
    p.write(2);
    global(p, "collections", "OrderedDict");
    p.write(EMPTY_TUPLE);
    p.write(REDUCE);
    p.write(MARK);
    int key = 0;
    for (var e : tensors.entrySet()) {
      Tensor t = e.getValue();
      string(p, e.getKey());
      global(p, "torch._utils", "_rebuild_tensor_v2");
      p.write(MARK);
      // the storage, as a persistent id
      p.write(MARK);
      string(p, "storage");
      global(p, "torch", t.dtype() == DType.FLOAT32 ? "FloatStorage" : t.dtype() == DType.INT64 ? "LongStorage"
          : "BoolStorage");
      string(p, Integer.toString(key++));
      string(p, "cpu");
      integer(p, t.numel());
      p.write(TUPLE);
      p.write(BINPERSID);
      integer(p, 0); // storage offset
      int[] dims = t.shape().dims();
      int[] strides = t.shape().strides();
      p.write(MARK);
      for (int d : dims) {
        integer(p, d);
      }
      p.write(TUPLE);
      p.write(MARK);
      for (int s : strides) {
        integer(p, s);
      }
      p.write(TUPLE);
      p.write(NEWFALSE); // requires_grad
      global(p, "collections", "OrderedDict"); // backward hooks: an empty OrderedDict
      p.write(EMPTY_TUPLE);
      p.write(REDUCE);
      p.write(TUPLE);
      p.write(REDUCE);
    }
    p.write(SETITEMS);
    p.write(STOP);
    return p.toByteArray();
  }

  private static void global(ByteArrayOutputStream p, String module, String name) {
    p.write(GLOBAL);
    p.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  private static void string(ByteArrayOutputStream p, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    p.write(BINUNICODE);
    p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
    p.writeBytes(b);
  }

  private static void integer(ByteArrayOutputStream p, int v) {
    p.write(BININT);
    p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
  }

  /** Counts bytes written, to place each entry's data on a 64-byte boundary. */
  private static final class CountingStream extends FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
