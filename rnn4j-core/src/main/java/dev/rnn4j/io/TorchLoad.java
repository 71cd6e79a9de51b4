package dev.rnn4j.io;

import dev.rnn4j.io.TorchUnpickler.StorageRef;
import dev.rnn4j.io.TorchUnpickler.TensorRef;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads {@code torch.save(model.state_dict())} files with no native code and no arbitrary objects, like
 * {@code torch.load(path, weights_only=True)}.
 *
 * <p>Two layouts exist. The zip format (PyTorch 1.6 and later): {@code <archive>/data.pkl} is the pickled state dict
 * whose tensors refer to storages by key; each storage's raw bytes are the uncompressed entry
 * {@code <archive>/data/<key>}, in the byte order named by {@code <archive>/byteorder} (little-endian when absent). The
 * legacy format ({@code _use_new_zipfile_serialization=False}): five pickles in a row (magic number, protocol version
 * 1001, {@code sys_info} with the byte order, the state dict, the sorted storage keys), then for each key an 8-byte
 * element count and the raw elements.
 *
 * <p>Pickles go through {@link TorchUnpickler}'s allow-list. Tensors are strided views of storages: offsets, strides
 * (a transposed tensor saved directly) and storages shared by several tensors are honoured; each tensor is returned
 * contiguous and independent. Element types convert as NOTE [dtype conversion] in {@link FileDType} says. Sizes are
 * checked against the bytes that exist before anything is allocated, so a storage claiming 2^40 elements is an error,
 * not an {@link OutOfMemoryError}.
 */
public final class TorchLoad {
  /** data.pkl and the legacy pickles are read whole; larger ones are refused (a 100k-tensor state dict is ~15 MB). */
  public static final int MAX_PICKLE_BYTES = 64 << 20;

  private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
  /** The legacy format's first pickle: PROTO 2, LONG1 of 10 bytes holding 0x1950a86a20f9469cfc6c. */
  private static final byte[] LEGACY_MAGIC = {
    (byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50,
    0x19
  };
  private static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);

  private TorchLoad() {}

  /** The two {@code torch.save} layouts. */
  public enum Format {
    /** The zip archive, PyTorch's default since 1.6. */
    ZIP,
    /** The legacy layout ({@code _use_new_zipfile_serialization=False}): pickles followed by raw storages. */
    LEGACY
  }

  /** A state dict read from a file: tensors in file order, each one's stored type, and the layout. */
  public record Contents(Map<String, Tensor> tensors, Map<String, FileDType> dtypes, Format format) {}

  /** True when {@code head} (the first bytes of a file) starts like a zip archive. */
  static boolean isZip(byte[] head) {
    return startsWith(head, ZIP_MAGIC);
  }

  /** True when {@code head} starts with the legacy format's magic-number pickle. */
  static boolean isLegacy(byte[] head) {
    return startsWith(head, LEGACY_MAGIC);
  }

  private static boolean startsWith(byte[] head, byte[] magic) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (head[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /** Reads a state dict saved by {@code torch.save}, in either layout. */
  public static Contents read(Path file) throws IOException {
    byte[] head = new byte[Math.max(LEGACY_MAGIC.length, 9)];
    int n;
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    head = java.util.Arrays.copyOf(head, n);
    if (isZip(head)) {
      return readZip(file);
    }
    if (isLegacy(head)) {
      return readLegacy(file);
    }
    if (SafeTensors.looksLike(head)) {
      throw new TorchLoadException(file + ": this is a safetensors file, not a torch.save file; read it with"
          + " SafeTensors.read, or StateDicts.load, which reads either format");
    }
    throw new TorchLoadException(file + ": not a torch.save file (expected a zip archive starting with 'PK\\3\\4' or"
        + " the legacy magic-number pickle at byte 0)");
  }

  // ---------------------------------------------------------------------------------------------- zip format

  private static Contents readZip(Path file) throws IOException {
    String where = file.toString();
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new TorchLoadException(where + ": broken zip archive (" + e.getMessage() + "); truncated file?", e);
    } catch (IllegalArgumentException e) { // ZipFile's "MALFORMED" entry names
      throw new TorchLoadException(where + ": broken zip archive (" + e.getMessage() + ")", e);
    }
    try (zip) {
      ZipEntry pkl = null;
      int count = 0;
      for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); count++) {
        ZipEntry e = en.nextElement();
        String name = e.getName();
        int slash = name.indexOf('/');
        if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
          if (pkl != null) {
            throw new TorchLoadException(where + ": two data.pkl entries (" + pkl.getName() + ", " + name + ")");
          }
          pkl = e;
        }
      }
      if (pkl == null) {
        throw new TorchLoadException(where + ": zip archive of " + count + " entries has no <archive>/data.pkl;"
            + " not a torch.save file");
      }
      String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
      ByteOrder order = ByteOrder.LITTLE_ENDIAN;
      ZipEntry bo = zip.getEntry(prefix + "byteorder");
      if (bo != null) {
        String s = new String(readEntry(zip, bo, 16, where), StandardCharsets.US_ASCII).trim();
        if (s.equals("big")) {
          order = ByteOrder.BIG_ENDIAN;
        } else if (!s.equals("little")) {
          throw new TorchLoadException(where + ": " + bo.getName() + " says '" + s + "', expected little or big");
        }
      }
      byte[] bytes = readEntry(zip, pkl, MAX_PICKLE_BYTES, where);
      Map<String, StorageRef> storages = new LinkedHashMap<>();
      String pwhere = where + ": " + pkl.getName();
      Object root = new TorchUnpickler(new TorchUnpickler.Input(bytes, 0, bytes.length), pwhere, false, storages)
          .loadOne();
      Map<String, TensorRef> refs = stateDict(root, pwhere);
      ByteOrder fOrder = order;
      StorageSource source = ref -> {
        ZipEntry e = zip.getEntry(prefix + "data/" + ref.key());
        String what = where + ": storage '" + ref.key() + "' (" + prefix + "data/" + ref.key() + ")";
        if (e == null) {
          throw new TorchLoadException(what + " is missing from the archive");
        }
        int numel = checkedNumel(ref, what);
        long bytesNeeded = (long) numel * ref.dtype().width();
        if (e.getMethod() != ZipEntry.STORED) {
          throw new TorchLoadException(what + " is compressed (zip method " + e.getMethod() + "); torch.save stores"
              + " storages uncompressed");
        }
        if (e.getSize() != bytesNeeded) {
          throw new TorchLoadException(what + " declares " + ref.numel() + " " + ref.dtype() + " elements ("
              + bytesNeeded + " bytes) but the entry holds " + e.getSize() + " bytes");
        }
        try (InputStream in = zip.getInputStream(e)) {
          return ref.dtype().decode(Channels.newChannel(in), numel, fOrder, what);
        }
      };
      return materialize(refs, storages, source, Format.ZIP, where);
    } catch (TorchLoadException | java.nio.file.FileSystemException e) {
      throw e; // already named, or a real I/O problem (missing file, permissions), not a malformed archive
    } catch (IOException e) {
      throw malformed(where, "broken or truncated zip archive", e);
    } catch (IllegalArgumentException e) {
      throw malformed(where, "broken zip archive", e); // ZipFile reports undecodable entry names this way
    }
  }

  private static byte[] readEntry(ZipFile zip, ZipEntry e, int max, String where) throws IOException {
    if (e.getSize() > max) {
      throw new TorchLoadException(where + ": " + e.getName() + " is " + e.getSize() + " bytes; at most " + max
          + " are read");
    }
    try (InputStream in = zip.getInputStream(e)) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw new TorchLoadException(where + ": " + e.getName() + " is larger than " + max + " bytes");
      }
      return b;
    }
  }

  // ---------------------------------------------------------------------------------------------- legacy format

  private static Contents readLegacy(Path file) throws IOException {
    String where = file.toString();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      byte[] window = new byte[(int) Math.min(size, MAX_PICKLE_BYTES)];
      ByteBuffer wb = ByteBuffer.wrap(window);
      while (wb.hasRemaining() && ch.read(wb, wb.position()) >= 0) {
        // fill the window
      }
      TorchUnpickler.Input in = new TorchUnpickler.Input(window, 0, wb.position());
      Map<String, StorageRef> storages = new LinkedHashMap<>();
      Object magic = new TorchUnpickler(in, where + ": magic number pickle", true, storages).loadOne();
      if (!MAGIC_NUMBER.equals(magic)) {
        throw new TorchLoadException(where + ": wrong legacy magic number");
      }
      Object protocol = new TorchUnpickler(in, where + ": protocol pickle", true, storages).loadOne();
      if (!Integer.valueOf(1001).equals(protocol)) {
        throw new TorchLoadException(where + ": legacy protocol version is " + protocol + ", expected 1001");
      }
      int sysAt = in.position();
      Object sysInfo = new TorchUnpickler(in, where + ": sys_info pickle", true, storages).loadOne();
      if (!(sysInfo instanceof Map<?, ?> info) || !(info.get("little_endian") instanceof Boolean little)) {
        throw new TorchLoadException(where + " byte " + sysAt + ": sys_info must be a dict with 'little_endian'");
      }
      ByteOrder order = little ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
      int stateAt = in.position();
      Object root = new TorchUnpickler(in, where + ": state pickle", true, storages).loadOne();
      Map<String, TensorRef> refs = stateDict(root, where + ": state pickle at byte " + stateAt);
      int keysAt = in.position();
      Object keys = new TorchUnpickler(in, where + ": storage keys pickle", true, storages).loadOne();
      if (!(keys instanceof List<?> keyList)) {
        throw new TorchLoadException(where + " byte " + keysAt + ": storage keys must be a list");
      }
      // The raw storages follow in key order: an 8-byte element count, then the elements. Record where each starts.
      Map<String, Long> dataAt = new HashMap<>();
      long pos = in.position();
      ByteBuffer count = ByteBuffer.allocate(8).order(order);
      for (Object k : keyList) {
        StorageRef ref = k instanceof String s ? storages.get(s) : null;
        if (ref == null) {
          throw new TorchLoadException(where + " byte " + keysAt + ": storage key " + k + " is listed but no tensor"
              + " uses it");
        }
        count.clear();
        while (count.hasRemaining()) {
          if (ch.read(count, pos + count.position()) < 0) {
            throw new TorchLoadException(where + " byte " + pos + ": file ends before storage '" + ref.key()
                + "' (truncated?)");
          }
        }
        long n = count.flip().getLong();
        if (n != ref.numel()) {
          throw new TorchLoadException(where + " byte " + pos + ": storage '" + ref.key() + "' holds " + n
              + " elements but the state pickle declares " + ref.numel());
        }
        long bytes = ref.dtype().byteCount(n);
        if (bytes < 0 || bytes > size - pos - 8) {
          throw new TorchLoadException(where + " byte " + pos + ": storage '" + ref.key() + "' of " + n + " "
              + ref.dtype() + " elements runs past the end of the " + size + "-byte file");
        }
        dataAt.put(ref.key(), pos + 8);
        pos += 8 + bytes;
      }
      StorageSource source = ref -> {
        Long at = dataAt.get(ref.key());
        String what = where + ": storage '" + ref.key() + "'";
        if (at == null) {
          throw new TorchLoadException(what + " is used by a tensor but missing from the storage key list");
        }
        int numel = checkedNumel(ref, what);
        ReadableByteChannel rc = ch.position(at);
        return ref.dtype().decode(rc, numel, order, what + " at byte " + at);
      };
      return materialize(refs, storages, source, Format.LEGACY, where);
    } catch (TorchLoadException | java.nio.file.FileSystemException e) {
      throw e;
    } catch (IOException e) {
      throw malformed(where, "truncated or malformed file", e);
    }
  }

  // ---------------------------------------------------------------------------------------------- shared

  private static TorchLoadException malformed(String where, String what, Exception e) {
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new TorchLoadException((msg.startsWith(where) ? msg : where + ": " + what + " (" + msg + ")"), e);
  }

  /** Reads one root storage's elements as float[] or long[]. */
  private interface StorageSource {
    Object read(StorageRef root) throws IOException;
  }

  private static int checkedNumel(StorageRef ref, String what) throws TorchLoadException {
    if (ref.numel() > Integer.MAX_VALUE) {
      throw new TorchLoadException(what + " declares " + ref.numel() + " " + ref.dtype() + " elements, more than"
          + " rnn4j's 2^31-1 limit");
    }
    return (int) ref.numel();
  }

  /** The top-level object must be a dict of string keys to tensors. */
  private static Map<String, TensorRef> stateDict(Object root, String where) throws TorchLoadException {
    if (!(root instanceof Map<?, ?> m)) {
      throw new TorchLoadException(where + ": the saved object is a " + kind(root) + ", not a state dict"
          + " (save model.state_dict(), not the model)");
    }
    Map<String, TensorRef> out = new LinkedHashMap<>();
    for (var e : m.entrySet()) {
      if (!(e.getKey() instanceof String k)) {
        throw new TorchLoadException(where + ": state dict key " + kind(e.getKey()) + " is not a string");
      }
      if (!(e.getValue() instanceof TensorRef t)) {
        throw new TorchLoadException(where + ": value of '" + k + "' is a " + kind(e.getValue()) + ", not a tensor");
      }
      out.put(k, t);
    }
    return out;
  }

  private static String kind(Object o) {
    return o == null ? "None" : o instanceof Object[] ? "tuple" : o instanceof List ? "list"
        : o instanceof Map ? "dict" : o.getClass().getSimpleName();
  }

  private static Contents materialize(
      Map<String, TensorRef> refs, Map<String, StorageRef> roots, StorageSource source, Format format, String where)
      throws IOException {
    Map<String, Object> cache = new HashMap<>(); // decoded root storages, shared by the tensors that view them
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, FileDType> dtypes = new LinkedHashMap<>();
    for (var e : refs.entrySet()) {
      TensorRef t = e.getValue();
      StorageRef s = t.storage();
      Shape shape = checkView(where + ": tensor '" + e.getKey() + "'", t);
      Object data = cache.get(s.key());
      if (data == null) {
        data = source.read(roots.get(s.key()));
        cache.put(s.key(), data);
      }
      tensors.put(e.getKey(), gather(data, s.viewOffset() + t.offset(), shape, t.stride(), s.dtype()));
      dtypes.put(e.getKey(), s.dtype());
    }
    return new Contents(tensors, dtypes, format);
  }

  /** Checks that the view lies inside its storage; returns its shape. */
  private static Shape checkView(String what, TensorRef t) throws TorchLoadException {
    long[] size = t.size();
    long[] stride = t.stride();
    int[] dims = new int[size.length];
    long numel = 1;
    for (int d = 0; d < size.length; d++) {
      if (size[d] < 0 || size[d] > Integer.MAX_VALUE || stride[d] < 0) {
        throw new TorchLoadException(what + " has invalid size " + size[d] + " or stride " + stride[d] + " at dim "
            + d);
      }
      dims[d] = (int) size[d];
      numel *= size[d];
      if (numel > Integer.MAX_VALUE) {
        throw new TorchLoadException(what + " has size " + java.util.Arrays.toString(size) + ", more than 2^31-1"
            + " elements");
      }
    }
    if (t.offset() < 0) {
      throw new TorchLoadException(what + " has a negative storage offset " + t.offset());
    }
    if (numel > 0) {
      long last = t.offset(); // index of the view's last element in its storage
      try {
        for (int d = 0; d < size.length; d++) {
          last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
        }
      } catch (ArithmeticException ex) {
        last = Long.MAX_VALUE;
      }
      if (last >= t.storage().numel()) {
        throw new TorchLoadException(what + " with offset " + t.offset() + ", size "
            + java.util.Arrays.toString(size) + " and stride " + java.util.Arrays.toString(stride) + " reaches element "
            + last + " of storage '" + t.storage().key() + "', which has " + t.storage().numel());
      }
    }
    return new Shape(dims);
  }

  /** Copies a strided view into a new contiguous tensor. */
  private static Tensor gather(Object data, long offset, Shape shape, long[] stride, FileDType dt) {
    int n = shape.numel();
    int[] dims = shape.dims();
    int[] idx = new int[dims.length];
    float[] fs = data instanceof float[] f ? f : null;
    long[] ls = fs == null ? (long[]) data : null;
    float[] fo = fs != null ? new float[n] : null;
    long[] lo = fs == null ? new long[n] : null;
    long src = offset;
    for (int i = 0; i < n; i++) {
      if (fo != null) {
        fo[i] = fs[(int) src];
      } else {
        lo[i] = ls[(int) src];
      }
      // advance the multi-index, innermost dim first
      for (int d = dims.length - 1; d >= 0; d--) {
        if (++idx[d] < dims[d]) {
          src += stride[d];
          break;
        }
        src -= stride[d] * (dims[d] - 1);
        idx[d] = 0;
      }
    }
    return fo != null ? Tensor.wrap(fo, shape) : Tensor.wrap(lo, shape, dt.readAs());
  }
}
