package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.Rnn;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other direction: a model trained by rnn4j (and rnn4j-initialised LSTM, GRU and RNN layers), saved with {@link StateDicts#save} and {@link TorchSave#write},
 * loads into PyTorch. The test writes {@code emblinear.safetensors}, {@code emblinear.pt} and
 * {@code emblinear_io.safetensors} (input and rnn4j's output); when Debian's PyTorch is installed it runs
 * {@code fx_interchange.py --check-roundtrip}, which loads both weight files (the .pt through
 * {@code torch.load(weights_only=True)}) with {@code load_state_dict(strict=True)} and compares outputs. Set {@code -Drnn4j.roundtrip.dir=DIR} to keep the files.
 */
class RoundTripExportTest {
  @TempDir Path tmp;

  @Test
  void trainedModelSavesUnderPyTorchsNamesAndLoadsInPyTorch() throws IOException, InterruptedException {
    Generator gen = new Generator(2024);
    EmbLinear m = new EmbLinear(10, 4, 3, gen);
    Tensor x = Tensor.ofLongs(new long[][] {{1, 4, 9}, {0, 3, 3}});
    Tensor target = Tensor.uniform(gen, -1, 1, 2, 3, 3);
    for (int step = 0; step < 5; step++) { // plain SGD on a squared error: the weights move away from their init
      m.zeroGrad();
      Tensor d = m.forward(x).sub(target);
      d.mul(d).mean().backward();
      for (Tensor p : m.parameters()) {
        float[] w = p.data();
        float[] g = p.grad().data();
        for (int i = 0; i < w.length; i++) {
          w[i] -= 0.5f * g[i];
        }
      }
    }
    Tensor y;
    try (var g = GradMode.disable()) {
      y = m.forward(x);
    }
    String keep = System.getProperty("rnn4j.roundtrip.dir");
    Path dir = keep == null ? tmp : Files.createDirectories(Path.of(keep));
    StateDicts.save(m, dir.resolve("emblinear.safetensors"), Map.of("written_by", "rnn4j"));
    SafeTensors.write(dir.resolve("emblinear_io.safetensors"), Map.of("x", x, "y", y), null);
    TorchSave.write(dir.resolve("emblinear.pt"), m.stateDict());

    saveRecurrent(dir, "lstm", new Lstm(cfg().numLayers(2).bidirectional(true).projSize(2).build(), gen));
    saveRecurrent(dir, "gru", new Gru(cfg().numLayers(2).bidirectional(true).build(), gen));
    saveRecurrent(dir, "rnn", new Rnn(cfg().build(), "tanh", gen));

    var back = StateDicts.load(dir.resolve("emblinear.safetensors"));
    assertEquals(java.util.List.of("embedding.weight", "fc.weight", "fc.bias"), java.util.List.copyOf(
        back.tensors().keySet()));
    TorchLoadTest.assertSameTensors(m.stateDict(), back.tensors(), "saved state dict");
    TorchLoadTest.assertSameTensors(m.stateDict(), TorchLoad.read(dir.resolve("emblinear.pt")).tensors(),
        "torch.save zip written by rnn4j");

    Path python = Path.of("/usr/bin/python3");
    Path script = Path.of("..", "scripts", "fixtures", "fx_interchange.py").toAbsolutePath().normalize();
    if (Files.isExecutable(python) && Files.exists(script) && hasTorch(python)) {
      Process p = new ProcessBuilder(python.toString(), script.toString(), "--check-roundtrip", dir.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the PyTorch check did not finish");
      assertEquals(0, p.exitValue(), "PyTorch could not load rnn4j's file:\n" + out);
      assertTrue(out.contains("emblinear.safetensors: loaded strictly, outputs match rnn4j"), out);
      assertTrue(out.contains("emblinear.pt: torch.load(weights_only=True), loaded strictly, outputs match rnn4j"),
          out);
      for (String rnn : new String[] {"lstm", "gru", "rnn"}) {
        assertTrue(out.contains(rnn + ".safetensors: loaded strictly, outputs match rnn4j"), out);
      }
    }
  }

  private static RnnConfig.Builder cfg() {
    return RnnConfig.builder(3, 4);
  }

  /** Saves a freshly initialised recurrent layer and its output on a random [T=5, B=2, I=3] input. */
  private static void saveRecurrent(Path dir, String name, RnnBase m) throws IOException {
    Tensor x = Tensor.randn(new Generator(name.length()), 5, 2, 3);
    Tensor y;
    try (var g = GradMode.disable()) {
      y = m instanceof Lstm l ? l.forward(x).output() : m instanceof Gru gr ? gr.forward(x).output()
          : ((Rnn) m).forward(x).output();
    }
    StateDicts.save(m, dir.resolve(name + ".safetensors"), Map.of());
    SafeTensors.write(dir.resolve(name + "_io.safetensors"), Map.of("x", x, "y", y), null);
    TorchLoadTest.assertSameTensors(m.stateDict(), SafeTensors.read(dir.resolve(name + ".safetensors")).tensors(),
        name);
  }

  private static boolean hasTorch(Path python) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(python.toString(), "-c", "import torch").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
  }
}
