package dev.rnn4j.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * A pickle reader that understands exactly what a PyTorch state dict needs, like {@code torch.load(weights_only=True)}.
 *
 * <p>The allow-list of globals: {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * {@code torch._utils._rebuild_parameter} and the ten {@code torch.<T>Storage} types; storages arrive as
 * persistent ids {@code ('storage', storage_type, key, location, numel)} (plus {@code view_metadata} in the legacy
 * format). Any other global is refused by name before anything is called. Unpickling builds only maps, lists, tuples,
 * strings, numbers and the descriptors below; no storage bytes are read here.
 *
 * <p>Hostile input is bounded: lengths are checked against the bytes left before anything is allocated, numeric text
 * lines are short, dict keys must be plain values (a deep list as a key would recurse in {@code hashCode}), opcodes a
 * state dict never uses (sets, INST/OBJ, extension registry, out-of-band buffers) are refused, and the number of
 * opcodes is capped, so memory stays proportional to a small pickle and nothing recurses.
 */
final class TorchUnpickler extends Unpickler {
  /** Opcodes beyond this are refused: a state dict of 100k tensors needs about 2M. */
  static final long MAX_OPS = 4_000_000;

  /** A storage named by a persistent id. A legacy view storage covers {@code [viewOffset, viewOffset+numel)}. */
  record StorageRef(String key, FileDType dtype, long numel, long viewOffset) {}

  /** A tensor as {@code _rebuild_tensor_v2} describes it: a strided view of a storage. */
  record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

  /** The value of {@code collections.OrderedDict()}: insertion-ordered. */
  static final class OrderedDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;
  }

  private enum Global {
    ORDERED_DICT("collections", "OrderedDict"),
    REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
    REBUILD_PARAMETER("torch._utils", "_rebuild_parameter");

    final String module;
    final String name;

    Global(String module, String name) {
      this.module = module;
      this.name = name;
    }
  }

  /** The value of a {@code torch.<T>Storage} global. */
  private record StorageType(FileDType dtype) {}

  /** A byte array input that tells where it is. */
  static final class Input extends ByteArrayInputStream {
    Input(byte[] data, int offset, int length) {
      super(data, offset, length);
    }

    int position() {
      return pos;
    }
  }

  private final Input in;
  private final String where;
  private final boolean legacy;
  private final Map<String, StorageRef> storages;
  private long ops;
  private int opStart;

  /**
   * @param where names the pickle in errors, e.g. {@code "model.pt: archive/data.pkl"}
   * @param legacy whether persistent ids carry the legacy sixth field
   * @param storages every root storage seen, by key; shared across the pickles of one file
   */
  TorchUnpickler(Input in, String where, boolean legacy, Map<String, StorageRef> storages) {
    this.in = in;
    this.where = where;
    this.legacy = legacy;
    this.storages = storages;
  }

  /** Reads one pickle from the input, leaving it just after the STOP opcode. */
  Object loadOne() throws TorchLoadException {
    int start = in.position();
    opStart = start;
    try {
      return load(in);
    } catch (Refusal e) {
      throw new TorchLoadException(e.getMessage());
    } catch (IOException | RuntimeException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new TorchLoadException(
          where + " byte " + opStart + ": malformed pickle (" + msg + ")", e);
    }
  }

  /** Position of the opcode being executed, for errors. */
  int position() {
    return opStart;
  }

  /**
   * A refusal raised inside the pickle machine, whose overridden hooks cannot declare a checked exception;
   * {@link #loadOne()} turns it into the {@link TorchLoadException} callers see.
   */
  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
      super(message, null, false, false);
    }
  }

  private Refusal error(String msg) {
    return new Refusal(where + " byte " + opStart + ": " + msg);
  }

  @Override
  protected Object dispatch(short key) throws IOException {
    opStart = in.position() - 1;
    if (++ops > MAX_OPS) {
      throw error("more than " + MAX_OPS + " pickle opcodes; refusing to go on");
    }
    switch (key) {
      case Opcodes.GLOBAL: {
        String module = line(200);
        String name = line(200);
        stack.add(resolve(module, name));
        return NO_RETURN_VALUE;
      }
      case Opcodes.STACK_GLOBAL: {
        Object name = stack.pop();
        Object module = stack.pop();
        if (!(module instanceof String) || !(name instanceof String)) {
          throw error("STACK_GLOBAL needs two strings, got " + typeName(module) + " and " + typeName(name));
        }
        stack.add(resolve((String) module, (String) name));
        return NO_RETURN_VALUE;
      }
      case Opcodes.REDUCE: {
        Object args = stack.pop();
        Object fn = stack.pop();
        stack.add(call(fn, args));
        return NO_RETURN_VALUE;
      }
      case Opcodes.BUILD: {
        Object state = stack.pop();
        Object target = stack.peek();
        // OrderedDict's __reduce__ sets instance attributes such as _metadata (version numbers per module).
        if (!(target instanceof OrderedDict) || !(state instanceof Map)) {
          throw error("BUILD (setting object state) is allowed only on an OrderedDict with a dict of attributes, got "
              + typeName(target) + " with " + typeName(state));
        }
        return NO_RETURN_VALUE;
      }
      case Opcodes.EMPTY_DICT:
        stack.add(new LinkedHashMap<Object, Object>()); // razorvine's HashMap would lose the state dict's order
        return NO_RETURN_VALUE;
      case Opcodes.DICT: {
        Map<Object, Object> m = new LinkedHashMap<>();
        putAll(m, stack.pop_all_since_marker());
        stack.add(m);
        return NO_RETURN_VALUE;
      }
      case Opcodes.SETITEM: {
        Object value = stack.pop();
        Object k = stack.pop();
        put(stack.peek(), k, value);
        return NO_RETURN_VALUE;
      }
      case Opcodes.SETITEMS: {
        List<Object> items = stack.pop_all_since_marker();
        Object target = stack.peek();
        if (!(target instanceof Map)) {
          throw error("SETITEMS on a " + typeName(target) + ", not a dict");
        }
        @SuppressWarnings("unchecked") // every Map on the stack is a Map<Object, Object> this class or razorvine made
        Map<Object, Object> m = (Map<Object, Object>) target;
        putAll(m, items);
        return NO_RETURN_VALUE;
      }
      case Opcodes.BINUNICODE:
      case Opcodes.BINBYTES:
      case Opcodes.BINSTRING:
        checkLength(4, Integer.MAX_VALUE);
        return super.dispatch(key);
      case Opcodes.BINUNICODE8:
      case Opcodes.BINBYTES8:
        checkLength(8, Integer.MAX_VALUE);
        return super.dispatch(key);
      case Opcodes.LONG4:
        checkLength(4, 64);
        return super.dispatch(key);
      case Opcodes.FRAME:
        checkLength(8, Long.MAX_VALUE);
        return super.dispatch(key);
      case Opcodes.INT:
      case Opcodes.LONG:
      case Opcodes.FLOAT:
      case Opcodes.GET:
      case Opcodes.PUT:
        checkLine(64);
        return super.dispatch(key);
      case Opcodes.PERSID:
      case Opcodes.INST:
      case Opcodes.OBJ:
      case Opcodes.NEWOBJ:
      case Opcodes.NEWOBJ_EX:
      case Opcodes.EXT1:
      case Opcodes.EXT2:
      case Opcodes.EXT4:
      case Opcodes.EMPTY_SET:
      case Opcodes.ADDITEMS:
      case Opcodes.FROZENSET:
      case Opcodes.BYTEARRAY8:
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        throw error(String.format("pickle opcode 0x%02x is not used by state dicts and is refused", key));
      default:
        return super.dispatch(key);
    }
  }

  /** Persistent ids name storages: {@code ('storage', torch.FloatStorage, key, location, numel[, view_metadata])}. */
  @Override
  protected Object persistentLoad(Object pid) {
    if (!(pid instanceof Object[] t) || t.length != (legacy ? 6 : 5) || !"storage".equals(t[0])) {
      throw error("persistent id must be a " + (legacy ? 6 : 5) + "-tuple ('storage', type, key, location, numel"
          + (legacy ? ", view_metadata" : "") + "), got " + describe(pid));
    }
    if (!(t[1] instanceof StorageType type)) {
      throw error("persistent id's storage type must be a torch.<T>Storage global, got " + typeName(t[1]));
    }
    if (!(t[2] instanceof String key) || !(t[3] instanceof String)) {
      throw error("persistent id's key and location must be strings, got " + typeName(t[2]) + " and "
          + typeName(t[3]));
    }
    long numel = toLong(t[4], "storage '" + key + "' numel");
    if (numel < 0) {
      throw error("storage '" + key + "' declares a negative size " + numel);
    }
    StorageRef root = new StorageRef(key, type.dtype(), numel, 0);
    StorageRef seen = storages.putIfAbsent(key, root);
    if (seen != null && (seen.dtype() != root.dtype() || seen.numel() != root.numel())) {
      throw error("storage '" + key + "' is declared as " + root.numel() + " " + root.dtype() + " elements but earlier"
          + " as " + seen.numel() + " " + seen.dtype());
    }
    if (legacy && t[5] != null) { // (view_key, offset, view_size): an old-style view of the root storage
      if (!(t[5] instanceof Object[] v) || v.length != 3) {
        throw error("legacy view metadata must be (key, offset, size), got " + describe(t[5]));
      }
      long off = toLong(v[1], "view offset");
      long size = toLong(v[2], "view size");
      if (off < 0 || size < 0 || off > numel - size) {
        throw error("legacy view [" + off + ", +" + size + ") lies outside storage '" + key + "' of " + numel
            + " elements");
      }
      return new StorageRef(key, type.dtype(), size, off);
    }
    return root;
  }

  private Object resolve(String module, String name) {
    for (Global g : Global.values()) {
      if (g.module.equals(module) && g.name.equals(name)) {
        return g;
      }
    }
    if (module.equals("torch") && name.endsWith("Storage")) {
      FileDType dt = FileDType.fromTorchStorage(name);
      if (dt != null) {
        return new StorageType(dt);
      }
    }
    throw error("global '" + module + "." + name + "' is not allowed in a state dict (allowed: collections.OrderedDict,"
        + " torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.<T>Storage)");
  }

  private Object call(Object fn, Object args) {
    if (!(fn instanceof Global g)) {
      throw error("REDUCE calls a " + typeName(fn) + ", which is not an allowed callable");
    }
    if (!(args instanceof Object[] a)) {
      throw error("REDUCE arguments for " + fn + " must be a tuple, got " + typeName(args));
    }
    switch (g) {
      case ORDERED_DICT:
        if (a.length != 0) {
          throw error("collections.OrderedDict is called with " + a.length + " arguments; a state dict passes none");
        }
        return new OrderedDict();
      case REBUILD_PARAMETER:
        if (a.length != 3 || !(a[0] instanceof TensorRef)) {
          throw error("_rebuild_parameter needs (tensor, requires_grad, hooks), got " + describe(args));
        }
        return a[0];
      default:
        return rebuildTensor(a);
    }
  }

  /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
  private TensorRef rebuildTensor(Object[] a) {
    if ((a.length != 6 && a.length != 7) || !(a[0] instanceof StorageRef storage)) {
      throw error("_rebuild_tensor_v2 needs (storage, offset, size, stride, requires_grad, hooks), got "
          + describe(a));
    }
    long offset = toLong(a[1], "storage_offset");
    long[] size = longs(a[2], "size");
    long[] stride = longs(a[3], "stride");
    if (size.length != stride.length) {
      throw error("tensor size has " + size.length + " dims but stride has " + stride.length);
    }
    return new TensorRef(storage, offset, size, stride);
  }

  private long[] longs(Object o, String what) {
    if (!(o instanceof Object[] t)) {
      throw error(what + " must be a tuple of ints, got " + typeName(o));
    }
    if (t.length > 64) {
      throw error(what + " has " + t.length + " dims; at most 64 are supported");
    }
    long[] r = new long[t.length];
    for (int i = 0; i < t.length; i++) {
      r[i] = toLong(t[i], what + "[" + i + "]");
    }
    return r;
  }

  private long toLong(Object o, String what) {
    if (o instanceof Integer || o instanceof Long) {
      return ((Number) o).longValue();
    }
    if (o instanceof BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    throw error(what + " must be an int64, got " + describe(o));
  }

  private void putAll(Map<Object, Object> m, List<Object> items) {
    if (items.size() % 2 != 0) {
      throw error("odd number of items (" + items.size() + ") for a dict");
    }
    for (int i = 0; i < items.size(); i += 2) {
      put(m, items.get(i), items.get(i + 1));
    }
  }

  private void put(Object target, Object k, Object v) {
    if (!(target instanceof Map)) {
      throw error("SETITEM on a " + typeName(target) + ", not a dict");
    }
    if (k != null && !(k instanceof String || k instanceof Integer || k instanceof Long || k instanceof Boolean
        || k instanceof Double || k instanceof BigInteger)) {
      throw error("dict key of type " + typeName(k) + " is not allowed (only strings and numbers)");
    }
    @SuppressWarnings("unchecked") // every Map on the stack is a Map<Object, Object> this class or razorvine made
    Map<Object, Object> m = (Map<Object, Object>) target;
    m.put(k, v);
  }

  /** Peeks a little-endian length of {@code bytes} bytes after the opcode; refuses one beyond the input or max. */
  private void checkLength(int bytes, long max) {
    in.mark(0);
    long len = 0;
    for (int i = 0; i < bytes; i++) {
      int b = in.read();
      if (b < 0) {
        throw error("pickle ends inside a length field");
      }
      len |= ((long) b) << (8 * i);
    }
    in.reset();
    if (len < 0 || len > max || len > in.available() - bytes) {
      throw error("declared length " + Long.toUnsignedString(len) + " exceeds the " + (in.available() - bytes)
          + " bytes left" + (max < Integer.MAX_VALUE ? " or the limit " + max : ""));
    }
  }

  /** Refuses a text argument line longer than {@code max} characters (a 10 MB decimal would take minutes). */
  private void checkLine(int max) {
    in.mark(0);
    for (int i = 0; ; i++) {
      int b = in.read();
      if (b < 0 || b == '\n') {
        break;
      }
      if (i >= max) {
        in.reset();
        throw error("text argument longer than " + max + " characters");
      }
    }
    in.reset();
  }

  private String line(int max) throws IOException {
    checkLine(max);
    return PickleUtils.readline(in);
  }

  private static String typeName(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof Object[]) {
      return "tuple";
    }
    if (o instanceof List) {
      return "list";
    }
    if (o instanceof Map) {
      return "dict";
    }
    if (o instanceof Global g) {
      return g.module + "." + g.name;
    }
    return o.getClass().getSimpleName();
  }

  /** A short description that never recurses into nested containers. */
  private static String describe(Object o) {
    if (o instanceof Object[] t) {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < Math.min(t.length, 8); i++) {
        parts.add(t[i] instanceof String || t[i] instanceof Number ? shortText(t[i]) : typeName(t[i]));
      }
      return "(" + String.join(", ", parts) + (t.length > 8 ? ", ..." : "") + ")";
    }
    return o instanceof String || o instanceof Number ? shortText(o) : typeName(o);
  }

  private static String shortText(Object o) {
    String s = o instanceof String ? "'" + o + "'" : String.valueOf(o);
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
