package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path tmp;

  /** A file with the given JSON header (unpadded) and data bytes. */
  private Path file(String json, byte[] data) throws IOException {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Path p = tmp.resolve("t" + System.nanoTime() + ".safetensors");
    Files.write(p, b.array());
    return p;
  }

  private String fails(Path p) {
    return assertThrows(SafeTensorsException.class, () -> SafeTensors.read(p)).getMessage();
  }

  @Test
  void headerListsWithoutReadingData() throws IOException {
    SafeTensors.Header h = SafeTensors.header(FixtureFiles.path("interchange_views.safetensors"));
    SafeTensors.TensorInfo tr = h.tensors().get(0);
    assertEquals("transposed", tr.name());
    assertEquals(FileDType.F32, tr.dtype());
    assertEquals(Shape.of(6, 4), tr.shape());
    assertEquals(0, tr.begin());
    assertEquals(96, tr.byteSize());
    Map<String, FileDType> types = new LinkedHashMap<>();
    h.tensors().forEach(t -> types.put(t.name(), t.dtype()));
    assertEquals(FileDType.BF16, types.get("bf16"));
    assertEquals(FileDType.F64, types.get("f64"));
    assertEquals(FileDType.BOOL, types.get("flags"));
  }

  @Test
  void readsOnlyNamedTensors() throws IOException {
    Path p = FixtureFiles.path("interchange_lstm.safetensors");
    var c = SafeTensors.read(p, List.of("bias_hh_l1_reverse", "weight_ih_l0"));
    assertEquals(List.of("weight_ih_l0", "bias_hh_l1_reverse"), List.copyOf(c.tensors().keySet())); // header order
    assertArrayEquals(SafeTensors.read(p).tensors().get("weight_ih_l0").data(), c.tensors().get("weight_ih_l0").data());
    String msg = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(p, List.of("nope"))).getMessage();
    assertTrue(msg.contains("no tensor named 'nope'") && msg.contains("weight_hh_l0"), msg);
  }

  @Test
  void convertsF64F16Bf16() throws IOException {
    var c = SafeTensors.read(FixtureFiles.path("interchange_views.safetensors"));
    // f16/bf16 -> float32 is exact; compare with values PyTorch printed into the torch.save file, read separately.
    var t = TorchLoad.read(FixtureFiles.path("interchange_views.pt"));
    for (String k : new String[] {"f64", "f16", "bf16"}) {
      assertArrayEquals(t.tensors().get(k).data(), c.tensors().get(k).data(), k);
    }
    // hand-checked decodings of single values
    assertEquals(1.0f, HalfFloat.halfToFloat((short) 0x3C00));
    assertEquals(-2.0f, HalfFloat.halfToFloat((short) 0xC000));
    assertEquals(0x1.0p-24f, HalfFloat.halfToFloat((short) 0x0001));
  }

  @Test
  void writeReadRoundTripWithMetadata() throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("w", Tensor.of(new float[] {1.5f, -2f, 3.25f, 0f, Float.MIN_VALUE, -0f}, 2, 3));
    m.put("ids", Tensor.ofLongs(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}, 3));
    m.put("mask", Tensor.ofBools(new boolean[] {true, false}, 2));
    m.put("s", Tensor.scalar(7f));
    Path p = tmp.resolve("rt.safetensors");
    SafeTensors.write(p, m, Map.of("format", "pt", "epoch", "3"));
    var c = SafeTensors.read(p);
    assertEquals(Map.of("format", "pt", "epoch", "3"), c.metadata());
    TorchLoadTest.assertSameTensors(m, c.tensors(), "round trip");
    assertEquals(DType.BOOL, c.tensors().get("mask").dtype());
    assertEquals(0, (8 + SafeTensors.header(p).dataStart() - 8) % 8, "data section aligned to 8 bytes");
  }

  @Test
  void failedWriteKeepsThePreviousFile() throws IOException {
    Path p = tmp.resolve("keep.safetensors");
    SafeTensors.write(p, Map.of("a", Tensor.of(new float[] {1, 2, 3}, 3)), null);
    byte[] before = Files.readAllBytes(p);
    Map<String, Tensor> big = Map.of("b", Tensor.zeros(1000));
    IOException e = assertThrows(IOException.class, () -> SafeTensors.write(p, big, null, ch -> failAfter(ch, 100)));
    assertEquals("disk full (simulated)", e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(p), "previous file intact");
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(p), s.toList(), "no temporary file left behind");
    }
  }

  private static WritableByteChannel failAfter(WritableByteChannel ch, int limit) {
    return new WritableByteChannel() {
      int written;

      @Override
      public int write(ByteBuffer src) throws IOException {
        if (written + src.remaining() > limit) {
          throw new IOException("disk full (simulated)");
        }
        int n = ch.write(src);
        written += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return ch.isOpen();
      }

      @Override
      public void close() throws IOException {
        ch.close();
      }
    };
  }

  @Test
  void truncatedFile() throws IOException {
    byte[] full = Files.readAllBytes(FixtureFiles.path("interchange_rnn.safetensors"));
    Path p = tmp.resolve("cut.safetensors");
    Files.write(p, java.util.Arrays.copyOf(full, full.length - 5));
    String m = fails(p);
    assertTrue(m.contains("data section (from file offset") && m.contains("truncated"), m);
    Files.write(p, java.util.Arrays.copyOf(full, 5));
    assertTrue(fails(p).contains("shorter than the 8-byte header length"));
  }

  @Test
  void headerLengthBeyondFile() throws IOException {
    Path p = tmp.resolve("h.safetensors");
    Files.write(p, new byte[] {(byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, '{', '}'});
    String m = fails(p);
    assertTrue(m.contains("header length 65535 (at offset 0) is invalid for a file of 10 bytes"), m);
    Files.write(p, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, '{', '}'});
    assertTrue(fails(p).contains("header length 18446744073709551615"));
  }

  @Test
  void nonJson() throws IOException {
    assertTrue(fails(file("{\"a\": [", new byte[0])).contains("not valid JSON"));
    assertTrue(fails(file("[1, 2]", new byte[0])).contains("not a JSON object"));
    String deep = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    String m = fails(file(deep, new byte[0])); // no StackOverflowError
    assertTrue(m.contains("tensor 'a' is not an object") || m.contains("not valid JSON"), m);
  }

  @Test
  void offsetsOutsideOverlappingOrWithHoles() throws IOException {
    String outside = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    String m = fails(file(outside, new byte[4]));
    assertTrue(m.contains("tensors cover 8 bytes but the data section (from file offset"), m);
    String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    m = fails(file(overlap, new byte[8]));
    assertTrue(m.contains("tensor 'b' starts at data offset 4") && m.contains("(overlap)"), m);
    String hole = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    m = fails(file(hole, new byte[8]));
    assertTrue(m.contains("starts at data offset 4") && m.contains("(hole)"), m);
    String negative = "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[-4,-4]}}";
    assertTrue(fails(file(negative, new byte[0])).contains("invalid data_offsets [-4, -4]"));
    String fractional = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.5]}}";
    assertTrue(fails(file(fractional, new byte[4])).contains("data_offsets[1] is not an integer"));
  }

  @Test
  void byteCountDisagreesWithShape() throws IOException {
    String json = "{\"w\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,8]}}";
    String m = fails(file(json, new byte[8]));
    assertTrue(m.contains("tensor 'w' of dtype F16 and shape [2, 3] needs 12 bytes but its data_offsets [0, 8] hold 8"),
        m);
  }

  @Test
  void unknownDtype() throws IOException {
    String json = "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}";
    assertTrue(fails(file(json, new byte[1])).contains("tensor 'w' has unknown dtype 'F8_E4M3'"));
    String noType = "{\"w\":{\"shape\":[1],\"data_offsets\":[0,1]}}";
    assertTrue(fails(file(noType, new byte[1])).contains("has no string \"dtype\""));
  }

  @Test
  void hugeDeclaredShapes() throws IOException {
    String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}";
    String m = fails(file(json, new byte[0]));
    assertTrue(m.contains("more than 2^31-1 elements"), m);
    String dim = "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,4]}}";
    assertTrue(fails(file(dim, new byte[4])).contains("shape[0] is not an integer in the int64 range"));
  }

  @Test
  void badMetadata() throws IOException {
    assertTrue(fails(file("{\"__metadata__\":{\"a\":1}}", new byte[0])).contains("__metadata__ value for 'a'"));
    assertTrue(fails(file("{\"__metadata__\":[]}", new byte[0])).contains("__metadata__ must be an object"));
    var c = SafeTensors.read(file("{\"__metadata__\":{\"a\":\"b\"}}", new byte[0]));
    assertEquals(Map.of("a", "b"), c.metadata());
  }

  @Test
  void invalidUtf8Header() throws IOException {
    Path p = tmp.resolve("u.safetensors");
    Files.write(p, new byte[] {4, 0, 0, 0, 0, 0, 0, 0, '{', (byte) 0xC3, (byte) 0x28, '}'});
    assertTrue(fails(p).contains("not valid UTF-8"));
  }
}
