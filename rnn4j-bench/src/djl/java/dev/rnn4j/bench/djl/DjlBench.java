package dev.rnn4j.bench.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonObject;
import dev.rnn4j.cli.bench.Warmup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The DJL side of rnn4j's benchmarks: the workloads of {@code workloads.json} through DJL's PyTorch engine, one JSON
 * line each, in the format of {@code rnn4j bench} and {@code scripts/bench/pytorch_bench.py} (impl "djl").
 *
 * <pre>
 * ./mvnw -q -P djl -pl rnn4j-bench -am package -DskipTests
 * OMP_WAIT_POLICY=PASSIVE java -cp rnn4j-bench/target/rnn4j-benchmarks.jar dev.rnn4j.bench.djl.DjlBench \
 *     [--workload NAME ...] [--threads N ...] [--warmup 3] [--warmup-seconds 2] [--jit-quiet-seconds 1]
 *     [--warmup-max-seconds 60] [--iters 10] [--budget 20]
 * </pre>
 *
 * <p>Warm-up follows the rule of {@code rnn4j bench} ({@link Warmup}): at least {@code --warmup} calls and
 * {@code --warmup-seconds}, then until the JIT has compiled nothing for {@code --jit-quiet-seconds}, so both JVM sides
 * are timed in their steady state.
 *
 * <p>DJL runs offline ({@code ai.djl.offline=true}: it never downloads a native library, it loads the one bundled
 * in the {@code pytorch-native-cpu} jar on the classpath) with usage tracking off ({@code OPT_OUT_TRACKING=true});
 * both are set here unless given on the command line. The thread count is the engine's intra-op setting
 * ({@code torch::set_num_threads}); OpenMP's waiting policy can only come from the environment.
 */
public final class DjlBench {
  private DjlBench() {}

  /** Parsed command line. */
  record Options(List<String> workloads, List<Integer> threads, int warmup, double warmupS, double jitQuietS,
      double warmupMaxS, int iters, double budgetS) {}

  public static void main(String[] args) {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("DjlBench: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    setDefault("ai.djl.offline", "true");
    setDefault("OPT_OUT_TRACKING", "true");
    setDefault("ai.djl.pytorch.num_interop_threads", "1");
    Engine engine = Engine.getEngine("PyTorch");
    DjlWorkloads workloads = new DjlWorkloads();
    List<String> names = o.workloads().isEmpty() ? workloads.names() : o.workloads();
    List<String> unknown = new ArrayList<>(names);
    unknown.removeAll(workloads.names());
    if (!unknown.isEmpty()) {
      System.err.println("DjlBench: unknown workload(s) " + unknown + "; known: " + workloads.names());
      System.exit(2);
    }
    List<Integer> threads = o.threads();
    if (threads.isEmpty()) {
      threads = new ArrayList<>(new TreeSet<>(List.of(1, Runtime.getRuntime().availableProcessors())));
    }
    String backend = "djl " + Engine.getDjlVersion() + " pytorch " + engine.getVersion() + " (cpu)";
    for (String name : names) {
      for (int t : threads) {
        System.out.println(run(workloads, engine, name, t, o, backend));
        System.out.flush();
      }
    }
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  static JsonObject run(DjlWorkloads workloads, Engine engine, String name, int threads, Options o, String backend) {
    JniUtils.setNumThreads(threads);
    try (NDManager manager = engine.newBaseManager()) {
      DjlWorkloads.Built w = workloads.build(name, manager);
      double base = peakRssMb();
      Warmup.Result warm = Warmup.run(w.step(), o.warmup(), o.warmupS(), o.jitQuietS(), o.warmupMaxS());
      long tEnd = System.nanoTime() + (long) (o.budgetS() * 1e9);
      List<Double> times = new ArrayList<>();
      while (times.size() < o.iters() || (times.size() < 3 && System.nanoTime() < tEnd)) {
        long t0 = System.nanoTime();
        w.step().run();
        times.add((System.nanoTime() - t0) / 1e9);
        if (System.nanoTime() > tEnd && times.size() >= 3) {
          break;
        }
      }
      double med = median(times);
      JsonObject rec = new JsonObject();
      rec.addProperty("workload", name);
      rec.addProperty("impl", "djl");
      rec.addProperty("threads", JniUtils.getNumThreads());
      rec.addProperty("median_s", round(med, 6));
      rec.addProperty("min_s", round(times.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), 6));
      rec.addProperty("iters", times.size());
      rec.addProperty("warmup_calls", warm.calls());
      rec.addProperty("warmup_s", round(warm.seconds(), 2));
      if (warm.jitQuiet() != null) {
        rec.addProperty("jit_quiet", warm.jitQuiet());
      }
      rec.addProperty("peak_mem_mb", round(peakRssMb() - base, 1));
      rec.addProperty("backend", backend);
      if (w.tokens() > 0) {
        rec.addProperty("tokens_per_s", round(w.tokens() / med, 1));
      }
      if (w.flops() > 0) {
        rec.addProperty("gflops", round(w.flops() / med / 1e9, 2));
      }
      if (w.note() != null) {
        rec.addProperty("note", w.note());
      }
      return rec;
    }
  }

  /** Median of the timed runs (mean of the two middle ones for an even count, as Python's statistics.median). */
  static double median(List<Double> xs) {
    double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static double round(double x, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(x * f) / f;
  }

  /**
   * The process's peak resident set (VmHWM) in MB: it counts the native memory of libtorch, which the JVM's own
   * counters do not see. The growth over a workload is the figure pytorch_bench.py reports from ru_maxrss.
   */
  static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  static Options parse(String[] args) {
    List<String> workloads = new ArrayList<>();
    List<Integer> threads = new ArrayList<>();
    int warmup = 3;
    double warmupS = 2;
    double jitQuietS = 1;
    double warmupMaxS = 60;
    int iters = 10;
    double budget = 20.0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println(usage());
        System.exit(0);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " expects a value; got none");
      }
      String v = args[++i];
      switch (a) {
        case "--workload" -> workloads.add(v);
        case "--threads" -> threads.add(positive(a, v));
        case "--warmup" -> warmup = nonNegative(a, v);
        case "--warmup-seconds" -> warmupS = seconds(a, v);
        case "--jit-quiet-seconds" -> jitQuietS = seconds(a, v);
        case "--warmup-max-seconds" -> warmupMaxS = seconds(a, v);
        case "--iters" -> iters = positive(a, v);
        case "--budget" -> budget = seconds(a, v);
        default -> throw new IllegalArgumentException("unknown option " + a + "; expected one of "
            + Arrays.asList("--workload", "--threads", "--warmup", "--warmup-seconds", "--jit-quiet-seconds",
                "--warmup-max-seconds", "--iters", "--budget"));
      }
    }
    if (warmupMaxS < warmupS) {
      throw new IllegalArgumentException("--warmup-max-seconds must be >= --warmup-seconds; got " + warmupMaxS
          + " and " + warmupS);
    }
    return new Options(workloads, threads, warmup, warmupS, jitQuietS, warmupMaxS, iters, budget);
  }

  private static int positive(String opt, String v) {
    int n = integer(opt, v);
    if (n < 1) {
      throw new IllegalArgumentException(opt + " expects an integer >= 1; got " + v);
    }
    return n;
  }

  private static int nonNegative(String opt, String v) {
    int n = integer(opt, v);
    if (n < 0) {
      throw new IllegalArgumentException(opt + " expects an integer >= 0; got " + v);
    }
    return n;
  }

  private static double seconds(String opt, String v) {
    try {
      double s = Double.parseDouble(v);
      if (s >= 0) {
        return s;
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException(opt + " expects a number of seconds >= 0; got '" + v + "'");
  }

  private static int integer(String opt, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + " expects an integer; got '" + v + "'");
    }
  }

  private static String usage() {
    return "usage: DjlBench [--workload NAME ...] [--threads N ...] [--warmup 3] [--warmup-seconds 2]"
        + " [--jit-quiet-seconds 1] [--warmup-max-seconds 60] [--iters 10] [--budget SECONDS]";
  }
}
