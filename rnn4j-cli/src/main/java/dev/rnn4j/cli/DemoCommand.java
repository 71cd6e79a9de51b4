package dev.rnn4j.cli;

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
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code rnn4j demo}: the seed notebook ("4. LSTM, GRU") step by step, in Java, with a fixed seed. It pads the ten
 * sequences, sorts them by length, embeds them, packs them, runs an LSTM and unpacks its output, runs a GRU language
 * model's greedy loop, then a 2-layer bidirectional GRU with dropout, printing what the notebook prints in PyTorch's
 * format. The numbers differ from the notebook's (another random generator), the shapes do not.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the seed notebook (LSTM, GRU, packing) step by step and print every shape.")
final class DemoCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(names = "--seed", defaultValue = "0", description = "Seed of the random generator (default 0).")
  long seed;

  static final int VOCAB_SIZE = 100;
  static final int PAD_ID = 0;

  static final int[][] DATA = {
    {85, 14, 80, 34, 99, 20, 31, 65, 53, 86, 3, 58, 30, 4, 11, 6, 50, 71, 74, 13},
    {62, 76, 79, 66, 32},
    {93, 77, 16, 67, 46, 74, 24, 70},
    {19, 83, 88, 22, 57, 40, 75, 82, 4, 46},
    {70, 28, 30, 24, 76, 84, 92, 76, 77, 51, 7, 20, 82, 94, 57},
    {58, 13, 40, 61, 88, 18, 92, 89, 8, 14, 61, 67, 49, 59, 45, 12, 47, 5},
    {22, 5, 21, 84, 39, 6, 9, 84, 36, 59, 32, 30, 69, 70, 82, 56, 1},
    {94, 21, 79, 24, 3, 86},
    {80, 80, 33, 63, 34, 63},
    {87, 32, 79, 65, 2, 96, 43, 80, 85, 20, 41, 52, 95, 50, 35, 96, 24, 80}
  };

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Generator gen = new Generator(seed);

    // --- data preprocessing: pad every sequence to the longest
    int maxLen = Arrays.stream(DATA).mapToInt(s -> s.length).max().orElse(0);
    List<int[]> data = new ArrayList<>();
    long[] validLens = new long[DATA.length];
    ProgressBarBuilder bar = new ProgressBarBuilder()
        .setInitialMax(DATA.length)
        .setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new DelegatingProgressBarConsumer(line -> {
          err.print("\r" + line);
          err.flush();
        }));
    try (ProgressBar pb = bar.build()) {
      for (int i = 0; i < DATA.length; i++) {
        int[] seq = DATA[i];
        validLens[i] = seq.length;
        int[] padded = Arrays.copyOf(seq, maxLen); // pad_id is 0
        Arrays.fill(padded, seq.length, maxLen, PAD_ID);
        data.add(padded);
        pb.step();
      }
    }
    err.println();
    out.println("Maximum sequence length: " + maxLen);

    // B: batch size, L: maximum sequence length
    Tensor batch = Tensor.ofLongs(data.toArray(new int[0][])); // (B, L)
    Tensor batchLens = Tensor.ofLongs(validLens); // (B)
    ValuesIndices sorted = batchLens.sort(true);
    batchLens = sorted.values();
    batch = batch.index(sorted.indices());
    out.println(batch);
    out.println(batchLens);

    // --- LSTM
    int embeddingSize = 256;
    int hiddenSize = 512;
    int numLayers = 1;
    int numDirs = 1;
    Embedding embedding = new Embedding(VOCAB_SIZE, embeddingSize, gen);
    Lstm lstm = new Lstm(RnnConfig.builder(embeddingSize, hiddenSize).numLayers(numLayers)
        .bidirectional(numDirs > 1).build(), gen);
    int b = batch.size(0);
    Tensor h0 = Tensor.zeros(numLayers * numDirs, b, hiddenSize); // (num_layers * num_dirs, B, d_h)
    Tensor c0 = Tensor.zeros(numLayers * numDirs, b, hiddenSize); // (num_layers * num_dirs, B, d_h)

    Tensor batchEmb = embedding.forward(batch); // (B, L, d_w)
    PackedSequence packedBatch = Packing.packPaddedSequence(batchEmb.transpose(0, 1), batchLens, false, true);
    LstmOutput<PackedSequence> lstmOut = lstm.forward(packedBatch, h0, c0);
    PackedSequence packedOutputs = lstmOut.output();
    out.println(packedOutputs);
    out.println("batch_sizes: " + Arrays.toString(packedOutputs.batchSizes()));
    out.println(size(packedOutputs.data()));
    out.println(size(lstmOut.hN()));
    out.println(size(lstmOut.cN()));

    Packing.Padded unpacked = Packing.padPackedSequence(packedOutputs);
    out.println(size(unpacked.output()));
    out.println(unpacked.lengths());

    // --- GRU language model, greedy: each step's prediction is the next step's input (no teacher forcing)
    Gru gru = new Gru(RnnConfig.builder(embeddingSize, hiddenSize).numLayers(numLayers)
        .bidirectional(numDirs > 1).build(), gen);
    Linear outputLayer = new Linear(hiddenSize, VOCAB_SIZE, gen);
    Tensor inputId = batch.transpose(0, 1).select(0, 0); // (B)
    Tensor hidden = Tensor.zeros(numLayers * numDirs, b, hiddenSize); // (1, B, d_h)
    for (int t = 0; t < maxLen; t++) {
      Tensor inputEmb = embedding.forward(inputId).unsqueeze(0); // (1, B, d_w)
      RnnOutput<Tensor> step = gru.forward(inputEmb, hidden); // output: (1, B, d_h), hidden: (1, B, d_h)
      hidden = step.hN();
      Tensor output = outputLayer.forward(step.output()); // (1, B, V)
      ValuesIndices top = output.max(-1, false); // probs: (1, B), top_id: (1, B)
      out.println("*".repeat(50));
      out.println("Time step: " + t);
      out.println(size(output));
      out.println(size(top.values()));
      out.println(size(top.indices()));
      inputId = top.indices().squeeze(0); // (B)
    }

    // --- bidirectional, several layers
    numLayers = 2;
    numDirs = 2;
    double dropout = 0.1;
    Gru biGru = new Gru(RnnConfig.builder(embeddingSize, hiddenSize).numLayers(numLayers).dropout(dropout)
        .bidirectional(numDirs > 1).build(), gen);
    batchEmb = embedding.forward(batch); // (B, L, d_w)
    Tensor biH0 = Tensor.zeros(numLayers * numDirs, b, hiddenSize); // (4, B, d_h)
    packedBatch = Packing.packPaddedSequence(batchEmb.transpose(0, 1), batchLens, false, true);
    RnnOutput<PackedSequence> biOut = biGru.forward(packedBatch, biH0);
    out.println(biOut.output());
    out.println(size(biOut.output().data()));
    out.println(size(biOut.hN()));

    Packing.Padded biUnpacked = Packing.padPackedSequence(biOut.output());
    out.println(size(biUnpacked.output())); // (L, B, num_dirs * d_h)
    out.println(biUnpacked.lengths());

    int batchSize = biOut.hN().size(1);
    Tensor hView = biOut.hN().view(numLayers, numDirs, batchSize, hiddenSize);
    out.println(hView);
    out.println(size(hView));
    out.flush();
  }

  /** PyTorch's {@code print(t.shape)}: {@code torch.Size([20, 10, 512])}. */
  private static String size(Tensor t) {
    return "torch.Size(" + t.shape() + ")";
  }
}
