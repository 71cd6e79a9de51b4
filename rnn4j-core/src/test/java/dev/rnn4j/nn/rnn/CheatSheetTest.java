package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.io.StateDicts;
import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.rnn.pack.PackOptions;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.nn.rnn.pack.PaddingSide;
import dev.rnn4j.optim.GradClip;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.ValuesIndices;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every right-hand cell of the README's "PyTorch to rnn4j" table, compiled and run once, so the sheet cannot rot. */
class CheatSheetTest {
  @TempDir Path tmp;

  @Test
  void everyRowRuns() throws IOException {
    Generator gen = new Generator(0);
    Tensor batch = Tensor.ofLongs(new long[][] {{5, 4, 3}, {2, 1, 0}});
    Tensor lens = Tensor.ofLongs(3, 2);
    assertEquals("torch.Size([2, 3, 4])", Tensor.zeros(2, 3, 4).shape().toTorchString());
    Embedding embedding = new Embedding(10, 4, gen);
    Linear outputLayer = new Linear(6, 10, gen);
    Lstm lstm = new Lstm(RnnConfig.builder(4, 3).numLayers(2).bidirectional(true).dropout(0.1).build(), gen);
    Gru gru = new Gru(RnnConfig.builder(4, 6).build(), gen);
    Rnn rnn = new Rnn(RnnConfig.builder(4, 6).build(), gen);
    Tensor x = embedding.forward(batch).transpose(0, 1); // (L, B, d_w)
    assertArrayEquals(new int[] {3, 4, 2}, x.permute(0, 2, 1).shape().dims());
    assertEquals(2, batch.size(0));
    assertArrayEquals(new long[] {5, 2}, batch.transpose(0, 1).select(0, 0).toLongArray());

    PackedSequence packed = Packing.packPaddedSequence(x, lens);
    PackedSequence packedBf = Packing.packPaddedSequence(
        embedding.forward(batch), Tensor.ofLongs(2, 3), PackOptions.DEFAULT.batchFirst(true).enforceSorted(false));
    LstmOutput<PackedSequence> r = lstm.forward(packed, Tensor.zeros(4, 2, 3), Tensor.zeros(4, 2, 3));
    assertEquals("torch.Size([4, 2, 3])", r.cN().shape().toTorchString());
    assertEquals(5, r.output().data().size(0));
    RnnOutput<PackedSequence> g = gru.forward(packedBf, Tensor.zeros(1, 2, 6));
    RnnOutput<Tensor> step = rnn.forward(x, Tensor.zeros(1, 2, 6));
    Packing.Padded p = Packing.padPackedSequence(g.output());
    assertArrayEquals(new long[] {2, 3}, p.lengths().toLongArray());

    Tensor logits = outputLayer.forward(step.output().unsqueeze(0).squeeze(0)); // (L, B, V)
    ValuesIndices m = logits.max(-1);
    assertArrayEquals(m.indices().toLongArray(), logits.argmax(-1).toLongArray());
    assertTrue(logits.argmax().itemLong() < logits.numel());
    assertEquals(Packing.padSequence(List.of(Tensor.ofLongs(1, 2), Tensor.ofLongs(3)), true, 0, PaddingSide.RIGHT)
        .toLongArray().length, 4);
    assertEquals(2, r.hN().view(2, 2, 2, 3).size(1));

    Tensor loss = logits.sum();
    loss.backward();
    double norm = GradClip.clipGradNorm(outputLayer.parameters(), 1.0);
    assertTrue(norm > 0);
    try (GradMode off = GradMode.disable()) {
      assertTrue(Double.isFinite(gru.forward(x).hN().sum().item()));
    }
    Path file = tmp.resolve("gru.safetensors");
    StateDicts.save(gru, file, Map.of());
    assertTrue(StateDicts.loadInto(new Gru(RnnConfig.builder(4, 6).build(), gen), file, true).isClean());
  }
}
