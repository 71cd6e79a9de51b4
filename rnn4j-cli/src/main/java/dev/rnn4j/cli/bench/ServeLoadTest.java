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
import java.io.BufferedReader;
import java.io.InputStreamReader;
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
 * rnn4j-cli/target/rnn4j.jar dev.rnn4j.cli.bench.ServeLoadTest [levels, default 1,4,16,64]}.
 */
public final class ServeLoadTest {
  static final int NEW_TOKENS = 200;
  static final HttpClient HTTP = client();
  /** One HTTP client per simulated user: one shared client's single selector thread would be the bottleneck. */
  static final List<HttpClient> CLIENTS = new ArrayList<>();

  static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  }

  static synchronized HttpClient clientFor(int c) {
    while (CLIENTS.size() <= c) {
      CLIENTS.add(client());
    }
    return CLIENTS.get(c);
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
    dev.rnn4j.serve.engine.LmStepper stepper = new dev.rnn4j.serve.engine.LmStepper(model);
    double stepB1 = 0;
    for (int b : new int[] {1, 4, 16, 64}) {
      dev.rnn4j.serve.engine.LmStepper.Rows rs = stepper.newRows(b);
      int[] feed = new int[b];
      for (int i = 0; i < 300; i++) {
        stepper.step(rs, feed, b);
      }
      double[] st = new double[9];
      for (int k = 0; k < st.length; k++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
          stepper.step(rs, feed, b);
        }
        st[k] = (System.nanoTime() - t0) / 1e6 / 100;
      }
      Arrays.sort(st);
      double ms = st[st.length / 2];
      if (b == 1) {
        stepB1 = ms;
      }
      System.out.printf(Locale.ROOT, "B=%d: %.3f ms per step, %.0f rows x steps per second, %.1fx B=1's (kernels %s)%n",
          b, ms, b / ms * 1000, b / ms / (1 / stepB1), stepper.kernelName());
    }

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
            int rounds = Math.max(2, 32 / n);
            Level l = runLevel(s, mode, n, rounds, REFERENCES.get(mode));
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
    }
    System.exit(0);
  }

  static final Map<String, Map<Integer, String>> REFERENCES = new HashMap<>();

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
        for (int r = 0; r < rounds; r++) {
          out.add(runStream(clientFor(client), s, body(mode, client, true)));
        }
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

  static Stream runStream(HttpClient http, Server s, String body) {
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create(s.url() + "/v1/generate")).timeout(Duration.ofSeconds(120))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      long t0 = System.nanoTime();
      HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        return new Stream("", 0, 0, new double[0], "HTTP " + r.statusCode() + ": " + new String(r.body().readAllBytes(),
            StandardCharsets.UTF_8));
      }
      StringBuilder text = new StringBuilder();
      List<Double> gaps = new ArrayList<>();
      long last = -1;
      double ttft = -1;
      String event = null;
      String doneText = null;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ")) {
            long now = System.nanoTime();
            JsonObject d = JsonParser.parseString(line.substring(6)).getAsJsonObject();
            if ("token".equals(event)) {
              text.append(d.get("text").getAsString());
              if (last < 0) {
                ttft = (now - t0) / 1e6;
              } else {
                gaps.add((now - last) / 1e6);
              }
              last = now;
            } else if ("done".equals(event)) {
              doneText = d.get("text").getAsString();
            }
          }
        }
      }
      int n = gaps.size() + (last < 0 ? 0 : 1);
      if (doneText == null || !doneText.equals(text.toString()) || n != NEW_TOKENS) {
        return new Stream(text.toString(), n, ttft, new double[0], "stream incomplete or inconsistent: " + n
            + " tokens, done event " + (doneText != null));
      }
      return new Stream(text.toString(), n, ttft, gaps.stream().mapToDouble(Double::doubleValue).toArray(), null);
    } catch (Exception e) {
      return new Stream("", 0, 0, new double[0], e.toString());
    }
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
