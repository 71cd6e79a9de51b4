package dev.rnn4j.examples;

import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.LstmOutput;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.nn.rnn.RnnOutput;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.ValuesIndices;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The seed notebook "4. LSTM, GRU", every cell, written against rnn4j-core's public API as a PyTorch user would:
 * pad and sort a batch, embed it, pack it, run an LSTM with (h_0, c_0) and unpack; a GRU language model with a
 * Linear head whose greedy loop feeds each step's argmax back as the next input; a 2-layer bidirectional GRU with
 * dropout, its h_n viewed as (num_layers, num_dirs, B, H). It prints what the notebook prints and checks every shape
 * (and the sorted batch, lengths and batch sizes) against the notebook's output; the values differ (another random
 * generator), the shapes may not.
 */
public final class Notebook {
  private Notebook() {}

  /** The notebook's {@code print(batch)} after sorting, as PyTorch printed it. */
  static final String SORTED_BATCH = String.join("\n",
      "tensor([[85, 14, 80, 34, 99, 20, 31, 65, 53, 86,  3, 58, 30,  4, 11,  6, 50, 71,",
      "         74, 13],",
      "        [58, 13, 40, 61, 88, 18, 92, 89,  8, 14, 61, 67, 49, 59, 45, 12, 47,  5,",
      "          0,  0],",
      "        [87, 32, 79, 65,  2, 96, 43, 80, 85, 20, 41, 52, 95, 50, 35, 96, 24, 80,",
      "          0,  0],",
      "        [22,  5, 21, 84, 39,  6,  9, 84, 36, 59, 32, 30, 69, 70, 82, 56,  1,  0,",
      "          0,  0],",
      "        [70, 28, 30, 24, 76, 84, 92, 76, 77, 51,  7, 20, 82, 94, 57,  0,  0,  0,",
      "          0,  0],",
      "        [19, 83, 88, 22, 57, 40, 75, 82,  4, 46,  0,  0,  0,  0,  0,  0,  0,  0,",
      "          0,  0],",
      "        [93, 77, 16, 67, 46, 74, 24, 70,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,",
      "          0,  0],",
      "        [94, 21, 79, 24,  3, 86,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,",
      "          0,  0],",
      "        [80, 80, 33, 63, 34, 63,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,",
      "          0,  0],",
      "        [62, 76, 79, 66, 32,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,",
      "          0,  0]])");

  public static void main(String[] args) {
    Expect.environment();
    Generator.defaultGenerator().manualSeed(0); // torch.manual_seed(0): every constructor below draws from it

    // --- data preprocessing
    int vocabSize = 100;
    int padId = 0;
    List<long[]> data = new ArrayList<>(List.of(
        new long[] {85, 14, 80, 34, 99, 20, 31, 65, 53, 86, 3, 58, 30, 4, 11, 6, 50, 71, 74, 13},
        new long[] {62, 76, 79, 66, 32},
        new long[] {93, 77, 16, 67, 46, 74, 24, 70},
        new long[] {19, 83, 88, 22, 57, 40, 75, 82, 4, 46},
        new long[] {70, 28, 30, 24, 76, 84, 92, 76, 77, 51, 7, 20, 82, 94, 57},
        new long[] {58, 13, 40, 61, 88, 18, 92, 89, 8, 14, 61, 67, 49, 59, 45, 12, 47, 5},
        new long[] {22, 5, 21, 84, 39, 6, 9, 84, 36, 59, 32, 30, 69, 70, 82, 56, 1},
        new long[] {94, 21, 79, 24, 3, 86},
        new long[] {80, 80, 33, 63, 34, 63},
        new long[] {87, 32, 79, 65, 2, 96, 43, 80, 85, 20, 41, 52, 95, 50, 35, 96, 24, 80}));

    int maxLen = data.stream().mapToInt(s -> s.length).max().orElseThrow();
    System.out.println("Maximum sequence length: " + maxLen);
    Expect.equal("maximum sequence length", 20, maxLen);

    long[] validLens = new long[data.size()];
    for (int i = 0; i < data.size(); i++) {
      long[] seq = data.get(i);
      validLens[i] = seq.length;
      long[] padded = Arrays.copyOf(seq, maxLen);
      Arrays.fill(padded, seq.length, maxLen, padId);
      data.set(i, padded);
    }

    // B: batch size, L: maximum sequence length
    Tensor batch = Tensor.ofLongs(data.toArray(new long[0][])); // (B, L)
    Tensor batchLens = Tensor.ofLongs(validLens); // (B)
    ValuesIndices sorted = batchLens.sort(true); // batch_lens.sort(descending=True)
    batchLens = sorted.values();
    Tensor sortedIdx = sorted.indices();
    batch = batch.index(sortedIdx); // batch[sorted_idx]
    System.out.println(batch);
    System.out.println(batchLens);
    expectShape("batch", batch, 10, 20);
    Expect.equal("print(batch)", SORTED_BATCH, batch.toString());
    Expect.equal("batch_lens", "tensor([20, 18, 18, 17, 15, 10,  8,  6,  6,  5])", batchLens.toString());

    // --- LSTM: a cell state, shaped like the hidden state
    int embeddingSize = 256;
    int hiddenSize = 512;
    int numLayers = 1;
    int numDirs = 1;
    Embedding embedding = new Embedding(vocabSize, embeddingSize);
    Lstm lstm = new Lstm(RnnConfig.builder(embeddingSize, hiddenSize)
        .numLayers(numLayers).bidirectional(numDirs > 1).build());
    int b = batch.size(0);
    Tensor h0 = Tensor.zeros(numLayers * numDirs, b, hiddenSize); // (num_layers * num_dirs, B, d_h)
    Tensor c0 = Tensor.zeros(numLayers * numDirs, b, hiddenSize); // (num_layers * num_dirs, B, d_h)

    // d_w: word embedding size
    Tensor batchEmb = embedding.forward(batch); // (B, L, d_w)
    PackedSequence packedBatch = Packing.packPaddedSequence(batchEmb.transpose(0, 1), batchLens);
    LstmOutput<PackedSequence> lstmOut = lstm.forward(packedBatch, h0, c0); // packed_outputs, (h_n, c_n)
    PackedSequence packedOutputs = lstmOut.output();
    Tensor hN = lstmOut.hN();
    Tensor cN = lstmOut.cN();
    System.out.println(packedOutputs);
    System.out.println(size(packedOutputs.data()));
    System.out.println(size(hN));
    System.out.println(size(cN));
    expectShape("packed_outputs[0]", packedOutputs.data(), 123, 512);
    Expect.equal("packed_outputs.batch_sizes", "[10, 10, 10, 10, 10, 9, 7, 7, 6, 6, 5, 5, 5, 5, 5, 4, 4, 3, 1, 1]",
        Arrays.toString(packedOutputs.batchSizes()));
    Expect.that(packedOutputs.sortedIndices() == null, "packed_outputs.sorted_indices: expected None, got "
        + Arrays.toString(packedOutputs.sortedIndices()));
    Expect.that(packedOutputs.toString().contains("sorted_indices=None, unsorted_indices=None"),
        "PackedSequence text: expected PyTorch's 'sorted_indices=None, unsorted_indices=None', got "
            + packedOutputs);
    expectShape("h_n", hN, 1, 10, 512);
    expectShape("c_n", cN, 1, 10, 512);

    Packing.Padded unpacked = Packing.padPackedSequence(packedOutputs);
    Tensor outputs = unpacked.output();
    Tensor outputLens = unpacked.lengths();
    System.out.println(size(outputs));
    System.out.println(outputLens);
    expectShape("outputs", outputs, 20, 10, 512);
    Expect.equal("output_lens", batchLens.toString(), outputLens.toString());

    // --- GRU: no cell state; a language model whose greedy loop feeds each prediction back (no teacher forcing)
    Gru gru = new Gru(RnnConfig.builder(embeddingSize, hiddenSize)
        .numLayers(numLayers).bidirectional(numDirs > 1).build());
    Linear outputLayer = new Linear(hiddenSize, vocabSize);
    Tensor inputId = batch.transpose(0, 1).select(0, 0); // batch.transpose(0, 1)[0, :], (B)
    Tensor hidden = Tensor.zeros(numLayers * numDirs, b, hiddenSize); // (1, B, d_h)
    for (int t = 0; t < maxLen; t++) {
      Tensor inputEmb = embedding.forward(inputId).unsqueeze(0); // (1, B, d_w)
      RnnOutput<Tensor> step = gru.forward(inputEmb, hidden); // output: (1, B, d_h), hidden: (1, B, d_h)
      hidden = step.hN();
      // V: vocab size
      Tensor output = outputLayer.forward(step.output()); // (1, B, V)
      ValuesIndices top = output.max(-1); // probs, top_id = torch.max(output, dim=-1): (1, B) each
      Tensor probs = top.values();
      Tensor topId = top.indices();
      System.out.println("*".repeat(50));
      System.out.println("Time step: " + t);
      System.out.println(size(output));
      System.out.println(size(probs));
      System.out.println(size(topId));
      expectShape("output at step " + t, output, 1, 10, 100);
      expectShape("probs at step " + t, probs, 1, 10);
      expectShape("top_id at step " + t, topId, 1, 10);
      expectShape("hidden at step " + t, hidden, 1, 10, 512);
      Expect.that(topId.contentEquals(output.argmax(-1)), "top_id at step " + t + " should be output.argmax(-1)");
      inputId = topId.squeeze(0); // (B)
      expectShape("next input_id at step " + t, inputId, 10);
      for (int i = 0; i < b; i++) {
        long id = inputId.select(0, i).itemLong();
        Expect.that(id >= 0 && id < vocabSize, "top_id at step " + t + ": expected ids in [0, 100), got " + id);
      }
    }

    // --- bidirectional, several layers
    numLayers = 2;
    numDirs = 2;
    double dropout = 0.1;
    Gru biGru = new Gru(RnnConfig.builder(embeddingSize, hiddenSize)
        .numLayers(numLayers).dropout(dropout).bidirectional(numDirs > 1).build());
    // d_w: word embedding size, num_layers: number of layers, num_dirs: number of directions
    batchEmb = embedding.forward(batch); // (B, L, d_w)
    h0 = Tensor.zeros(numLayers * numDirs, b, hiddenSize); // (num_layers * num_dirs, B, d_h) = (4, B, d_h)
    packedBatch = Packing.packPaddedSequence(batchEmb.transpose(0, 1), batchLens);
    RnnOutput<PackedSequence> biOut = biGru.forward(packedBatch, h0); // packed_outputs, h_n: a GRU has no c_n
    packedOutputs = biOut.output();
    hN = biOut.hN();
    System.out.println(packedOutputs);
    System.out.println(size(packedOutputs.data()));
    System.out.println(size(hN));
    expectShape("bidirectional packed_outputs[0]", packedOutputs.data(), 123, 1024);
    expectShape("bidirectional h_n", hN, 4, 10, 512);

    unpacked = Packing.padPackedSequence(packedOutputs);
    outputs = unpacked.output();
    outputLens = unpacked.lengths();
    System.out.println(size(outputs)); // (L, B, num_dirs * d_h)
    System.out.println(outputLens);
    expectShape("bidirectional outputs", outputs, 20, 10, 1024);
    Expect.equal("bidirectional output_lens", batchLens.toString(), outputLens.toString());

    // outputs: (max_len, batch_size, num_dirs * hidden_size); h_n: (num_layers * num_dirs, batch_size, hidden_size)
    int batchSize = hN.size(1);
    Tensor hView = hN.view(numLayers, numDirs, batchSize, hiddenSize);
    System.out.println(hView);
    System.out.println(size(hView));
    expectShape("h_n.view(num_layers, num_dirs, B, H)", hView, 2, 2, 10, 512);
    // the view's [layer 1, forward] is h_n[2], the last layer's forward direction (PyTorch's layout)
    Expect.that(hView.select(0, 1).select(0, 0).contentEquals(hN.select(0, 2)),
        "h_n.view(...)[1][0] should be h_n[2], the last layer's forward direction");
    System.out.println("notebook: every shape as printed by PyTorch");
  }

  /** PyTorch's {@code print(t.shape)}: {@code torch.Size([20, 10, 512])}. */
  private static String size(Tensor t) {
    return t.shape().toTorchString();
  }

  private static void expectShape(String what, Tensor t, int... dims) {
    Expect.equal(what + " shape", "torch.Size(" + Arrays.toString(dims) + ")", size(t));
  }
}
