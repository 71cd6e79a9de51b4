package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The README's "Java example", verbatim apart from the prints, so the documentation cannot rot. */
class ReadmeExampleTest {
  @Test
  void readmeExampleRunsAndPrintsWhatItSays() {
    Generator gen = new Generator(0);
    Tensor batch = Tensor.ofLongs(new long[][] {{85, 14, 80, 34}, {62, 76, 0, 0}, {93, 0, 0, 0}});
    Tensor batchLens = Tensor.ofLongs(4, 2, 1);
    Embedding embedding = new Embedding(100, 256, gen);
    Lstm lstm = new Lstm(RnnConfig.builder(256, 512).build(), gen);
    Tensor h0 = Tensor.zeros(1, 3, 512);
    Tensor c0 = Tensor.zeros(1, 3, 512);
    Tensor batchEmb = embedding.forward(batch);
    PackedSequence packedBatch = Packing.packPaddedSequence(batchEmb.transpose(0, 1), batchLens);
    LstmOutput<PackedSequence> r = lstm.forward(packedBatch, h0, c0);
    assertArrayEquals(new int[] {3, 2, 1, 1}, r.output().batchSizes());
    assertEquals("torch.Size([7, 512])", r.output().data().shape().toTorchString());
    assertEquals("torch.Size([1, 3, 512])", r.hN().shape().toTorchString());
    assertEquals("torch.Size([1, 3, 512])", r.cN().shape().toTorchString());
    Packing.Padded unpacked = Packing.padPackedSequence(r.output());
    assertEquals("torch.Size([4, 3, 512])", unpacked.output().shape().toTorchString());
    assertArrayEquals(new long[] {4, 2, 1}, unpacked.lengths().toLongArray());
  }
}
