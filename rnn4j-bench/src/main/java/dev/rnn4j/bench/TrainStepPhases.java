package dev.rnn4j.bench;

import dev.rnn4j.loss.Losses;
import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.optim.Adam;
import dev.rnn4j.optim.GradClip;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a training step's time goes: the {@code train_lstm_B32_L128} / {@code train_gru_B32_L128} step of
 * {@code rnn4j bench} (embedding 256, hidden 512, vocabulary 100, batch 32, length 128, cross-entropy, clip 1.0,
 * Adam), timed phase by phase, averaged over the second half of the iterations.
 *
 * <pre>
 * OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -XX:+UseParallelGC \
 *     -cp rnn4j-bench/target/rnn4j-benchmarks.jar dev.rnn4j.bench.TrainStepPhases [gru|lstm] [iterations]
 * </pre>
 */
public final class TrainStepPhases {
  private TrainStepPhases() {}

  public static void main(String[] args) {
    boolean lstm = args.length > 0 && args[0].equals("lstm");
    if (args.length > 0 && !lstm && !args[0].equals("gru")) {
      throw new IllegalArgumentException("expected gru or lstm, got " + args[0]);
    }
    int iters = args.length > 1 ? Integer.parseInt(args[1]) : 80;
    if (iters < 2) {
      throw new IllegalArgumentException("iterations must be at least 2, got " + iters);
    }
    int vocab = 100;
    int emb = 256;
    int hidden = 512;
    int batch = 32;
    int length = 128;
    Generator gen = new Generator(0);
    Embedding embedding = new Embedding(vocab, emb, gen);
    RnnConfig cfg = RnnConfig.builder(emb, hidden).build();
    RnnBase rnn = lstm ? new Lstm(cfg, gen) : new Gru(cfg, gen);
    Linear head = new Linear(hidden, vocab, gen);
    List<Tensor> params = new ArrayList<>(embedding.parameters());
    params.addAll(rnn.parameters());
    params.addAll(head.parameters());
    Map<String, Tensor> named = new LinkedHashMap<>();
    for (int i = 0; i < params.size(); i++) {
      named.put("p" + i, params.get(i));
    }
    Adam adam = new Adam(named, Adam.Options.defaults().withLr(1e-3));
    Tensor x = Tensor.randint(gen, 0, vocab, length, batch);
    Tensor y = Tensor.randint(gen, 0, vocab, length * batch);
    String[] phases = {"zero grad", "embedding + rnn forward", "head + loss", "backward", "clip", "adam"};
    double[] ms = new double[phases.length];
    for (int it = 0; it < iters; it++) {
      long[] t = new long[phases.length + 1];
      t[0] = System.nanoTime();
      adam.zeroGrad();
      t[1] = System.nanoTime();
      Tensor e = embedding.forward(x);
      Tensor out = rnn instanceof Lstm l ? l.forward(e).output() : ((Gru) rnn).forward(e).output();
      t[2] = System.nanoTime();
      Tensor loss = Losses.crossEntropy(head.forward(out).view(length * batch, vocab), y);
      t[3] = System.nanoTime();
      loss.backward();
      t[4] = System.nanoTime();
      GradClip.clipGradNorm(params, 1.0, 2.0);
      t[5] = System.nanoTime();
      adam.step();
      t[6] = System.nanoTime();
      if (it >= iters / 2) {
        for (int p = 0; p < phases.length; p++) {
          ms[p] += (t[p + 1] - t[p]) / 1e6;
        }
      }
    }
    int timed = iters - iters / 2;
    double total = 0;
    for (int p = 0; p < phases.length; p++) {
      System.out.printf("%-24s %8.2f ms%n", phases[p], ms[p] / timed);
      total += ms[p] / timed;
    }
    System.out.printf("%-24s %8.2f ms (%s, mean of the last %d of %d steps)%n", "step", total, lstm ? "LSTM" : "GRU",
        timed, iters);
  }
}
