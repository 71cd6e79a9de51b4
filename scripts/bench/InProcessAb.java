import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Two rnn4j builds in one JVM, each in its own class loader (its own runtime, kernels and thread team), running the
 * same `rnn4j bench` workload call by call in alternation (A B, B A, ...), so the machine's load falls on both alike.
 * Warms both up for WARM seconds, then times for TIME seconds; prints each side's median and the ratio B / A.
 *
 *   OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -XX:+UseParallelGC \
 *       scripts/bench/InProcessAb.java OLD.jar NEW.jar WORKLOAD [WARM=15] [TIME=20]
 *
 * Every workload of `rnn4j bench --list` runs, the large ones too: lstm2_h1024_B64_L100_fwd takes seconds a call, so
 * give it WARM 20 and TIME 150 (17 calls a side at load 10 on 2 cores, more on a quiet machine); sgemm_2048 and the training steps take a
 * few hundred milliseconds. Run each workload more than once, with the jars in both orders, and an A/A run (one jar
 * on both sides) shows the noise of the machine at that moment.
 */
public class InProcessAb {
  public static void main(String[] args) throws Exception {
    Runnable a = step(args[0], args[2]);
    Runnable b = step(args[1], args[2]);
    double warm = args.length > 3 ? Double.parseDouble(args[3]) : 15;
    double time = args.length > 4 ? Double.parseDouble(args[4]) : 20;
    long end = System.nanoTime() + (long) (warm * 1e9);
    while (System.nanoTime() < end) {
      a.run();
      b.run();
    }
    long[][] t = new long[2][1 << 16];
    int n = 0;
    end = System.nanoTime() + (long) (time * 1e9);
    while ((System.nanoTime() < end || n < 5) && n < t[0].length) {
      for (int k = 0; k < 2; k++) {
        int side = (n + k) % 2; // A B, then B A
        Runnable r = side == 0 ? a : b;
        long t0 = System.nanoTime();
        r.run();
        t[side][n] = System.nanoTime() - t0;
      }
      n++;
    }
    double ma = median(Arrays.copyOf(t[0], n)) / 1e6;
    double mb = median(Arrays.copyOf(t[1], n)) / 1e6;
    System.out.printf("%s: %d calls a side, median A %.3f ms, B %.3f ms, B / A %.3f%n", args[2], n, ma, mb, mb / ma);
  }

  private static double median(long[] v) {
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
  }

  /** The workload's step, built by the build in {@code jar} inside a class loader of its own. */
  private static Runnable step(String jar, String workload) throws Exception {
    ClassLoader l = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    Class<?> ws = l.loadClass("dev.rnn4j.cli.bench.Workloads");
    Object w = ws.getMethod("build", String.class).invoke(ws.getConstructor().newInstance(), workload);
    Method step = w.getClass().getMethod("step");
    Class<?> gemm = l.loadClass("dev.rnn4j.tensor.gemm.Gemm");
    Class<?> blas = l.loadClass("dev.rnn4j.tensor.gemm.Blas");
    System.out.println(jar + ": " + gemm.getMethod("implementation").invoke(null) + ", "
        + blas.getMethod("description").invoke(null));
    return (Runnable) step.invoke(w);
  }
}
