package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The integer types PyTorch's fixtures do not cover (I16, I8, U16, U32, U64) and BF16, read from bytes written here
 * by hand, with values worked out by hand: the extremes of each type (sign extension of the signed ones, no sign
 * extension of the unsigned ones) and BF16 bit patterns whose float value is known exactly.
 */
class SafeTensorsDTypeTest {
  @TempDir Path tmp;

  private Path file(String json, ByteBuffer data) throws IOException {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.limit()).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data.array(), 0, data.limit());
    Path p = tmp.resolve("d" + System.nanoTime() + ".safetensors");
    Files.write(p, b.array());
    return p;
  }

  private static ByteBuffer le(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static Tensor only(Path p, String name) throws IOException {
    Tensor t = SafeTensors.read(p).tensors().get(name);
    assertTrue(t != null, "no tensor " + name);
    return t;
  }

  @Test
  void signedIntegersSignExtendToInt64() throws IOException {
    ByteBuffer d = le(8 + 4);
    d.putShort((short) -32768).putShort((short) -1).putShort((short) 0).putShort((short) 32767);
    d.put((byte) -128).put((byte) -1).put((byte) 0).put((byte) 127);
    Path p = file("{\"a\":{\"dtype\":\"I16\",\"shape\":[4],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"I8\",\"shape\":[2,2],\"data_offsets\":[8,12]}}", d);
    Tensor a = only(p, "a");
    assertEquals(DType.INT64, a.dtype());
    assertArrayEquals(new long[] {-32768, -1, 0, 32767}, a.toLongArray());
    Tensor b = only(p, "b");
    assertEquals(List.of(2, 2), List.of(b.shape().dims()[0], b.shape().dims()[1]));
    assertArrayEquals(new long[] {-128, -1, 0, 127}, b.toLongArray());
  }

  @Test
  void unsignedIntegersDoNotSignExtend() throws IOException {
    ByteBuffer d = le(6 + 12 + 16);
    d.putShort((short) 0).putShort((short) 0x8000).putShort((short) 0xFFFF);      // U16: 0, 32768, 65535
    d.putInt(0).putInt(0x80000000).putInt(0xFFFFFFFF);                            // U32: 0, 2^31, 2^32 - 1
    d.putLong(1).putLong(Long.MAX_VALUE);                                          // U64: 1, 2^63 - 1
    Path p = file("{\"u16\":{\"dtype\":\"U16\",\"shape\":[3],\"data_offsets\":[0,6]},"
        + "\"u32\":{\"dtype\":\"U32\",\"shape\":[3],\"data_offsets\":[6,18]},"
        + "\"u64\":{\"dtype\":\"U64\",\"shape\":[2],\"data_offsets\":[18,34]}}", d);
    assertArrayEquals(new long[] {0, 32768, 65535}, only(p, "u16").toLongArray());
    assertArrayEquals(new long[] {0, 2147483648L, 4294967295L}, only(p, "u32").toLongArray());
    assertArrayEquals(new long[] {1, Long.MAX_VALUE}, only(p, "u64").toLongArray());
    assertEquals(DType.INT64, only(p, "u64").dtype());
  }

  @Test
  void u64AboveInt64IsRefusedWithTheValue() throws IOException {
    ByteBuffer d = le(8);
    d.putLong(-1L); // 2^64 - 1 as an unsigned value
    Path p = file("{\"big\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[0,8]}}", d);
    String msg = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(p)).getMessage();
    assertTrue(msg.contains("18446744073709551615") && msg.contains("big"), msg);
  }

  @Test
  void bf16BitPatternsGiveTheirExactValues() throws IOException {
    // bf16 is the top half of a float32: sign, 8 exponent bits, 7 mantissa bits.
    short[] bits = {0x3F80, (short) 0xC040, 0x3E20, 0x4049, 0x7F7F, 0x0001, (short) 0x8000, 0x7F80, (short) 0xFF80};
    float[] expected = {
      1.0f,                 // 0 01111111 0000000
      -3.0f,                // 1 10000000 1000000: -(1 + 1/2) * 2
      0.15625f,             // 0 01111100 0100000: (1 + 1/4) * 2^-3
      3.140625f,            // 0 10000000 1001001: (1 + 1/2 + 1/16 + 1/128) * 2
      3.3895314e38f,        // largest finite: (2 - 2^-7) * 2^127
      9.18355e-41f,         // smallest subnormal: 2^-133
      -0.0f,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
    };
    ByteBuffer d = le(2 * bits.length);
    for (short s : bits) {
      d.putShort(s);
    }
    Path p = file("{\"h\":{\"dtype\":\"BF16\",\"shape\":[" + bits.length + "],\"data_offsets\":[0,"
        + 2 * bits.length + "]}}", d);
    float[] got = only(p, "h").toFloatArray();
    for (int i = 0; i < bits.length; i++) {
      assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
          String.format("bf16 0x%04X: got %s, expected %s", bits[i] & 0xFFFF, got[i], expected[i]));
    }
    assertEquals(3.3895313892515355e38, (double) got[4], 0.0);
    assertEquals(Math.scalb(1.0, -133), (double) got[5], 0.0);
  }
}
