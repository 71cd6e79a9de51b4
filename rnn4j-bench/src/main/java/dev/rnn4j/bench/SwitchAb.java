package dev.rnn4j.bench;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.runtime.RuntimeSettings;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/**
 * One of rnn4j's runtime switches on and off, alternating call by call in one process, so that the machine's drift
 * falls on both sides alike: the recurrent module's packed weights kept between inference calls
 * ({@link RuntimeSettings#keepPackedWeights()}) or recurrent steps cut by hidden units
 * ({@link RuntimeSettings#stepsByUnits()}), switched on the module with {@link RnnBase#useRuntimeSettings}.
 * Workloads as in {@code rnn4j bench}: the seed's batch through the 1-layer LSTM (packed, or padded) or the 2-layer
 * bidirectional GRU, or one step of the greedy GRU loop (batch 10: GRU step, Linear head, argmax fed back), or the
 * large 2-layer LSTM. The last three quarters of the calls are timed; prints best, median and mean per call.
 *
 * <pre>
 * OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -XX:+UseParallelGC \
 *     -cp rnn4j-bench/target/rnn4j-benchmarks.jar dev.rnn4j.bench.SwitchAb \
 *     [keepPackedWeights|stepsByUnits] [lstm|lstmPadded|bigru|greedy|lstm2] [calls]
 * </pre>
 */
public final class SwitchAb {
  /** The recurrent module of the workload, whose settings the toggle switches. */
  private static final java.util.List<RnnBase> MODULES = new java.util.ArrayList<>();

  private SwitchAb() {}

  public static void main(String[] args) {
    String which = args.length > 0 ? args[0] : "keepPackedWeights";
    String workload = args.length > 1 ? args[1] : "lstm";
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 400;
    if (calls < 4) {
      throw new IllegalArgumentException("calls must be at least 4, got " + calls);
    }
    RuntimeSettings base = RuntimeSettings.current();
    java.util.function.Function<Boolean, RuntimeSettings> setting = switch (which) {
      case "keepPackedWeights" -> base::withKeepPackedWeights;
      case "stepsByUnits" -> base::withStepsByUnits;
      default -> throw new IllegalArgumentException("expected keepPackedWeights or stepsByUnits, got " + which);
    };
    java.util.function.Consumer<Boolean> toggle = on -> MODULES.forEach(m -> m.useRuntimeSettings(setting.apply(on)));
    Runnable call = switch (workload) {
      case "lstm", "bigru" -> seed(workload.equals("bigru"), true);
      case "lstmPadded" -> seed(false, false);
      case "greedy" -> greedyStep();
      case "lstm2" -> lstm2();
      default -> throw new IllegalArgumentException(
          "expected lstm, lstmPadded, bigru, greedy or lstm2, got " + workload);
    };
    int warm = calls / 4; // the first quarter warms up
    long[][] times = new long[2][calls - warm];
    try {
      for (int i = 0; i < calls; i++) {
        for (int side = 0; side < 2; side++) {
          toggle.accept(side == 0);
          long t0 = System.nanoTime();
          call.run();
          long t = System.nanoTime() - t0;
          if (i >= warm) {
            times[side][i - warm] = t;
          }
        }
      }
    } finally {
      toggle.accept(true);
    }
    double[] best = new double[2];
    double[] median = new double[2];
    double[] mean = new double[2];
    for (int side = 0; side < 2; side++) {
      long[] v = times[side].clone();
      java.util.Arrays.sort(v);
      best[side] = v[0] / 1e6;
      median[side] = v[v.length / 2] / 1e6;
      mean[side] = java.util.Arrays.stream(v).average().orElse(0) / 1e6;
    }
    System.out.printf("%s, %s, %d calls a side: on best %.3f median %.3f mean %.3f ms; off best %.3f median %.3f"
        + " mean %.3f ms%n", which, workload, calls - warm, best[0], median[0], mean[0], best[1], median[1],
        mean[1]);
  }

  private static Runnable seed(boolean bigru, boolean packedInput) {
    Generator gen = new Generator(1);
    RnnConfig.Builder cfg = RnnConfig.builder(256, 512);
    var rnn = bigru ? new Gru(cfg.numLayers(2).bidirectional(true).build(), gen) : new Lstm(cfg.build(), gen);
    rnn.eval();
    MODULES.add(rnn);
    int[] lengths = {20, 18, 18, 17, 15, 10, 8, 6, 6, 5};
    Tensor padded = Tensor.randn(gen, 20, 10, 256);
    PackedSequence x = Packing.packPaddedSequence(padded, lengths, false, true);
    return () -> {
      try (GradMode g = GradMode.disable()) {
        if (rnn instanceof Lstm l) {
          if (packedInput) {
            l.forward(x);
          } else {
            l.forward(padded);
          }
        } else {
          ((Gru) rnn).forward(x);
        }
      }
    };
  }

  /** {@code lstm2_h1024_B64_L100_fwd}: 2-layer LSTM, input 512, hidden 1024, batch 64, length 100. */
  private static Runnable lstm2() {
    Generator gen = new Generator(1);
    Lstm lstm = new Lstm(RnnConfig.builder(512, 1024).numLayers(2).build(), gen);
    lstm.eval();
    MODULES.add(lstm);
    Tensor x = Tensor.randn(gen, 100, 64, 512);
    return () -> {
      try (GradMode g = GradMode.disable()) {
        lstm.forward(x);
      }
    };
  }

  private static Runnable greedyStep() {
    Generator gen = new Generator(1);
    Embedding embedding = new Embedding(100, 256, gen);
    Gru gru = new Gru(RnnConfig.builder(256, 512).build(), gen);
    Linear head = new Linear(512, 100, gen);
    MODULES.add(gru);
    Tensor ids = Tensor.ofLongs(new long[] {1, 5, 9, 13, 17, 21, 25, 29, 33, 37});
    Tensor h = Tensor.zeros(1, 10, 512);
    return () -> {
      try (GradMode g = GradMode.disable()) {
        var out = gru.forward(embedding.forward(ids).unsqueeze(0), h);
        head.forward(out.output()).argmax(-1, false);
      }
    };
  }
}
