package dev.rnn4j.bench;

import dev.rnn4j.tensor.gemm.Blas;
import dev.rnn4j.tensor.gemm.Gemm;
import dev.rnn4j.tensor.gemm.PreparedB;
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
 * The GEMM path ({@link Gemm#sgemm}, row-major, {@code C = X W^T} as {@code Linear} and the RNN input projection
 * call it) at shapes recurrent networks use. Shapes are {@code MxNxK}: M rows of X (batch, or steps x batch), N
 * outputs (4H gates), K inputs.
 *
 * <ul>
 *   <li>{@code 10x2048x512}: one LSTM step, batch 10, H 512, the recurrent product {@code h W_hh^T}.
 *   <li>{@code 123x2048x256}: the notebook's packed sequence (123 rows) through {@code W_ih} of a 512-unit LSTM.
 *   <li>{@code 64x4096x1024}: a larger step, batch 64, H 1024.
 *   <li>{@code 2048x2048x2048}: the ceiling, comparable to a BLAS sgemm figure.
 * </ul>
 *
 * Run: {@code java --add-modules jdk.incubator.vector -jar rnn4j-bench/target/rnn4j-benchmarks.jar Gemm}. Add
 * {@code -jvmArgsAppend -Drnn4j.blas=java} for the pure-Java path (PackedGemm). {@code sgemmXWtPrepared} is the same
 * product with W prepared once ({@link Gemm#prepareB}, as a recurrent layer does for W_hh over its steps). The
 * {@code gflops} figure is {@code 2 M N K / time}; JMH reports the time per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
  @Param({"10x2048x512", "123x2048x256", "64x4096x1024", "2048x2048x2048"})
  public String shape;

  private int m;
  private int n;
  private int k;
  private float[] x;
  private float[] w;
  private float[] c;
  private PreparedB prepared;

  @Setup(Level.Trial)
  public void setUp() {
    String[] p = shape.split("x");
    m = Integer.parseInt(p[0]);
    n = Integer.parseInt(p[1]);
    k = Integer.parseInt(p[2]);
    SplittableRandom r = new SplittableRandom(1);
    x = new float[m * k];
    w = new float[n * k];
    c = new float[m * n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextDouble(-1, 1);
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextDouble(-1, 1);
    }
    prepared = Gemm.prepareB(true, k, n, w, 0, k, new int[] {m, m, m});
    System.out.println("\n# GEMM backend: " + Gemm.implementation() + ", " + Blas.description()
        + (prepared.isPacked() ? "" : "; the prepared operand is not packed, so sgemmXWtPrepared = sgemmXWt"));
  }

  /** {@code C (M, N) = X (M, K) W^T}, W stored (N, K) as a Linear weight. */
  @Benchmark
  public float[] sgemmXWt() {
    Gemm.sgemm(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, c, 0, n);
    return c;
  }

  /** The same product with W packed once beforehand: the per-step product of a recurrent layer. */
  @Benchmark
  public float[] sgemmXWtPrepared() {
    Gemm.sgemm(false, m, 1f, x, 0, k, prepared, 0f, c, 0, n);
    return c;
  }
}
