package dev.rnn4j.bench;

import dev.rnn4j.tensor.kernel.Kernels;
import dev.rnn4j.tensor.kernel.ScalarKernels;
import dev.rnn4j.tensor.kernel.VectorKernels;
import java.util.SplittableRandom;
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
 * The main elementwise and reduction kernels on 2048 floats (4H of a 512-unit LSTM step, batch 1) and 65536 (a
 * batch of gates), time per call in nanoseconds:
 *
 * <ul>
 *   <li>{@code scalar}: {@link ScalarKernels}, the twin;
 *   <li>{@code vector}: {@link VectorKernels} at the preferred width with lanewise exp/tanh/sigmoid;
 *   <li>{@code vector-math}: the same with exp/tanh/sigmoid delegated to the scalar {@link Math} loop.
 * </ul>
 *
 * {@link TranscendentalAccuracy} gives the matching accuracy figures.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseBench {
  @Param({"scalar", "vector", "vector-math"})
  public String impl;

  @Param({"2048", "65536"})
  public int n;

  private Kernels k;
  private float[] x;
  private float[] y;
  private float[] out;

  @Setup(Level.Trial)
  public void setUp() {
    k = switch (impl) {
      case "scalar" -> new ScalarKernels();
      case "vector" -> VectorKernels.forBits(0, true);
      case "vector-math" -> VectorKernels.forBits(0, false);
      default -> throw new IllegalArgumentException("impl " + impl);
    };
    SplittableRandom r = new SplittableRandom(2);
    x = new float[n];
    y = new float[n];
    out = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextDouble(-4, 4);
      y[i] = (float) r.nextDouble(-4, 4);
    }
  }

  @Benchmark
  public float[] add() {
    k.add(out, 0, x, 0, y, 0, n);
    return out;
  }

  @Benchmark
  public float[] mul() {
    k.mul(out, 0, x, 0, y, 0, n);
    return out;
  }

  @Benchmark
  public float[] axpy() {
    k.axpy(1e-3f, x, 0, out, 0, n);
    return out;
  }

  @Benchmark
  public float dot() {
    return k.dot(x, 0, y, 0, n);
  }

  @Benchmark
  public float sum() {
    return k.sum(x, 0, n);
  }

  @Benchmark
  public float[] tanh() {
    k.tanh(out, 0, x, 0, n);
    return out;
  }

  @Benchmark
  public float[] sigmoid() {
    k.sigmoid(out, 0, x, 0, n);
    return out;
  }

  @Benchmark
  public float[] exp() {
    k.exp(out, 0, x, 0, n);
    return out;
  }
}
