package dev.rnn4j.cli;

import com.google.gson.Gson;
import dev.rnn4j.cli.bench.Workload;
import dev.rnn4j.cli.bench.Workloads;
import dev.rnn4j.tensor.gemm.Blas;
import dev.rnn4j.tensor.gemm.Gemm;
import dev.rnn4j.tensor.kernel.KernelSelector;
import dev.rnn4j.util.ThreadTeam;
import dev.rnn4j.cli.bench.Warmup;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rnn4j bench}: runs the benchmark workloads and prints one JSON line each, in the same format as
 * {@code scripts/bench/pytorch_bench.py} (see BENCHMARKS.md for the side-by-side runner).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run the benchmark workloads; one JSON line per workload.")
final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--workload", paramLabel = "NAME", description = "Workload to run (repeatable; default: all).")
  List<String> workloads = new ArrayList<>();

  @Option(names = "--threads", paramLabel = "N", description = "Threads for rnn4j's parallel loops (default: all cores).")
  Integer threads;

  @Option(names = "--warmup", paramLabel = "N", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
  int warmup = 3;

  @Option(names = "--warmup-seconds", paramLabel = "SECONDS",
      description = "Keep warming up until this long has passed too (default: ${DEFAULT-VALUE}): the JIT compiles "
          + "the Vector API kernels only after thousands of calls, and before that they run far slower.")
  double warmupSeconds = 2;

  @Option(names = "--jit-quiet-seconds", paramLabel = "SECONDS",
      description = "Then keep warming up until the JIT has compiled nothing for this long (default: "
          + "${DEFAULT-VALUE}; 0 turns it off): on two cores it is still compiling 10 s into a small workload.")
  double jitQuietSeconds = 1;

  @Option(names = "--warmup-max-seconds", paramLabel = "SECONDS",
      description = "Stop warming up after this long even if the JIT is still busy (default: ${DEFAULT-VALUE}).")
  double warmupMaxSeconds = 60;

  @Option(names = "--iters", paramLabel = "N", description = "Timed runs at least (default: ${DEFAULT-VALUE}).")
  int iters = 10;

  @Option(names = "--budget", paramLabel = "SECONDS",
      description = "Stop timing a workload after this long once 3 runs are in (default: ${DEFAULT-VALUE}).")
  double budget = 20;

  @Option(names = "--list", description = "List the workload names and exit.")
  boolean list;

  @Option(names = "--build-only",
      description = "Build the workloads (weights, data, optimizer) and exit without running them: the baseline of "
          + "scripts/bench/peak_memory.py, which finds the smallest heap each workload runs in.")
  boolean buildOnly;

  @Override
  public void run() {
    if (threads == null) {
      runWorkloads();
      return;
    }
    try (ThreadTeam team = new ThreadTeam(threads); ThreadTeam.Scope s = team.use()) {
      runWorkloads();
    }
  }

  private void runWorkloads() {
    if (warmup < 0 || iters < 1 || !(budget > 0) || !(warmupSeconds >= 0)) {
      throw new IllegalArgumentException("--warmup must be >= 0, --iters >= 1, --budget > 0 and --warmup-seconds >= 0;"
          + " got " + warmup + ", " + iters + ", " + budget + ", " + warmupSeconds);
    }
    if (!(jitQuietSeconds >= 0) || !(warmupMaxSeconds >= warmupSeconds)) {
      throw new IllegalArgumentException("--jit-quiet-seconds must be >= 0 and --warmup-max-seconds >= "
          + "--warmup-seconds; got " + jitQuietSeconds + " and " + warmupMaxSeconds);
    }
    Workloads all = new Workloads();
    var out = spec.commandLine().getOut();
    if (list) {
      all.names().forEach(out::println);
      return;
    }
    List<String> names = workloads.isEmpty() ? all.names() : workloads;
    for (String n : names) {
      if (!all.names().contains(n)) {
        throw new IllegalArgumentException("unknown workload '" + n + "'; known: " + all.names());
      }
    }
    Gson gson = new Gson();
    for (String n : names) {
      Workload w = all.build(n);
      if (buildOnly) {
        out.println("{\"workload\":" + gson.toJson(w.name()) + ",\"built\":true}");
        continue;
      }
      out.println(gson.toJson(measure(w)));
      out.flush();
    }
  }

  /**
   * Collects garbage, resets the pools' peaks and returns the heap in use: the baseline the peak during the timed
   * calls is taken from.
   */
  private static long heapBaseline(List<MemoryPoolMXBean> heap) {
    System.gc();
    long used = 0;
    for (MemoryPoolMXBean p : heap) {
      p.resetPeakUsage();
      used += p.getUsage().getUsed();
    }
    return used;
  }

  private Map<String, Object> measure(Workload w) {
    List<MemoryPoolMXBean> heap = new ArrayList<>();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        heap.add(p);
      }
    }
    // A rehearsal of what runs between the warm-up and the timed calls. Run there for the first time, this code made
    // the JIT throw away compiled workload code (ThreadLocal.get, inlined into every op through GradMode, was
    // deoptimized when the collection and the memory beans added thread-locals of their own), and greedy B1 was
    // timed at 16-19 ms a call instead of 9-10 while it recompiled.
    heapBaseline(heap);
    Warmup.Result warm = Warmup.run(w.step(), warmup, warmupSeconds, jitQuietSeconds, warmupMaxSeconds);
    long before = heapBaseline(heap);
    long deadline = System.nanoTime() + (long) (budget * 1e9);
    List<Double> times = new ArrayList<>();
    while (times.size() < iters || (times.size() < 3 && System.nanoTime() < deadline)) {
      long t0 = System.nanoTime();
      w.step().run();
      times.add((System.nanoTime() - t0) / 1e9);
      if (System.nanoTime() > deadline && times.size() >= 3) {
        break;
      }
    }
    long peak = 0;
    for (MemoryPoolMXBean p : heap) {
      peak += p.getPeakUsage().getUsed();
    }
    double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double median = sorted.length % 2 == 1
        ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("workload", w.name());
    r.put("impl", "rnn4j");
    r.put("threads", ThreadTeam.current().threads());
    r.put("median_s", Math.round(median * 1e6) / 1e6);
    r.put("min_s", Math.round(sorted[0] * 1e6) / 1e6);
    r.put("iters", sorted.length);
    r.put("warmup_calls", warm.calls());
    r.put("warmup_s", Math.round(warm.seconds() * 100) / 100.0);
    if (warm.jitQuiet() != null) {
      r.put("jit_quiet", warm.jitQuiet());
    }
    // Sum of each heap pool's peak during the timed runs, less the heap in use before them: an upper bound on the
    // extra heap the workload needed (the JVM collects lazily, so garbage counts until collected).
    r.put("peak_mem_mb", Math.round(Math.max(0, peak - before) / 1048576.0 * 10) / 10.0);
    r.put("backend", Gemm.implementation() + ", kernels "
        + KernelSelector.kernels().name());
    if (w.tokens() > 0) {
      r.put("tokens_per_s", Math.round(w.tokens() / median * 10) / 10.0);
    }
    if (w.flops() > 0) {
      r.put("gflops", Math.round(w.flops() / median / 1e9 * 100) / 100.0);
    }
    r.put("times_s", Arrays.stream(sorted).map(v -> Math.round(v * 1e6) / 1e6).toArray());
    return r;
  }
}
