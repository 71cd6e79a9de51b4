package dev.rnn4j.bench;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The packed step loop: one LSTM layer (input 256, hidden 512) forward over the notebook's batch (B = 10, lengths
 * 20,18,18,17,15,10,8,6,6,5; 123 packed rows), already embedded and packed, in eval mode without a graph: the input
 * projection GEMM, then 20 steps of {@code h W_hh^T} on the shrinking active batch plus the fused gate kernel.
 * {@code padded} runs the same batch padded to 20 x 10 (200 rows) for comparison; a packed batch must never be
 * slower.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar rnn4j-bench/target/rnn4j-benchmarks.jar PackedStep}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PackedStepBench {
  private static final int[] LENGTHS = {20, 18, 18, 17, 15, 10, 8, 6, 6, 5};

  @Param({"packed", "padded"})
  public String layout;

  private Lstm lstm;
  private Tensor padded; // (L, B, 256)
  private PackedSequence packed;

  @Setup(Level.Trial)
  public void setUp() {
    Generator g = new Generator(0);
    lstm = new Lstm(RnnConfig.builder(256, 512).build(), g);
    lstm.eval();
    padded = Tensor.randn(g, LENGTHS[0], LENGTHS.length, 256);
    packed = Packing.packPaddedSequence(padded, LENGTHS, false, true);
  }

  @Benchmark
  public Tensor step() {
    try (GradMode gm = GradMode.disable()) {
      return layout.equals("packed") ? lstm.forward(packed).output().data() : lstm.forward(padded).output();
    }
  }
}
