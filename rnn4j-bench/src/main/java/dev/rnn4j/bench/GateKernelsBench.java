package dev.rnn4j.bench;

import dev.rnn4j.nn.rnn.GateKernels;
import dev.rnn4j.nn.rnn.GateKernelsReference;
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
 * The fused gate kernels ({@link GateKernels}) for one recurrent step of {@code rows} active rows at hidden size 512,
 * forward with saving (training) and without (inference), and backward; {@code reference} runs the scalar twin
 * {@link GateKernelsReference} (double, one gate at a time) for scale. Rows: 10 (the notebook's batch), 32 (the
 * training workloads), 64 (the large LSTM).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar rnn4j-bench/target/rnn4j-benchmarks.jar GateKernels}.
 * Add {@code -jvmArgsAppend -Drnn4j.vectorBits=0} for the scalar kernels.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GateKernelsBench {
  private static final int H = 512;

  @Param({"10", "32", "64"})
  public int rows;

  private float[] xg4; // (rows, 4H)
  private float[] hg4; // (rows, 4H)
  private float[] xg3; // (rows, 3H)
  private float[] hg3; // (rows, 3H)
  private float[] c; // (rows, H)
  private float[] h; // (rows, H)
  private float[] act4; // (rows, 4H)
  private float[] act3; // (rows, 3H)
  private float[] aux; // (rows, H)
  private float[] dh; // (rows, H)
  private float[] dc; // (rows, H)
  private float[] dG; // (rows, 4H)
  private float[] dGh; // (rows, 3H)

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextDouble() * 4 - 2);
    }
    return a;
  }

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom r = new SplittableRandom(1);
    xg4 = random(r, rows * 4 * H);
    hg4 = random(r, rows * 4 * H);
    xg3 = random(r, rows * 3 * H);
    hg3 = random(r, rows * 3 * H);
    c = random(r, rows * H);
    h = random(r, rows * H);
    act4 = new float[rows * 4 * H];
    act3 = new float[rows * 3 * H];
    aux = new float[rows * H];
    dh = random(r, rows * H);
    dc = random(r, rows * H);
    dG = new float[rows * 4 * H];
    dGh = new float[rows * 3 * H];
    GateKernels.lstmForward(0, rows, H, xg4, 0, hg4, c, h, act4, 0, aux, 0); // saved state for backward
  }

  @Benchmark
  public float[] lstmForwardInference() {
    GateKernels.lstmForward(0, rows, H, xg4, 0, hg4, c, h, null, 0, null, 0);
    return h;
  }

  @Benchmark
  public float[] lstmForwardTraining() {
    GateKernels.lstmForward(0, rows, H, xg4, 0, hg4, c, h, act4, 0, aux, 0);
    return h;
  }

  @Benchmark
  public float[] lstmBackward() {
    GateKernels.lstmBackward(0, rows, H, dh, dc, act4, 0, aux, 0, c, 0, dG, 0);
    return dG;
  }

  @Benchmark
  public float[] lstmForwardReference() {
    GateKernelsReference.lstmForward(0, rows, H, xg4, 0, hg4, c, h, act4, 0, aux, 0);
    return h;
  }

  @Benchmark
  public float[] gruForwardInference() {
    GateKernels.gruForward(0, rows, H, xg3, 0, hg3, h, null, 0, null, 0);
    return h;
  }

  @Benchmark
  public float[] gruBackward() {
    GateKernels.gruBackward(0, rows, H, dh, h, 0, act3, 0, aux, 0, dG, 0, dGh, 0);
    return dGh;
  }
}
