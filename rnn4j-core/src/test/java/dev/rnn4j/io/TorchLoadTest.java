package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** torch.save files written by real PyTorch 1.13 load to exactly the tensors of the same state dict as safetensors. */
class TorchLoadTest {
  @TempDir Path tmp;

  static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual, String what) {
    assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()), what + ": keys in order");
    for (var e : expected.entrySet()) {
      Tensor a = actual.get(e.getKey());
      Tensor x = e.getValue();
      String at = what + " '" + e.getKey() + "'";
      assertEquals(x.shape(), a.shape(), at + " shape");
      assertEquals(x.dtype(), a.dtype(), at + " dtype");
      if (x.dtype() == DType.FLOAT32) {
        assertArrayEquals(x.data(), a.data(), at + " values"); // bit-exact: same bytes, same conversion
      } else {
        assertArrayEquals(x.longData(), a.longData(), at + " values");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"emblinear", "lstm", "gru", "rnn", "views"})
  void zipAndLegacyEqualSafetensors(String name) throws IOException {
    Map<String, Tensor> st = SafeTensors.read(FixtureFiles.path("interchange_" + name + ".safetensors")).tensors();
    TorchLoad.Contents zip = TorchLoad.read(FixtureFiles.path("interchange_" + name + ".pt"));
    TorchLoad.Contents legacy = TorchLoad.read(FixtureFiles.path("interchange_" + name + "_legacy.pt"));
    assertEquals(TorchLoad.Format.ZIP, zip.format());
    assertEquals(TorchLoad.Format.LEGACY, legacy.format());
    assertSameTensors(st, zip.tensors(), name + " zip");
    assertSameTensors(st, legacy.tensors(), name + " legacy");
  }

  @Test
  void parametersSavedDirectlyGoThroughRebuildParameter() throws IOException {
    Map<String, Tensor> st = SafeTensors.read(FixtureFiles.path("interchange_emblinear.safetensors")).tensors();
    assertSameTensors(st, TorchLoad.read(FixtureFiles.path("interchange_emblinear_params.pt")).tensors(), "params");
  }

  @Test
  void bigEndianArchivesAreSwapped() throws IOException {
    // Rewrite PyTorch's zip with a "big" byteorder record and every float storage byte-swapped.
    Path src = FixtureFiles.path("interchange_rnn.pt");
    Path dst = tmp.resolve("big.pt");
    try (var in = new java.util.zip.ZipFile(src.toFile());
        var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(dst))) {
      String prefix = null;
      for (var e : java.util.Collections.list(in.entries())) {
        byte[] b = in.getInputStream(e).readAllBytes();
        prefix = e.getName().substring(0, e.getName().indexOf('/') + 1);
        if (e.getName().contains("/data/")) {
          for (int i = 0; i + 3 < b.length; i += 4) {
            byte t0 = b[i];
            byte t1 = b[i + 1];
            b[i] = b[i + 3];
            b[i + 1] = b[i + 2];
            b[i + 2] = t1;
            b[i + 3] = t0;
          }
        }
        stored(out, e.getName(), b);
      }
      stored(out, prefix + "byteorder", "big".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    assertSameTensors(TorchLoad.read(src).tensors(), TorchLoad.read(dst).tensors(), "big-endian");
  }

  private static void stored(java.util.zip.ZipOutputStream out, String name, byte[] b) throws IOException {
    var e = new java.util.zip.ZipEntry(name);
    e.setMethod(java.util.zip.ZipEntry.STORED);
    e.setSize(b.length);
    var crc = new java.util.zip.CRC32();
    crc.update(b);
    e.setCrc(crc.getValue());
    out.putNextEntry(e);
    out.write(b);
    out.closeEntry();
  }

  @Test
  void lstmKeysArePyTorchs() throws IOException {
    var c = TorchLoad.read(FixtureFiles.path("interchange_lstm.pt"));
    assertTrue(c.tensors().containsKey("weight_ih_l1_reverse"), c.tensors().keySet().toString());
    assertTrue(c.tensors().containsKey("weight_hr_l0"), "proj_size adds weight_hr");
    assertEquals(dev.rnn4j.tensor.Shape.of(16, 4), c.tensors().get("weight_ih_l1").shape()); // 4H x 2*proj
  }

  @Test
  void viewsHonourOffsetsStridesAndSharing() throws IOException {
    for (String f : new String[] {"interchange_views.pt", "interchange_views_legacy.pt"}) {
      var c = TorchLoad.read(FixtureFiles.path(f));
      // base = arange(24) * 0.25 - 2 viewed [4, 6]; transposed[i][j] = base[j][i]
      Tensor tr = c.tensors().get("transposed");
      assertEquals(dev.rnn4j.tensor.Shape.of(6, 4), tr.shape());
      for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 4; j++) {
          assertEquals((j * 6 + i) * 0.25 - 2.0, tr.get(i, j), 0.0, f + " transposed " + i + "," + j);
        }
      }
      Tensor strided = c.tensors().get("strided"); // base[:, 1::2]
      assertEquals((2 * 6 + 1 + 2 * 2) * 0.25 - 2.0, strided.get(2, 2), 0.0);
      // shared_a = s[2:8].view(2,3), shared_b = s[5:15]: element s[6] appears in both
      assertEquals(c.tensors().get("shared_a").get(1, 1), c.tensors().get("shared_b").get(1), 0.0);
      assertEquals(FileDType.F64, c.dtypes().get("f64"));
      assertEquals(FileDType.BF16, c.dtypes().get("bf16"));
      assertEquals(FileDType.F16, c.dtypes().get("f16"));
      assertEquals(FileDType.I32, c.dtypes().get("i32"));
      assertEquals(DType.BOOL, c.tensors().get("flags").dtype());
      assertArrayEquals(new long[] {-3, 1L << 40, 7, -(1L << 62)}, c.tensors().get("i64").longData());
      assertArrayEquals(new long[] {0, 1, 255}, c.tensors().get("u8").longData());
      assertEquals(0, c.tensors().get("scalar").dim());
      assertEquals(0, c.tensors().get("empty").numel());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"interchange_hostile_os_system.pt", "interchange_hostile_os_system_legacy.pt"})
  void refusesOsSystem(String f) {
    var e = assertThrows(TorchLoadException.class, () -> TorchLoad.read(FixtureFiles.path(f)));
    assertTrue(e.getMessage().contains("global 'posix.system' is not allowed"), e.getMessage());
    assertFalse(Files.exists(Path.of("/tmp/rnn4j-exploited")), "the payload must never run");
  }

  @Test
  void refusesEval() {
    var e = assertThrows(TorchLoadException.class,
        () -> TorchLoad.read(FixtureFiles.path("interchange_hostile_eval.pt")));
    assertTrue(e.getMessage().contains("eval' is not allowed"), e.getMessage());
  }

  @Test
  void deepNestingIsAnErrorNotAStackOverflow() {
    var e = assertThrows(TorchLoadException.class,
        () -> TorchLoad.read(FixtureFiles.path("interchange_hostile_deep.pt")));
    assertTrue(e.getMessage().contains("not a state dict"), e.getMessage());
  }

  @Test
  void hugeStorageIsRefusedBeforeAllocating() {
    var e = assertThrows(TorchLoadException.class,
        () -> TorchLoad.read(FixtureFiles.path("interchange_hostile_huge.pt")));
    assertTrue(e.getMessage().contains("1099511627776"), e.getMessage());
  }

  @Test
  void hugeShapeOverASmallStorageIsRefused() {
    var e = assertThrows(TorchLoadException.class,
        () -> TorchLoad.read(FixtureFiles.path("interchange_hostile_huge_shape.pt")));
    assertTrue(e.getMessage().contains("tensor 'weight' has size [1048576, 1048576]"), e.getMessage());
  }

  @Test
  void truncatedFilesGiveClearErrors() throws IOException {
    for (String f : new String[] {"interchange_lstm.pt", "interchange_lstm_legacy.pt"}) {
      byte[] full = Files.readAllBytes(FixtureFiles.path(f));
      for (int keep : new int[] {20, full.length / 3, full.length / 2, full.length - 30, full.length - 1}) {
        Path p = tmp.resolve("cut.pt");
        Files.write(p, Arrays.copyOf(full, keep));
        var e = assertThrows(TorchLoadException.class, () -> TorchLoad.read(p), f + " cut at " + keep);
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
      }
    }
  }

  @Test
  void notATorchFile() throws IOException {
    Path p = tmp.resolve("x.pt");
    Files.writeString(p, "hello");
    var e = assertThrows(TorchLoadException.class, () -> TorchLoad.read(p));
    assertTrue(e.getMessage().contains("not a torch.save file"), e.getMessage());
  }
}
