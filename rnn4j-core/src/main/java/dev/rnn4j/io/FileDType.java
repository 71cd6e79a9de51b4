package dev.rnn4j.io;

import dev.rnn4j.tensor.DType;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/**
 * Element types as stored in safetensors and {@code torch.save} files, named as safetensors names them, with the
 * conversion rnn4j applies on reading.
 *
 * <p>// NOTE [dtype conversion] Floating types become float32: F16 and BF16 exactly (every value is representable),
 * F64 rounded to nearest (lossy: precision beyond 24 bits and magnitudes beyond float32's range, which become
 * infinity). Integer types become int64 exactly; U64 values above 2^63-1 are refused. BOOL becomes a bool tensor.
 */
public enum FileDType {
  /** 64-bit float ({@code torch.float64}); read as float32, rounded to nearest. */
  F64(8, "DoubleStorage", "torch.float64"),
  /** 32-bit float ({@code torch.float32}); read as is. */
  F32(4, "FloatStorage", "torch.float32"),
  /** IEEE half ({@code torch.float16}); read as float32 exactly. */
  F16(2, "HalfStorage", "torch.float16"),
  /** bfloat16 ({@code torch.bfloat16}); read as float32 exactly. */
  BF16(2, "BFloat16Storage", "torch.bfloat16"),
  /** 64-bit signed integer ({@code torch.int64}); read as is. */
  I64(8, "LongStorage", "torch.int64"),
  /** 32-bit signed integer ({@code torch.int32}); read as int64. */
  I32(4, "IntStorage", "torch.int32"),
  /** 16-bit signed integer ({@code torch.int16}); read as int64. */
  I16(2, "ShortStorage", "torch.int16"),
  /** 8-bit signed integer ({@code torch.int8}, storage {@code CharStorage}); read as int64. */
  I8(1, "CharStorage", "torch.int8"),
  /** 8-bit unsigned integer ({@code torch.uint8}, storage {@code ByteStorage}); read as int64. */
  U8(1, "ByteStorage", "torch.uint8"),
  /** 16-bit unsigned integer, safetensors only (no PyTorch 1.13 storage); read as int64. */
  U16(2, null, "uint16"),
  /** 32-bit unsigned integer, safetensors only (no PyTorch 1.13 storage); read as int64. */
  U32(4, null, "uint32"),
  /** 64-bit unsigned integer, safetensors only; read as int64, values above 2^63-1 refused. */
  U64(8, null, "uint64"),
  /** Boolean, one byte per element ({@code torch.bool}); read as a bool tensor. */
  BOOL(1, "BoolStorage", "torch.bool");

  private final int width;
  private final String torchStorage;
  private final String torchName;

  FileDType(int width, String torchStorage, String torchName) {
    this.width = width;
    this.torchStorage = torchStorage;
    this.torchName = torchName;
  }

  /** Bytes per element. */
  public int width() {
    return width;
  }

  /** PyTorch's dtype name, e.g. {@code torch.bfloat16}. */
  public String torchName() {
    return torchName;
  }

  /** True for F64, F32, F16 and BF16, which are read as float32. */
  public boolean isFloating() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /** The rnn4j dtype a tensor of this type is read as. */
  public DType readAs() {
    return isFloating() ? DType.FLOAT32 : this == BOOL ? DType.BOOL : DType.INT64;
  }

  /** The type named by a safetensors header, or null. */
  static FileDType fromSafeTensorsName(String name) {
    for (FileDType t : values()) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** The type of a {@code torch.<Name>Storage} global, or null. */
  static FileDType fromTorchStorage(String storageClass) {
    for (FileDType t : values()) {
      if (storageClass.equals(t.torchStorage)) {
        return t;
      }
    }
    return null;
  }

  /** The file type rnn4j writes for a tensor of {@code dtype}. */
  public static FileDType written(DType dtype) {
    switch (dtype) {
      case FLOAT32:
        return F32;
      case INT64:
        return I64;
      default:
        return BOOL;
    }
  }

  /** {@code count * width()}, or -1 when that overflows a long. */
  long byteCount(long count) {
    if (count < 0) {
      return -1;
    }
    long hi = Math.multiplyHigh(count, width);
    long lo = count * width;
    return hi != 0 || lo < 0 ? -1 : lo;
  }

  /**
   * Reads {@code count} elements from {@code in}, chunk by chunk (no buffer of the whole tensor's bytes), into a
   * {@code float[]} (floating types) or a {@code long[]} (integers and bool). {@code what} names the source for errors.
   */
  Object decode(ReadableByteChannel in, int count, ByteOrder order, String what) throws IOException {
    float[] f = isFloating() ? new float[count] : null;
    long[] l = f == null ? new long[count] : null;
    ByteBuffer buf = ByteBuffer.allocate(Math.max(width, Math.min(1 << 16, count * width))).order(order);
    int done = 0;
    while (done < count) {
      buf.clear();
      int want = Math.min(buf.capacity() / width, count - done) * width;
      buf.limit(want);
      while (buf.hasRemaining()) {
        if (in.read(buf) < 0) {
          throw new EOFException(what + ": data ends after " + ((long) done * width + buf.position()) + " of "
              + (long) count * width + " bytes");
        }
      }
      buf.flip();
      int n = want / width;
      for (int i = 0; i < n; i++, done++) {
        if (f != null) {
          f[done] = readFloat(buf);
        } else {
          long v = readLong(buf);
          if (this == U64 && v < 0) {
            throw new IllegalArgumentException(what + ": element " + done + " (U64 " + Long.toUnsignedString(v)
                + ") exceeds the int64 range");
          }
          l[done] = v;
        }
      }
    }
    return f != null ? f : l;
  }

  private float readFloat(ByteBuffer b) {
    switch (this) {
      case F32:
        return b.getFloat();
      case F64:
        return (float) b.getDouble();
      case F16:
        return HalfFloat.halfToFloat(b.getShort());
      default: // BF16: the upper half of a float32
        return Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16);
    }
  }

  private long readLong(ByteBuffer b) {
    switch (this) {
      case I64:
      case U64:
        return b.getLong();
      case I32:
        return b.getInt();
      case U32:
        return b.getInt() & 0xFFFFFFFFL;
      case I16:
        return b.getShort();
      case U16:
        return b.getShort() & 0xFFFF;
      case I8:
        return b.get();
      case BOOL:
        return b.get() != 0 ? 1 : 0;
      default: // U8
        return b.get() & 0xFF;
    }
  }
}
