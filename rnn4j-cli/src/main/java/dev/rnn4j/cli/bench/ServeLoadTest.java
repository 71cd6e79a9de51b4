package dev.rnn4j.cli.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.serve.ModelInfo;
import dev.rnn4j.serve.ServeConfig;
import dev.rnn4j.serve.Server;
import dev.rnn4j.tensor.Generator;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The {@code rnn4j serve} load test (issue 20): N = 1, 4, 16, 64 concurrent streaming clients against a GRU language
 * model of the benchmark's sizes (vocabulary 100, embedding 256, hidden 512), 200 new tokens each, greedy and sampled,
 * on an in-process server on loopback; the same with batching switched off as the baseline; and the benchmark's
 * {@code greedy_gru_B1_200steps} timed in the same JVM. Every streamed response is checked against the same request
 * served alone. Bounded: a fixed number of requests per level, each with a deadline; the program stops by itself.
 *
 * <p>Run (niced on a shared machine): {@code nice -n 10 java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp
 * rnn4j-cli/target/rnn4j.jar dev.rnn4j.cli.bench.ServeLoadTest [levels, default 1,4,16,64] [requests per level, default
 * 256]}. 256 requests make 16 clients send 16 requests each one after the other: with 32, a level lasted about 0.2 s
 * and its clients' lockstep start and end weighed on the figure as much as the serving did.
 */
public final class ServeLoadTest {
  static final int NEW_TOKENS = 200;
  static final HttpClient HTTP = client();

  static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  }

  private ServeLoadTest() {}

  /** One streamed response as the client saw it. */
  record Stream(String text, int tokens, double ttftMs, double[] gapsMs, String error) {}

  /** The rows of the result table. */
  record Level(String mode, boolean batching, int clients, int requests, double seconds, long tokens, double ttftP50,
      double ttftP99, double gapP50, double gapP99, int errors, int mismatches) {
    double tokensPerSecond() {
      return tokens / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    int[] levels = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray()
        : new int[] {1, 4, 16, 64};
    int perLevel = args.length > 1 ? Integer.parseInt(args[1]) : 256; // requests per level (at least 2 per client)
    StringBuilder chars = new StringBuilder();
    for (char c = 32; c < 127; c++) {
      chars.append(c);
    }
    chars.append('\n');
    List<String> tokens = new ArrayList<>();
    chars.chars().forEach(c -> tokens.add(String.valueOf((char) c)));
    CharTokenizer tok = new CharTokenizer(new Vocabulary(tokens)); // 96 characters + 4 special = 100
    LanguageModelConfig cfg = new LanguageModelConfig("gru", 100, 256, 512, 1, 0, 0);
    if (tok.vocabulary().size() != cfg.vocabSize()) {
      throw new IllegalStateException("vocabulary " + tok.vocabulary().size());
    }
    tokenTexts(tok);
    LanguageModel model = new LanguageModel(cfg, new Generator(0));
    model.eval();

    System.out.println("== greedy_gru_B1_200steps (the benchmark, same JVM)");
    Workload w = new Workloads().build("greedy_gru_B1_200steps");
    Warmup.Result wu = Warmup.run(w.step(), 20, 5, 1, 30);
    double[] t = new double[15];
    for (int i = 0; i < t.length; i++) {
      long t0 = System.nanoTime();
      w.step().run();
      t[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(t);
    double benchStepMs = t[t.length / 2] / 200;
    System.out.printf(Locale.ROOT, "warm-up %d calls %.1f s; median %.2f ms per 200 steps = %.3f ms per step%n",
        wu.calls(), wu.seconds(), t[t.length / 2], benchStepMs);

    System.out.println("== the engine's decoding step alone (no HTTP): one step over B rows");
    System.out.println("   (9 rounds, the row counts taken in turn; medians): the ceiling of what batching can give");
    dev.rnn4j.serve.engine.LmStepper stepper = new dev.rnn4j.serve.engine.LmStepper(model);
    int[] sizes = {1, 4, 16, 64};
    double[][] st = stepMillis(stepper, sizes);
    double stepB1 = 0;
    for (int i = 0; i < sizes.length; i++) {
      int b = sizes[i];
      double ms = st[i][st[i].length / 2];
      if (b == 1) {
        stepB1 = ms;
      }
      System.out.printf(Locale.ROOT, "B=%d: %.3f ms per step (%.3f-%.3f), %.0f rows x steps per second, %.1fx B=1's"
          + " (kernels %s)%n", b, ms, st[i][0], st[i][st[i].length - 1], b / ms * 1000, b / ms / (1 / stepB1),
          stepper.kernelName());
    }

    System.out.println("== the CPU a token's arithmetic needs: the step on one thread, and this machine's FMA peak");
    double[] stepUsPerRow = oneThreadStepMicros(model, sizes);
    for (int i = 0; i < sizes.length; i++) {
      System.out.printf(Locale.ROOT, "B=%d on one thread: %.2f us of CPU per row (median of 9 rounds)%n", sizes[i],
          stepUsPerRow[i]);
    }
    double peak1 = fmaPeakGflops(1);
    double peak2 = fmaPeakGflops(2);
    // Per row and step: the GRU's W_hh (3H x H) and the decoder (V x H); the layer-0 input product is a table lookup
    double flopsPerRow = 2.0 * ((double) 3 * cfg.hiddenSize() * cfg.hiddenSize() + (double) cfg.vocabSize()
        * cfg.hiddenSize());
    double peakUsPerRow = flopsPerRow / (peak1 * 1e3);
    System.out.printf(Locale.ROOT, "FMA peak (Vector API, 12 independent chains): %.0f GFLOP/s on one thread, %.0f on"
        + " two; a row's %.2f MFLOP take %.2f us of one core at that peak%n", peak1, peak2, flopsPerRow / 1e6,
        peakUsPerRow);

    Map<String, double[]> cpuPerToken = new HashMap<>(); // level key -> us of CPU per token, by thread group
    List<Level> rows = new ArrayList<>();
    for (boolean batching : new boolean[] {true, false}) {
      ServeConfig sc = ServeConfig.defaults().withPort(0).withRows(64, 256).withBatching(batching)
          .withTimeouts(Duration.ofSeconds(120), Duration.ofSeconds(5));
      try (Server s = Server.start(model, tok, ModelInfo.inMemory(), sc)) {
        String label = batching ? "batched" : "unbatched";
        System.out.println("== server " + label + " at " + s.url());
        // JIT warm-up through the server: a few rounds of 16 concurrent requests.
        for (int i = 0; i < 3; i++) {
          runLevel(s, "greedy", 16, 1, null);
        }
        for (String mode : new String[] {"greedy", "sample"}) {
          Map<Integer, String> alone = new HashMap<>();
          int maxClients = Arrays.stream(levels).max().orElse(1);
          if (batching) { // references: each distinct request served alone, one at a time
            for (int c = 0; c < maxClients; c++) {
              alone.put(c, runOne(s, body(mode, c, false)).text());
            }
            REFERENCES.put(mode, alone);
          }
          for (int n : levels) {
            int rounds = Math.max(2, perLevel / n);
            Map<Long, long[]> cpu0 = threadCpu();
            Map<String, Double> m0 = engineMetrics(s);
            Level l = runLevel(s, mode, n, rounds, REFERENCES.get(mode));
            double[] cpuNs = cpuSince(cpu0);
            System.out.println("  CPU by thread group: " + describeCpu(cpuNs, l.seconds()));
            double[] perToken = new double[cpuNs.length];
            for (int g = 0; g < cpuNs.length; g++) {
              perToken[g] = cpuNs[g] / 1e3 / l.tokens();
            }
            cpuPerToken.put(key(mode, batching, n), perToken);
            System.out.printf(Locale.ROOT, "  CPU per token: decoder %.1f us, server http %.1f us, load-test clients"
                + " %.1f us, other %.1f us%n", perToken[0], perToken[1], perToken[2], perToken[3]);
            System.out.println("  engine: " + engineSince(m0, engineMetrics(s), l.seconds()));
            rows.add(new Level(mode, batching, n, l.requests(), l.seconds(), l.tokens(), l.ttftP50(), l.ttftP99(),
                l.gapP50(), l.gapP99(), l.errors(), l.mismatches()));
            System.out.println(format(rows.get(rows.size() - 1), rows));
          }
        }
        if (batching) {
          System.out.println("== idle CPU of the process after serving (10 s window, server up, no requests)");
          Thread.sleep(2000);
          var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
          long c0 = os.getProcessCpuTime();
          long w0 = System.nanoTime();
          Thread.sleep(10_000);
          double cpu = (os.getProcessCpuTime() - c0) / (double) (System.nanoTime() - w0);
          System.out.printf(Locale.ROOT, "idle: %.2f%% of one core%n", 100 * cpu);
        }
      }
    }
    System.out.println();
    System.out.println("| mode | server | clients | requests | tokens/s | x 1 client | TTFT p50 / p99 ms | inter-token p50 / p99 ms | errors | mismatches |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Level l : rows) {
      System.out.println(format(l, rows));
    }
    System.out.println();
    for (String mode : new String[] {"greedy", "sample"}) {
      Level one = find(rows, mode, true, 1);
      Level b16 = find(rows, mode, true, 16);
      Level u16 = find(rows, mode, false, 16);
      Level b64 = find(rows, mode, true, 64);
      if (one != null) {
        double perToken = one.seconds() * 1000 / one.tokens();
        System.out.printf(Locale.ROOT, "%s: one client %.3f ms per token vs greedy_gru_B1_200steps %.3f ms per step: %.2fx (target <= 1.3x)%n",
            mode, perToken, benchStepMs, perToken / benchStepMs);
      }
      if (one != null && b16 != null && u16 != null) {
        System.out.printf(Locale.ROOT, "%s: 16 clients %.1fx one client (target >= 5x), %.1fx unbatched (target >= 4x), p99 inter-token %.1fx one client's (target <= 3x)%n",
            mode, b16.tokensPerSecond() / one.tokensPerSecond(), b16.tokensPerSecond() / u16.tokensPerSecond(),
            b16.gapP99() / one.gapP99());
      }
      if (one != null && b64 != null) {
        System.out.printf(Locale.ROOT, "%s: 64 clients %.1fx one client (target >= 8x), %d errors, %d mismatches%n",
            mode, b64.tokensPerSecond() / one.tokensPerSecond(), b64.errors(), b64.mismatches());
      }
      for (int[] target : new int[][] {{16, 5}, {64, 8}}) {
        Level b = find(rows, mode, true, target[0]);
        int i = Arrays.binarySearch(sizes, target[0]);
        if (one != null && b != null && i >= 0) {
          budget(mode, target[0], target[1], one.tokensPerSecond(), cpuPerToken.get(key(mode, true, target[0])),
              stepUsPerRow[i], peakUsPerRow);
        }
      }
    }
    System.exit(0);
  }

  static final Map<String, Map<Integer, String>> REFERENCES = new HashMap<>();

  /** Thread CPU at the end of the last level, taken before its client threads ended. */
  static volatile Map<Long, long[]> LAST_CLIENT_CPU;

  /** Per live thread: id to {CPU nanoseconds, group}; groups as in {@link #group}. */
  static Map<Long, long[]> threadCpu() {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<Long, long[]> m = new HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      long ns = mx.getThreadCpuTime(t.getId());
      if (ns >= 0) {
        m.put(t.getId(), new long[] {ns, group(t.getName())});
      }
    }
    return m;
  }

  static final String[] GROUPS = {"decoder", "server http", "load-test clients", "JIT/GC/other"};

  static int group(String name) {
    if (name.equals("rnn4j-serve-decoder") || name.startsWith("rnn4j-worker")) {
      return 0;
    }
    if (name.startsWith("rnn4j-serve-http")) {
      return 1;
    }
    if (name.startsWith("pool-") || name.startsWith("HttpClient")) {
      return 2;
    }
    return 3;
  }

  /** CPU nanoseconds each thread group used since {@code before} (to the end of the last level). */
  static double[] cpuSince(Map<Long, long[]> before) {
    double[] ns = new double[GROUPS.length];
    for (Map.Entry<Long, long[]> e : LAST_CLIENT_CPU.entrySet()) {
      long[] b = before.get(e.getKey());
      ns[(int) e.getValue()[1]] += e.getValue()[0] - (b == null ? 0 : b[0]);
    }
    return ns;
  }

  /** {@code ns} by thread group as cores over a level of {@code seconds}. */
  static String describeCpu(double[] ns, double seconds) {
    StringBuilder sb = new StringBuilder();
    double total = 0;
    for (int g = 0; g < GROUPS.length; g++) {
      total += ns[g];
      sb.append(String.format(Locale.ROOT, "%s %.2f, ", GROUPS[g], ns[g] / 1e9 / seconds));
    }
    return sb.append(String.format(Locale.ROOT, "total %.2f cores", total / 1e9 / seconds)).toString();
  }

  static String key(String mode, boolean batching, int n) {
    return mode + (batching ? " batched " : " unbatched ") + n;
  }

  /**
   * The CPU budget of a throughput target on this machine: {@code times} x one client's tokens/s leaves {@code cores /
   * tokens/s} of CPU per token for everything. Printed against what a token cost at that level: the step's arithmetic
   * at the FMA peak (no code does better), the step as it runs on one thread (no split-over-threads overhead), and
   * the load-test clients' and the server's HTTP threads' CPU per token as measured. When even the FMA peak plus the
   * clients alone exceed the budget, no server code can meet the target here.
   */
  static void budget(String mode, int clients, int times, double oneClient, double[] usPerToken, double stepUs,
      double peakUs) {
    int cores = Runtime.getRuntime().availableProcessors();
    double need = times * oneClient;
    double budgetUs = cores * 1e6 / need;
    double clientsUs = usPerToken[2];
    double httpUs = usPerToken[1];
    System.out.printf(Locale.ROOT, "%s: CPU budget at %d clients: %dx one client = %.0f tokens/s leaves %.1f us of CPU"
        + " per token on %d cores; the step at the FMA peak needs %.1f us (as it runs, on one thread: %.1f us), the"
        + " load-test clients used %.1f us and the server's HTTP threads %.1f us per token%n", mode, clients, times, need,
        budgetUs, cores, peakUs, stepUs, clientsUs, httpUs);
    double floor = peakUs + clientsUs;
    double asRuns = stepUs + clientsUs + httpUs;
    System.out.printf(Locale.ROOT, "%s:   at most %.1fx one client with the step at FMA peak and HTTP free (%.1f us per"
        + " token), %.1fx with the step as it runs and HTTP as measured (%.1f us)%s%n", mode,
        cores * 1e6 / floor / oneClient, floor, cores * 1e6 / asRuns / oneClient, asRuns,
        floor > budgetUs ? ": out of reach on this machine" : "");
  }

  /**
   * Milliseconds per step of {@code stepper} at each of {@code sizes} rows: after a warm-up, 9 rounds that take the row
   * counts in turn (so a slow spell of a shared machine touches them all alike); each row count's 9 times sorted.
   */
  static double[][] stepMillis(dev.rnn4j.serve.engine.LmStepper stepper, int[] sizes) {
    dev.rnn4j.serve.engine.LmStepper.Rows[] rs = new dev.rnn4j.serve.engine.LmStepper.Rows[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      rs[i] = stepper.newRows(sizes[i]);
      for (int k = 0; k < 300; k++) {
        stepper.step(rs[i], new int[sizes[i]], sizes[i]);
      }
    }
    double[][] st = new double[sizes.length][9];
    for (int round = 0; round < 9; round++) {
      for (int i = 0; i < sizes.length; i++) {
        int b = sizes[i];
        int[] feed = new int[b];
        int reps = Math.max(20, 400 / b);
        long t0 = System.nanoTime();
        for (int k = 0; k < reps; k++) {
          stepper.step(rs[i], feed, b);
        }
        st[i][round] = (System.nanoTime() - t0) / 1e6 / reps;
      }
    }
    for (double[] times : st) {
      Arrays.sort(times);
    }
    return st;
  }

  /** Microseconds of one thread per row of an engine step at each of {@code sizes} rows (medians of 9 rounds). */
  static double[] oneThreadStepMicros(LanguageModel model, int[] sizes) {
    dev.rnn4j.serve.engine.LmStepper one;
    try (dev.rnn4j.util.ThreadTeam team = new dev.rnn4j.util.ThreadTeam(1);
        dev.rnn4j.util.ThreadTeam.Scope scope = team.use()) {
      one = new dev.rnn4j.serve.engine.LmStepper(model); // takes the team it is built in: this one-thread team
    }
    double[][] st = stepMillis(one, sizes);
    double[] med = new double[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      med[i] = st[i][st[i].length / 2] * 1e3 / sizes[i];
    }
    return med;
  }

  /**
   * Fused multiply-adds per second on {@code threads} threads at once (GFLOP/s, two per FMA), best of three 0.3 s runs:
   * twelve independent chains of vector FMAs per thread, enough to keep the FMA units busy through their latency.
   */
  static double fmaPeakGflops(int threads) throws InterruptedException {
    for (int i = 0; i < 20; i++) { // fmaBlock compiled by C2 before it is timed
      fmaChains(System.nanoTime() + 10_000_000);
    }
    double best = 0;
    for (int run = 0; run < 3; run++) {
      long[] iterations = new long[threads];
      Thread[] ts = new Thread[threads];
      long t0 = System.nanoTime();
      for (int i = 0; i < threads; i++) {
        int id = i;
        ts[i] = new Thread(() -> iterations[id] = fmaChains(t0 + 300_000_000L));
        ts[i].start();
      }
      for (Thread t : ts) {
        t.join();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long total = 0;
      for (long n : iterations) {
        total += n;
      }
      best = Math.max(best, total * 12.0 * dev.rnn4j.tensor.kernel.Species.FLOAT.length() * 2 / seconds / 1e9);
    }
    return best;
  }

  static volatile float sink;

  /** Runs {@link #fmaBlock} until {@code until}; returns the iterations done (each twelve vector FMAs). */
  static long fmaChains(long until) {
    int lanes = dev.rnn4j.tensor.kernel.Species.FLOAT.length();
    float[] state = new float[12 * lanes];
    java.util.Arrays.fill(state, 1f);
    long n = 0;
    do {
      fmaBlock(state);
      n += FMA_BLOCK;
    } while (System.nanoTime() < until);
    float s = 0;
    for (float v : state) {
      s += v;
    }
    sink = s;
    return n;
  }

  static final int FMA_BLOCK = 4096;

  /**
   * Twelve independent chains of {@link #FMA_BLOCK} vector FMAs each, their values in and out through {@code state}:
   * a method called many times, so that C2 compiles it whole (vectors live across an on-stack replacement are boxed).
   */
  static void fmaBlock(float[] state) {
    var f = dev.rnn4j.tensor.kernel.Species.FLOAT;
    int l = f.length();
    var x = jdk.incubator.vector.FloatVector.broadcast(f, 0.999999f);
    var y = jdk.incubator.vector.FloatVector.broadcast(f, 1e-7f);
    var a0 = jdk.incubator.vector.FloatVector.fromArray(f, state, 0);
    var a1 = jdk.incubator.vector.FloatVector.fromArray(f, state, l);
    var a2 = jdk.incubator.vector.FloatVector.fromArray(f, state, 2 * l);
    var a3 = jdk.incubator.vector.FloatVector.fromArray(f, state, 3 * l);
    var a4 = jdk.incubator.vector.FloatVector.fromArray(f, state, 4 * l);
    var a5 = jdk.incubator.vector.FloatVector.fromArray(f, state, 5 * l);
    var a6 = jdk.incubator.vector.FloatVector.fromArray(f, state, 6 * l);
    var a7 = jdk.incubator.vector.FloatVector.fromArray(f, state, 7 * l);
    var a8 = jdk.incubator.vector.FloatVector.fromArray(f, state, 8 * l);
    var a9 = jdk.incubator.vector.FloatVector.fromArray(f, state, 9 * l);
    var a10 = jdk.incubator.vector.FloatVector.fromArray(f, state, 10 * l);
    var a11 = jdk.incubator.vector.FloatVector.fromArray(f, state, 11 * l);
    for (int i = 0; i < FMA_BLOCK; i++) {
      a0 = a0.fma(x, y);
      a1 = a1.fma(x, y);
      a2 = a2.fma(x, y);
      a3 = a3.fma(x, y);
      a4 = a4.fma(x, y);
      a5 = a5.fma(x, y);
      a6 = a6.fma(x, y);
      a7 = a7.fma(x, y);
      a8 = a8.fma(x, y);
      a9 = a9.fma(x, y);
      a10 = a10.fma(x, y);
      a11 = a11.fma(x, y);
    }
    a0.intoArray(state, 0);
    a1.intoArray(state, l);
    a2.intoArray(state, 2 * l);
    a3.intoArray(state, 3 * l);
    a4.intoArray(state, 4 * l);
    a5.intoArray(state, 5 * l);
    a6.intoArray(state, 6 * l);
    a7.intoArray(state, 7 * l);
    a8.intoArray(state, 8 * l);
    a9.intoArray(state, 9 * l);
    a10.intoArray(state, 10 * l);
    a11.intoArray(state, 11 * l);
  }

  static Level find(List<Level> rows, String mode, boolean batching, int n) {
    return rows.stream().filter(l -> l.mode().equals(mode) && l.batching() == batching && l.clients() == n)
        .findFirst().orElse(null);
  }

  static String format(Level l, List<Level> rows) {
    Level one = find(rows, l.mode(), true, 1);
    String rel = one == null ? "-" : String.format(Locale.ROOT, "%.1f", l.tokensPerSecond() / one.tokensPerSecond());
    return String.format(Locale.ROOT, "| %s | %s | %d | %d | %.0f | %s | %.1f / %.1f | %.2f / %.2f | %d | %d |",
        l.mode(), l.batching() ? "batched" : "unbatched", l.clients(), l.requests(), l.tokensPerSecond(), rel,
        l.ttftP50(), l.ttftP99(), l.gapP50(), l.gapP99(), l.errors(), l.mismatches());
  }

  static String body(String mode, int client, boolean stream) {
    JsonObject o = new JsonObject();
    o.addProperty("prompt", "client " + client + " says:");
    o.addProperty("max_new_tokens", NEW_TOKENS);
    o.addProperty("strategy", mode);
    o.addProperty("seed", 1000 + client);
    o.addProperty("ignore_eos", true);
    o.addProperty("stream", stream);
    return o.toString();
  }

  /** {@code n} clients, each sending {@code rounds} streaming requests one after the other. */
  static Level runLevel(Server s, String mode, int n, int rounds, Map<Integer, String> reference) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<Stream>>> futures = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      int client = c;
      futures.add(pool.submit(() -> {
        go.await();
        List<Stream> out = new ArrayList<>();
        Conn conn = new Conn();
        for (int r = 0; r < rounds; r++) {
          out.add(runStream(conn, s, body(mode, client, true)));
        }
        conn.close();
        return out;
      }));
    }
    long t0 = System.nanoTime();
    go.countDown();
    List<Double> ttft = new ArrayList<>();
    List<Double> gaps = new ArrayList<>();
    long tokens = 0;
    int errors = 0;
    int mismatches = 0;
    int requests = 0;
    for (int c = 0; c < n; c++) {
      for (Stream st : futures.get(c).get(300, TimeUnit.SECONDS)) {
        requests++;
        if (st.error() != null) {
          errors++;
          System.out.println("  error: " + st.error());
          continue;
        }
        tokens += st.tokens();
        ttft.add(st.ttftMs());
        for (double g : st.gapsMs()) {
          gaps.add(g);
        }
        if (reference != null && !st.text().equals(reference.get(c))) {
          mismatches++;
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    LAST_CLIENT_CPU = threadCpu(); // before the pool's threads end, so their time is counted
    pool.shutdownNow();
    return new Level(mode, true, n, requests, seconds, tokens, pct(ttft, 50), pct(ttft, 99), pct(gaps, 50),
        pct(gaps, 99), errors, mismatches);
  }

  static double pct(List<Double> xs, double p) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a[Math.min(a.length - 1, (int) Math.ceil(p / 100 * a.length) - 1)];
  }

  /**
   * One streaming request on {@code conn} (a kept-alive loopback connection, reopened when needed), read with a
   * blocking socket and minimal parsing so the clients cost the shared cores little: HTTP/1.1 chunked framing, SSE
   * lines as bytes. Every token event is still checked whole: its id is parsed, and the rest of its data line must be
   * exactly {@code ,"text":<the JSON string of that token's piece>}}; the ids' text must equal the final event's
   * {@code text} (parsed with Gson, once per request), and the caller compares it with the request served alone.
   */
  static Stream runStream(Conn conn, Server s, String body) {
    try {
      long t0 = System.nanoTime();
      SseReader in = conn.post(s, body);
      if (in.status != 200) {
        String err = "HTTP " + in.status + ": " + in.readAll();
        conn.close();
        return new Stream("", 0, 0, new double[0], err);
      }
      StringBuilder text = new StringBuilder();
      double[] gaps = new double[NEW_TOKENS];
      int n = 0;
      long last = -1;
      double ttft = -1;
      String doneText = null;
      for (int kind; (kind = in.nextData()) != SseReader.END; ) {
        if (kind == SseReader.TOKEN) {
          int id = in.tokenId(TOKEN_TAILS);
          if (id < 0) {
            conn.close();
            return new Stream(text.toString(), n, ttft, new double[0], "malformed token event: "
                + new String(in.line, 0, in.lineLength, StandardCharsets.UTF_8));
          }
          text.append(TOKEN_PIECES[id]);
          long now = in.readAt;
          if (last < 0) {
            ttft = (now - t0) / 1e6;
          } else if (n - 1 < gaps.length) {
            gaps[n - 1] = (now - last) / 1e6;
          }
          last = now;
          n++;
        } else if (kind == SseReader.DONE) {
          doneText = JsonParser.parseString(in.data()).getAsJsonObject().get("text").getAsString();
        }
      }
      if (doneText == null || !doneText.equals(text.toString()) || n != NEW_TOKENS) {
        conn.close();
        return new Stream(text.toString(), n, ttft, new double[0], "stream incomplete or inconsistent: " + n
            + " tokens, done event " + (doneText != null) + (doneText != null && !doneText.equals(text.toString())
            ? ", its text differs from the token events'" : ""));
      }
      return new Stream(text.toString(), n, ttft, Arrays.copyOf(gaps, n - 1), null);
    } catch (Exception e) {
      conn.close();
      return new Stream("", 0, 0, new double[0], e.toString());
    }
  }

  /** Token id to piece, and to the rest of its event's data line after the id; set from the tokenizer in main. */
  static String[] TOKEN_PIECES;
  static byte[][] TOKEN_TAILS;

  static void tokenTexts(CharTokenizer tok) {
    int v = tok.vocabulary().size();
    TOKEN_PIECES = new String[v];
    TOKEN_TAILS = new byte[v][];
    for (int id = 0; id < v; id++) {
      TOKEN_PIECES[id] = tok.piece(id);
      TOKEN_TAILS[id] = (",\"text\":" + new com.google.gson.JsonPrimitive(TOKEN_PIECES[id]) + "}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  /** One simulated user's HTTP/1.1 connection, kept alive across its requests. */
  static final class Conn {
    private java.net.Socket socket;
    private SseReader reader;

    SseReader post(Server s, String body) throws java.io.IOException {
      if (socket == null || reader.closeAfter) {
        close();
        socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), s.port());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(120_000);
        reader = new SseReader(socket.getInputStream());
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      String head = "POST /v1/generate HTTP/1.1\r\nHost: 127.0.0.1:" + s.port() + "\r\nContent-Type: application/json"
          + "\r\nAccept: text/event-stream\r\nContent-Length: " + b.length + "\r\n\r\n";
      java.io.OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(b);
      out.flush();
      reader.readHead();
      return reader;
    }

    void close() {
      if (socket != null) {
        try {
          socket.close();
        } catch (java.io.IOException e) {
          // closing a loopback socket the test is done with: nothing to do
        }
        socket = null;
      }
    }
  }

  /**
   * Reads one HTTP/1.1 response (chunked or with a length) from a socket's bytes and its body as SSE lines, without
   * copying the body into strings except for the final event.
   */
  static final class SseReader {
    static final int END = 0, TOKEN = 1, DONE = 2, OTHER = 3;
    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TOKEN_HEAD = "data: {\"index\":0,\"id\":".getBytes(StandardCharsets.US_ASCII);
    private final java.io.InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private int pos, lim;
    byte[] line = new byte[1 << 12];
    int lineLength;
    /** When the socket read that completed the current line returned. */
    long readAt;
    int status;
    boolean closeAfter;
    private boolean chunked;
    private long left; // bytes left in the current chunk, or in the body when it has a length
    private boolean bodyDone;
    private int event;

    SseReader(java.io.InputStream in) {
      this.in = in;
    }

    private int fill() throws java.io.IOException {
      int r = in.read(buf, 0, buf.length);
      if (r <= 0) {
        throw new java.io.EOFException("the server closed the connection mid-response");
      }
      readAt = System.nanoTime();
      pos = 0;
      lim = r;
      return r;
    }

    private int rawByte() throws java.io.IOException {
      if (pos == lim) {
        fill();
      }
      return buf[pos++] & 0xff;
    }

    private String rawLine() throws java.io.IOException {
      StringBuilder sb = new StringBuilder();
      for (int c; (c = rawByte()) != '\n'; ) {
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      return sb.toString();
    }

    void readHead() throws java.io.IOException {
      String statusLine = rawLine();
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new java.io.IOException("not an HTTP/1.x status line: " + statusLine);
      }
      status = Integer.parseInt(parts[1]);
      chunked = false;
      left = -1;
      closeAfter = false;
      for (String h; !(h = rawLine()).isEmpty(); ) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("content-length:")) {
          left = Long.parseLong(lower.substring(15).trim());
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          closeAfter = true;
        }
      }
      if (!chunked && left < 0) {
        closeAfter = true; // the body ends when the connection does
      }
      bodyDone = !chunked && left == 0;
      if (chunked) {
        left = 0;
      }
      event = OTHER;
    }

    /** The next body byte, or -1 at the end of the body. */
    private int bodyByte() throws java.io.IOException {
      if (bodyDone) {
        return -1;
      }
      if (chunked && left == 0) {
        String size = rawLine();
        if (size.isEmpty()) {
          size = rawLine(); // the CRLF that ends the previous chunk
        }
        int semi = size.indexOf(';');
        left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
        if (left == 0) {
          while (!rawLine().isEmpty()) { // trailers, then the blank line
          }
          bodyDone = true;
          return -1;
        }
      }
      if (!chunked && left < 0) { // delimited by the connection's end
        if (pos == lim) {
          int r = in.read(buf, 0, buf.length);
          if (r <= 0) {
            bodyDone = true;
            return -1;
          }
          readAt = System.nanoTime();
          pos = 0;
          lim = r;
        }
        return buf[pos++] & 0xff;
      }
      int b = rawByte();
      left--;
      if (!chunked && left == 0) {
        bodyDone = true;
      }
      return b;
    }

    /** Reads SSE lines up to the next data line; returns its event's kind ({@link #END} at the body's end). */
    int nextData() throws java.io.IOException {
      while (true) {
        lineLength = 0;
        int c;
        while ((c = bodyByte()) >= 0 && c != '\n') {
          if (lineLength == line.length) {
            line = Arrays.copyOf(line, 2 * line.length);
          }
          line[lineLength++] = (byte) c;
        }
        if (c < 0 && lineLength == 0) {
          return END;
        }
        if (startsWith(EVENT)) {
          String name = new String(line, EVENT.length, lineLength - EVENT.length, StandardCharsets.US_ASCII);
          event = name.equals("token") ? TOKEN : name.equals("done") ? DONE : OTHER;
        } else if (startsWith(DATA)) {
          int kind = event;
          event = OTHER;
          return kind;
        }
      }
    }

    private boolean startsWith(byte[] p) {
      return lineLength >= p.length && Arrays.equals(line, 0, p.length, p, 0, p.length);
    }

    /** The current data line's JSON. */
    String data() {
      return new String(line, DATA.length, lineLength - DATA.length, StandardCharsets.UTF_8);
    }

    /**
     * The id of the current token event, {@code data: {"index":0,"id":ID,"text":...}}, when the rest of the line is
     * exactly {@code tails[ID]}; else -1.
     */
    int tokenId(byte[][] tails) {
      if (!startsWith(TOKEN_HEAD)) {
        return -1;
      }
      int i = TOKEN_HEAD.length;
      int id = 0;
      int digits = 0;
      while (i < lineLength && line[i] >= '0' && line[i] <= '9' && digits < 9) {
        id = id * 10 + (line[i++] - '0');
        digits++;
      }
      if (digits == 0 || id >= tails.length) {
        return -1;
      }
      byte[] t = tails[id];
      return lineLength - i == t.length && Arrays.equals(line, i, lineLength, t, 0, t.length) ? id : -1;
    }

    /** The rest of the body as text (error responses). */
    String readAll() throws java.io.IOException {
      java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
      for (int c; (c = bodyByte()) >= 0; ) {
        o.write(c);
      }
      return o.toString(StandardCharsets.UTF_8);
    }
  }

  /** The engine's step and batch-size sums and counts from the server's {@code /metrics}. */
  static Map<String, Double> engineMetrics(Server s) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(s.url() + "/metrics")).timeout(Duration.ofSeconds(30)).build();
    String body = HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> m = new HashMap<>();
    for (String line : body.split("\n")) {
      for (String name : new String[] {"rnn4j_step_seconds_sum", "rnn4j_step_seconds_count", "rnn4j_batch_size_sum"}) {
        if (line.startsWith(name + " ")) {
          m.put(name, Double.parseDouble(line.substring(name.length() + 1).trim()));
        }
      }
    }
    return m;
  }

  /**
   * What the decoding thread did during a level: steps, mean rows per step, mean step time, and the share of the level
   * spent stepping (the rest went to reading prompts, emitting tokens, and waiting for work).
   */
  static String engineSince(Map<String, Double> a, Map<String, Double> b, double seconds) {
    double steps = b.getOrDefault("rnn4j_step_seconds_count", 0.0) - a.getOrDefault("rnn4j_step_seconds_count", 0.0);
    double stepSeconds = b.getOrDefault("rnn4j_step_seconds_sum", 0.0) - a.getOrDefault("rnn4j_step_seconds_sum", 0.0);
    double rows = b.getOrDefault("rnn4j_batch_size_sum", 0.0) - a.getOrDefault("rnn4j_batch_size_sum", 0.0);
    return String.format(Locale.ROOT, "%.0f steps, %.1f rows per step, %.3f ms per step, stepping %.0f%% of the level",
        steps, rows / Math.max(1, steps), stepSeconds * 1000 / Math.max(1, steps), 100 * stepSeconds / seconds);
  }

  static Stream runOne(Server s, String body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(s.url() + "/v1/generate")).timeout(Duration.ofSeconds(120))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("reference request failed: " + r.statusCode() + " " + r.body());
    }
    return new Stream(JsonParser.parseString(r.body()).getAsJsonObject().get("text").getAsString(), NEW_TOKENS, 0,
        new double[0], null);
  }
}
