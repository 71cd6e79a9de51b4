package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.io.StateDicts;
import dev.rnn4j.io.TorchLoad;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rnn4j inspect} and {@code rnn4j convert} on PyTorch's fixture files and on bad input. */
class InterchangeCommandsTest {
  @TempDir Path tmp;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** Copies a fixture written by PyTorch (in rnn4j-core's test jar) to the temp dir. */
  private Path fixture(String name) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/fixtures/" + name)) {
      assertTrue(in != null, "missing fixture " + name);
      Path p = tmp.resolve(name);
      Files.write(p, in.readAllBytes());
      return p;
    }
  }

  @Test
  void inspectsTorchSaveAndSafetensorsAlike() throws IOException {
    for (String f : new String[] {"interchange_lstm.pt", "interchange_lstm_legacy.pt",
        "interchange_lstm.safetensors"}) {
      Run r = run("inspect", fixture(f).toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("weight_ih_l1_reverse  F32    [16, 4]"), r.out());
      // LSTM(3, 4, 2 layers, bidirectional, proj 2): 2 x (48 + 32 + 16 + 16 + 8) + 2 x (64 + 32 + 16 + 16 + 8) = 512
      assertTrue(r.out().lines().anyMatch(l -> l.matches("total\\s+512\\s+2,048")), r.out());
      assertTrue(r.out().lines().findFirst().orElse("").endsWith("20 tensors, 512 parameters"), r.out());
    }
    Run v = run("inspect", fixture("interchange_views.pt").toString());
    assertTrue(v.out().contains("bf16") && v.out().contains("BF16") && v.out().contains("torch.save (zip)"), v.out());
  }

  @Test
  void convertsBothTorchFormatsToSafetensors() throws IOException {
    for (String f : new String[] {"interchange_views.pt", "interchange_views_legacy.pt"}) {
      Path out = tmp.resolve(f + ".safetensors");
      Run r = run("convert", fixture(f).toString(), out.toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("f64: F64 -> F32 (rounded)"), r.out());
      Map<String, Tensor> expected = TorchLoad.read(tmp.resolve(f)).tensors();
      var got = SafeTensors.read(out);
      assertEquals("pt", got.metadata().get("format"));
      assertEquals(expected.keySet(), got.tensors().keySet());
      expected.forEach((k, t) -> assertEquals(t.shape(), got.tensors().get(k).shape(), k));
      expected.forEach((k, t) -> assertTrue(java.util.Arrays.equals(t.toFloatArray(),
          got.tensors().get(k).toFloatArray()), k));
    }
  }

  @Test
  void convertsSafetensorsToTorchSaveZip() throws IOException {
    Path in = fixture("interchange_lstm.safetensors");
    Path out = tmp.resolve("lstm_from_rnn4j.pt");
    Run r = run("convert", in.toString(), out.toString());
    assertEquals(0, r.code(), r.err());
    var back = TorchLoad.read(out);
    assertEquals(TorchLoad.Format.ZIP, back.format());
    var expected = SafeTensors.read(in).tensors();
    assertEquals(java.util.List.copyOf(expected.keySet()), java.util.List.copyOf(back.tensors().keySet()));
    expected.forEach((k, t) -> assertTrue(java.util.Arrays.equals(t.data(), back.tensors().get(k).data()), k));
  }

  /**
   * Files made by {@code rnn4j convert} load into PyTorch: rnn4j's LSTM, GRU and RNN state dicts go safetensors ->
   * .pt (loaded with {@code torch.load(weights_only=True)}) -> safetensors, and PyTorch loads both results strictly and
   * reproduces rnn4j's outputs. Skipped without PyTorch, failed under {@code CI=true} without it.
   */
  @Test
  void filesFromConvertLoadInPyTorch() throws IOException {
    dev.rnn4j.testing.Torch.require();
    Path written = Files.createDirectories(tmp.resolve("written"));
    Path converted = Files.createDirectories(tmp.resolve("converted"));
    dev.rnn4j.testing.RoundTripModels.write(written, new dev.rnn4j.tensor.Generator(11));
    for (String name : dev.rnn4j.testing.RoundTripModels.NAMES) {
      Path pt = converted.resolve(name + ".pt");
      Run a = run("convert", written.resolve(name + ".safetensors").toString(), pt.toString());
      assertEquals(0, a.code(), a.err());
      Run b = run("convert", pt.toString(), converted.resolve(name + ".safetensors").toString());
      assertEquals(0, b.code(), b.err());
      Files.copy(written.resolve(name + "_io.safetensors"), converted.resolve(name + "_io.safetensors"));
    }
    String out = dev.rnn4j.testing.RoundTripModels.checkInPyTorch(converted);
    for (String name : dev.rnn4j.testing.RoundTripModels.NAMES) {
      assertTrue(out.contains(name + ".pt: torch.load(weights_only=True), loaded strictly, outputs match rnn4j"), out);
      assertTrue(out.contains(name + ".safetensors: loaded strictly, outputs match rnn4j"), out);
    }
    assertTrue(out.contains("6 file(s) round-tripped"), out);
  }

  @Test
  void badInputIsOneLineAndExitCode2() throws IOException {
    Path junk = tmp.resolve("junk.pt");
    Files.writeString(junk, "not a model");
    Run[] runs = {
      run("inspect", junk.toString()),
      run("inspect", tmp.resolve("missing.pt").toString()),
      run("inspect", fixture("interchange_hostile_os_system.pt").toString()),
      run("convert", fixture("interchange_rnn.pt").toString(), tmp.resolve("out.npz").toString()),
    };
    String[] expect = {"unknown format", "no such file", "global 'posix.system' is not allowed", "OUT must end in .safetensors, .pt, .pth or .bin, got"};
    for (int i = 0; i < runs.length; i++) {
      Run r = runs[i];
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.err().lines().count(), "one line: " + r.err());
      assertTrue(r.err().contains(expect[i]), r.err());
      assertFalse(r.err().contains("\tat "), "no stack trace");
    }
  }

  @Test
  void inspectNamesTheRecurrentLayerAndTheCallsThatLoadIt() throws IOException {
    Path f = fixture("interchange_lstm.pt");
    Run r = run("inspect", f.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("  architecture: LSTM, 2 layers, bidirectional, input size 3, hidden size 4, projection 2\n"),
        r.out());
    assertTrue(r.out().contains("  rnn4j:   Lstm m = new Lstm(RnnConfig.builder(3, 4).numLayers(2).bidirectional(true)"
        + ".projSize(2).build(), new Generator(0));\n           StateDicts.loadInto(m, Path.of(\"" + f + "\"), true);"),
        r.out());
    assertTrue(r.out().contains("  PyTorch: m = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, bidirectional=True,"
        + " proj_size=2)\n           m.load_state_dict(torch.load(\"" + f + "\", weights_only=True))"), r.out());
    // the printed configuration is the one the file loads into, strictly
    Lstm lstm = new Lstm(RnnConfig.builder(3, 4).numLayers(2).bidirectional(true).projSize(2).build(), new Generator(0));
    assertTrue(StateDicts.loadInto(lstm, f, true).isClean());

    Run gru = run("inspect", fixture("interchange_gru.safetensors").toString());
    assertTrue(gru.out().contains("architecture: GRU, 2 layers, bidirectional, input size 3, hidden size 4\n"), gru.out());
    assertTrue(gru.out().contains("m.load_state_dict(safetensors.torch.load_file("), gru.out());
    Run rnn = run("inspect", fixture("interchange_rnn.pt").toString());
    assertTrue(rnn.out().contains("architecture: RNN, 1 layer, input size 3, hidden size 4 (tanh or relu"), rnn.out());
    Run none = run("inspect", fixture("interchange_emblinear.pt").toString());
    assertFalse(none.out().contains("architecture"), none.out());
  }

  @Test
  void inspectRecognisesALanguageModelAndGroupsDigits() throws IOException {
    LanguageModelConfig cfg = new LanguageModelConfig("lstm", 1200, 300, 500, 2, 0.2, 100);
    LanguageModel m = new LanguageModel(cfg, new Generator(1));
    Path f = tmp.resolve("lm.safetensors");
    StateDicts.save(m, f, Map.of());
    long params = 0;
    for (Tensor p : m.parameters()) {
      params += p.numel();
    }
    Run r = run("inspect", f.toString());
    assertEquals(0, r.code(), r.err());
    String count = String.format(java.util.Locale.ROOT, "%,d", params);
    assertTrue(count.contains(",") && r.out().lines().findFirst().orElse("").endsWith("tensors, " + count
        + " parameters"), r.out());
    assertTrue(r.out().contains("  architecture: rnn4j LanguageModel: embedding 1,200 x 300 -> LSTM, 2 layers, input"
        + " size 300, hidden size 500, projection 100 -> decoder 100 x 1,200; vocabulary 1,200\n"), r.out());
    assertTrue(r.out().contains("LanguageModel m = new LanguageModel(new LanguageModelConfig(\"lstm\", 1200, 300, 500,"
        + " 2, 0.0, 100), new Generator(0));"), r.out());
    assertTrue(r.out().contains("  PyTorch: a module with embedding = nn.Embedding(1200, 300, padding_idx=0), rnn ="
        + " nn.LSTM(300, 500, num_layers=2, proj_size=100), decoder = nn.Linear(100, 1200)"), r.out());
    LanguageModel back = new LanguageModel(new LanguageModelConfig("lstm", 1200, 300, 500, 2, 0.0, 100),
        new Generator(0));
    assertTrue(StateDicts.loadInto(back, f, true).isClean());
  }

  @Test
  void inspectCountsElementsOfAFileThatHoldsNoParameters() throws IOException {
    Path f = tmp.resolve("io.safetensors");
    SafeTensors.write(f, Map.of("tokens", Tensor.ofLongs(new long[2000], 1000, 2), "logits", Tensor.zeros(3, 5)),
        null);
    Run r = run("inspect", f.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().lines().findFirst().orElse("").endsWith("safetensors, 2 tensors, 2,015 elements"), r.out());
    assertFalse(r.out().contains("parameters") || r.out().contains("architecture"), r.out());
    Path mixed = tmp.resolve("mixed.safetensors");
    SafeTensors.write(mixed, Map.of("fc.weight", Tensor.zeros(2, 3), "bn.num_batches_tracked", Tensor.ofLongs(1)),
        null);
    assertTrue(run("inspect", mixed.toString()).out().contains("2 tensors, 7 elements (6 in weights and biases)"));
  }
}
