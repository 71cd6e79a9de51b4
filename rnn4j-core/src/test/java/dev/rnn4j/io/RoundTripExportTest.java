package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.RoundTripModels;
import dev.rnn4j.testing.Torch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other direction: a model trained by rnn4j and rnn4j-initialised LSTM (2 layers, bidirectional, proj_size), GRU
 * and RNN layers (2 layers, bidirectional), saved with {@link StateDicts#save} (safetensors) and {@link TorchSave#write}
 * (torch.save zip), load into PyTorch. {@code fx_interchange.py --check-roundtrip} loads every file, the .pt ones
 * through {@code torch.load(weights_only=True)}, with {@code load_state_dict(strict=True)} and compares output,
 * {@code h_n} and {@code c_n} with rnn4j's. Without PyTorch the test is skipped, under {@code CI=true} it fails
 * ({@link Torch}). Set {@code -Drnn4j.roundtrip.dir=DIR} to keep the files.
 */
class RoundTripExportTest {
  @TempDir Path tmp;

  @Test
  void trainedModelSavesUnderPyTorchsNamesAndLoadsInPyTorch() throws IOException {
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

    Map<String, RnnBase> rnns = RoundTripModels.write(dir, gen);
    for (Map.Entry<String, RnnBase> e : rnns.entrySet()) {
      TorchSave.write(dir.resolve(e.getKey() + ".pt"), e.getValue().stateDict());
      TorchLoadTest.assertSameTensors(e.getValue().stateDict(),
          SafeTensors.read(dir.resolve(e.getKey() + ".safetensors")).tensors(), e.getKey());
      TorchLoadTest.assertSameTensors(e.getValue().stateDict(), TorchLoad.read(dir.resolve(e.getKey() + ".pt")).tensors(),
          e.getKey() + ".pt");
    }

    var back = StateDicts.load(dir.resolve("emblinear.safetensors"));
    assertEquals(java.util.List.of("embedding.weight", "fc.weight", "fc.bias"), java.util.List.copyOf(
        back.tensors().keySet()));
    TorchLoadTest.assertSameTensors(m.stateDict(), back.tensors(), "saved state dict");
    TorchLoadTest.assertSameTensors(m.stateDict(), TorchLoad.read(dir.resolve("emblinear.pt")).tensors(),
        "torch.save zip written by rnn4j");

    String out = RoundTripModels.checkInPyTorch(dir);
    for (String name : new String[] {"emblinear", "lstm", "gru", "rnn"}) {
      assertTrue(out.contains(name + ".safetensors: loaded strictly, outputs match rnn4j"), out);
      assertTrue(out.contains(name + ".pt: torch.load(weights_only=True), loaded strictly, outputs match rnn4j"), out);
    }
    assertTrue(out.contains("lstm.safetensors: loaded strictly, outputs match rnn4j (y, h_n, c_n;"), out);
    assertTrue(out.contains("8 file(s) round-tripped"), out);
  }
}
