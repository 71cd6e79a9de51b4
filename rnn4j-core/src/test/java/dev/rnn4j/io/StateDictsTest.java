package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.Module;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loading by sniffing, and PyTorch's Embedding+Linear model reproduced from each of its three files. */
class StateDictsTest {
  @TempDir Path tmp;

  @Test
  void sniffsEachFormat() throws IOException {
    assertEquals(StateDicts.Format.SAFETENSORS, StateDicts.sniff(FixtureFiles.path("interchange_gru.safetensors")));
    assertEquals(StateDicts.Format.TORCH_ZIP, StateDicts.sniff(FixtureFiles.path("interchange_gru.pt")));
    assertEquals(StateDicts.Format.TORCH_LEGACY, StateDicts.sniff(FixtureFiles.path("interchange_gru_legacy.pt")));
    Path p = tmp.resolve("junk.bin");
    Files.write(p, new byte[] {1, 2, 3});
    var e = assertThrows(UnknownFormatException.class, () -> StateDicts.load(p));
    assertTrue(e.getMessage().contains("unknown format") && e.getMessage().contains("010203"), e.getMessage());
  }

  /** Every bad file is an IOException, so one catch around a load handles a missing file and a broken one alike. */
  @Test
  void badFilesAreIoExceptions() throws IOException {
    Path junk = tmp.resolve("junk.bin");
    Files.write(junk, new byte[] {1, 2, 3});
    Path cut = tmp.resolve("cut.safetensors");
    byte[] st = Files.readAllBytes(FixtureFiles.path("interchange_gru.safetensors"));
    Files.write(cut, java.util.Arrays.copyOf(st, st.length - 3));
    Path cutPt = tmp.resolve("cut.pt");
    byte[] pt = Files.readAllBytes(FixtureFiles.path("interchange_gru.pt"));
    Files.write(cutPt, java.util.Arrays.copyOf(pt, pt.length / 2));
    for (Path p : List.of(junk, cut, cutPt, tmp.resolve("missing.pt"))) {
      String caught;
      try {
        StateDicts.load(p);
        caught = "nothing";
      } catch (IOException e) {
        caught = e.getMessage();
      }
      assertTrue(caught.startsWith(p.toString()) || caught.contains(p.toString()), p + ": " + caught);
    }
    assertTrue(IOException.class.isAssignableFrom(SafeTensorsException.class));
    assertTrue(IOException.class.isAssignableFrom(TorchLoadException.class));
  }

  @Test
  void eachReaderNamesTheOtherFormat() {
    var st = assertThrows(SafeTensorsException.class,
        () -> SafeTensors.header(FixtureFiles.path("interchange_gru.pt")));
    assertTrue(st.getMessage().contains("is a torch.save file (zip archive format), not safetensors; read it with"
        + " TorchLoad.read"), st.getMessage());
    var legacy = assertThrows(SafeTensorsException.class,
        () -> SafeTensors.read(FixtureFiles.path("interchange_gru_legacy.pt")));
    assertTrue(legacy.getMessage().contains("torch.save file (legacy pickle format)"), legacy.getMessage());
    var tl = assertThrows(TorchLoadException.class,
        () -> TorchLoad.read(FixtureFiles.path("interchange_gru.safetensors")));
    assertTrue(tl.getMessage().contains("is a safetensors file, not a torch.save file; read it with SafeTensors.read"),
        tl.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"interchange_emblinear.pt", "interchange_emblinear_legacy.pt",
      "interchange_emblinear.safetensors"})
  void reproducesPyTorchsOutput(String file) throws IOException {
    EmbLinear m = new EmbLinear(10, 4, 3, new Generator(1));
    Module.LoadResult r = StateDicts.loadInto(m, FixtureFiles.path(file), true);
    assertTrue(r.isClean());
    var io = Fixtures.load("interchange_emblinear_io");
    try (var g = GradMode.disable()) {
      Tensor y = m.forward(Fixtures.get(io, "x"));
      Approx.assertClose(file, y, Fixtures.get(io, "y"), 1e-6, 1e-5);
    }
  }

  @Test
  void strictLoadNamesMissingAndUnexpectedKeys() {
    EmbLinear m = new EmbLinear(10, 4, 3, new Generator(1));
    var e = assertThrows(IllegalArgumentException.class,
        () -> StateDicts.loadInto(m, FixtureFiles.path("interchange_rnn.pt"), true));
    assertTrue(e.getMessage().contains("Missing key(s) in state_dict: \"embedding.weight\", \"fc.weight\""),
        e.getMessage());
    assertTrue(e.getMessage().contains("Unexpected key(s) in state_dict: \"weight_ih_l0\""), e.getMessage());
  }

  @Test
  void nonStrictReportsAndWrongShapeAlwaysFails() throws IOException {
    EmbLinear m = new EmbLinear(10, 4, 3, new Generator(1));
    Map<String, Tensor> sd = new LinkedHashMap<>(StateDicts.load(FixtureFiles.path("interchange_emblinear.pt"))
        .tensors());
    sd.remove("fc.bias");
    sd.put("extra", Tensor.zeros(1));
    Path p = tmp.resolve("partial.safetensors");
    SafeTensors.write(p, sd, null);
    Module.LoadResult r = StateDicts.loadInto(m, p, false);
    assertEquals(List.of("fc.bias"), r.missingKeys());
    assertEquals(List.of("extra"), r.unexpectedKeys());
    sd.put("fc.weight", Tensor.zeros(4, 3));
    SafeTensors.write(p, sd, null);
    var e = assertThrows(IllegalArgumentException.class, () -> StateDicts.loadInto(m, p, false));
    assertTrue(e.getMessage().contains("size mismatch for fc.weight: copying a param with shape [4, 3]"),
        e.getMessage());
  }

  @Test
  void loadReportsStoredTypesAndCounts() throws IOException {
    var l = StateDicts.load(FixtureFiles.path("interchange_views_legacy.pt"));
    assertEquals(StateDicts.Format.TORCH_LEGACY, l.format());
    assertEquals(FileDType.F16, l.dtypes().get("f16"));
    var s = StateDicts.load(FixtureFiles.path("interchange_views.safetensors"));
    assertEquals(l.numel(), s.numel());
    assertEquals(Map.of("source", "torch 1.13.0a0"),
        StateDicts.load(FixtureFiles.path("interchange_gru.safetensors")).metadata());
  }
}
