package dev.rnn4j.cli.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Warm-up for measurements on the JVM: runs a step until the JIT compiler has settled, so that what is timed next is
 * the steady state and not code still being compiled.
 *
 * <p>A fixed warm-up is not enough for rnn4j's workloads. On the 2-core build machine the compiler was still busy 10
 * s into the seed LSTM workload (about 2500 calls): its one C2 thread works through a queue of large methods (the GEMM
 * driver, the layer's step loop), and until a method reaches C2 it runs as profiled C1 code, while the compile itself
 * takes one of the two cores. The seed LSTM's median was 5.2-6.4 ms after a 2 s warm-up and 3.3-3.9 ms once the
 * compiler had been idle for a second.
 *
 * <p>The rule: at least {@code minCalls} calls and {@code minSeconds}; then more calls until the JVM's total
 * compilation time has not grown for {@code quietSeconds}; never past {@code maxSeconds} (the result then says the
 * JIT did not settle). Where the JVM does not report compilation time the quiet condition is skipped.
 */
public final class Warmup {
  private Warmup() {}

  /**
   * What a warm-up did.
   *
   * @param calls steps run
   * @param seconds how long they took
   * @param jitQuiet whether the compiler had been idle for the quiet period at the end ({@code null} when the JVM does
   *     not report compilation time or no quiet period was asked for)
   */
  public record Result(int calls, double seconds, Boolean jitQuiet) {}

  /** Runs {@code step} by the rule in the class comment and says what it did. */
  public static Result run(Runnable step, int minCalls, double minSeconds, double quietSeconds, double maxSeconds) {
    if (minCalls < 0 || !(minSeconds >= 0) || !(quietSeconds >= 0) || !(maxSeconds >= minSeconds)) {
      throw new IllegalArgumentException("warm-up needs minCalls >= 0, minSeconds >= 0, quietSeconds >= 0 and "
          + "maxSeconds >= minSeconds; got " + minCalls + ", " + minSeconds + ", " + quietSeconds + ", " + maxSeconds);
    }
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean watch = quietSeconds > 0 && jit != null && jit.isCompilationTimeMonitoringSupported();
    long start = System.nanoTime();
    long compileMs = watch ? jit.getTotalCompilationTime() : 0;
    long lastChange = start;
    int calls = 0;
    while (true) {
      long now = System.nanoTime();
      if (watch) {
        long c = jit.getTotalCompilationTime();
        if (c != compileMs) {
          compileMs = c;
          lastChange = now;
        }
      }
      boolean minimumDone = calls >= minCalls && now - start >= minSeconds * 1e9;
      boolean quiet = !watch || now - lastChange >= quietSeconds * 1e9;
      if (minimumDone && (quiet || now - start >= maxSeconds * 1e9)) {
        return new Result(calls, (now - start) / 1e9, watch ? quiet : null);
      }
      step.run();
      calls++;
    }
  }
}
