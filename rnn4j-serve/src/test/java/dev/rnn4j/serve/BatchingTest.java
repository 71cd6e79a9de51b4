package dev.rnn4j.serve;

import static dev.rnn4j.serve.TestServers.events;
import static dev.rnn4j.serve.TestServers.get;
import static dev.rnn4j.serve.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.serve.TestServers.Response;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching seen from outside: seeded requests give the same text alone or sharing steps, the queue bound
 * gives 429, a disconnected client's row is freed, deadlines end requests, and stop() lets in-flight requests finish.
 */
class BatchingTest {
  private static String request(int seed, boolean sample, int tokens) {
    return "{\"prompt\": \"the " + (char) ('a' + seed % 26) + "\", \"max_new_tokens\": " + tokens + ", \"strategy\": \""
        + (sample ? "sample" : "greedy") + "\", \"seed\": " + seed + ", \"temperature\": 1.3, \"ignore_eos\": true}";
  }

  @Test
  void seededRequestsGiveTheSameTextWhateverSharesTheBatch() throws Exception {
    try (Server s = TestServers.start(ServeConfig.defaults().withRows(16, 64))) {
      int n = 12;
      List<String> alone = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        alone.add(post(s, "/v1/generate", request(i, i % 3 != 0, 60)).json().get("text").getAsString());
      }
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try {
        for (int round = 0; round < 2; round++) {
          List<Future<Response>> together = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            int seed = round == 0 ? i : n - 1 - i; // a different arrival order the second time
            together.add(pool.submit(() -> post(s, "/v1/generate", request(seed, seed % 3 != 0, 60))));
          }
          for (int i = 0; i < n; i++) {
            int seed = round == 0 ? i : n - 1 - i;
            assertEquals(alone.get(seed), together.get(i).get().json().get("text").getAsString(),
                "request with seed " + seed + " alone vs among " + n + " (round " + round + ")");
          }
        }
      } finally {
        pool.shutdownNow();
      }
      String metrics = get(s, "/metrics").body();
      assertTrue(metrics.contains("rnn4j_batch_size_max"), metrics);
      double maxBatch = Double.parseDouble(metrics.lines().filter(l -> l.startsWith("rnn4j_batch_size_max"))
          .findFirst().orElseThrow().split(" ")[1]);
      assertTrue(maxBatch > 1, "concurrent requests should have shared a step; largest batch " + maxBatch);
      waitIdle(s);
    }
  }

  @Test
  void fullQueueIs429WithRetryAfter() throws Exception {
    try (Server s = Server.start(TestServers.model("gru", 512), TestServers.TOKENIZER, ModelInfo.inMemory(),
        ServeConfig.defaults().withPort(0).withRows(1, 1).withLimits(100_000, 64, 4096)
            .withTimeouts(Duration.ofSeconds(60), Duration.ofMillis(200)))) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        String longOne = "{\"prompt\": \"a\", \"max_new_tokens\": 100000, \"ignore_eos\": true, \"timeout_ms\": 20000}";
        Future<Response> a = pool.submit(() -> post(s, "/v1/generate", longOne));
        waitFor(s, "\"active_rows\":1");
        Future<Response> b = pool.submit(() -> post(s, "/v1/generate", longOne));
        waitFor(s, "\"queued\":1");
        Response c = post(s, "/v1/generate", "{\"prompt\": \"a\", \"max_new_tokens\": 1}");
        assertEquals(429, c.status(), c.body());
        assertEquals("queue_full", c.json().getAsJsonObject("error").get("code").getAsString());
        assertEquals("1", c.raw().headers().firstValue("Retry-After").orElse(null));
        s.stop(); // cancels the two long ones after the grace period
        assertTrue(a.get().status() == 200 && b.get().status() >= 200);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** Rows leave right after their last event is handed on: wait a moment for the engine to drop them. */
  private static void waitIdle(Server s) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (s.activeRows() != 0) {
      assertTrue(System.nanoTime() < until, "rows never left the batch: " + s.activeRows());
      Thread.sleep(1);
    }
  }

  private static void waitFor(Server s, String healthPart) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!get(s, "/health").body().contains(healthPart)) {
      assertTrue(System.nanoTime() < until, "health never showed " + healthPart);
      Thread.sleep(5);
    }
  }

  @Test
  void disconnectedClientFreesItsRow() throws Exception {
    try (Server s = Server.start(TestServers.model("gru", 512), TestServers.TOKENIZER, ModelInfo.inMemory(),
        ServeConfig.defaults().withPort(0).withLimits(100_000, 64, 4096))) {
      HttpRequest req = HttpRequest.newBuilder(URI.create(s.url() + "/v1/generate"))
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"prompt\": \"a\", \"max_new_tokens\": 100000, \"ignore_eos\": true, \"stream\": true}"))
          .build();
      HttpResponse<InputStream> r = TestServers.CLIENT.send(req, HttpResponse.BodyHandlers.ofInputStream());
      InputStream in = r.body();
      assertTrue(in.read(new byte[64]) > 0, "the stream started");
      // the stream opens (headers flushed) before the engine's next step takes the row in: wait for it
      long joined = System.nanoTime();
      while (s.activeRows() != 1) {
        assertTrue(System.nanoTime() - joined < Duration.ofSeconds(10).toNanos(), "the row never joined the batch");
        Thread.sleep(1);
      }
      long t0 = System.nanoTime();
      in.close(); // the client goes away mid-stream
      while (s.activeRows() != 0) {
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "the row was never freed");
        Thread.sleep(2);
      }
      String metrics = get(s, "/metrics").body();
      assertTrue(metrics.contains("rnn4j_requests_total{endpoint=\"generate\",outcome=\"cancelled\"} 1"), metrics);
    }
  }

  @Test
  void deadlineEndsARequest() throws Exception {
    try (Server s = Server.start(TestServers.model("gru", 512), TestServers.TOKENIZER, ModelInfo.inMemory(),
        ServeConfig.defaults().withPort(0).withLimits(100_000, 64, 4096))) {
      Response r = post(s, "/v1/generate",
          "{\"prompt\": \"a\", \"max_new_tokens\": 100000, \"ignore_eos\": true, \"timeout_ms\": 300}");
      assertEquals(200, r.status(), r.body());
      assertEquals("timeout", r.json().get("finish_reason").getAsString());
      int tokens = r.json().getAsJsonObject("timings").get("tokens").getAsInt();
      assertTrue(tokens > 0 && tokens < 100000, "tokens " + tokens);
      waitIdle(s);
    }
  }

  @Test
  void stopFinishesInFlightRequestsAndRefusesNewOnes() throws Exception {
    Server s = Server.start(TestServers.model("gru", 128), TestServers.TOKENIZER, ModelInfo.inMemory(),
        ServeConfig.defaults().withPort(0).withLimits(100_000, 64, 4096)
            .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30)));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Response> inFlight = pool.submit(() -> post(s, "/v1/generate",
          "{\"prompt\": \"a\", \"max_new_tokens\": 400, \"ignore_eos\": true, \"stream\": true}"));
      waitFor(s, "\"active_rows\":1");
      Future<Boolean> stopped = pool.submit(s::stop);
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      Response refused = null;
      while (refused == null && !stopped.isDone() && System.nanoTime() < until) {
        try {
          Response h = get(s, "/health");
          if (h.status() == 503) {
            refused = post(s, "/v1/generate", "{\"prompt\": \"a\", \"max_new_tokens\": 1}");
          }
        } catch (java.io.IOException gone) {
          break; // already stopped listening: refused too
        }
      }
      if (refused != null) {
        assertEquals(503, refused.status(), refused.body());
        assertEquals("shutting_down", refused.json().getAsJsonObject("error").get("code").getAsString());
      }
      assertTrue(stopped.get(), "in-flight work finished within the grace period");
      var ev = events(inFlight.get().body());
      assertEquals("done", ev.get(ev.size() - 1).name());
      assertEquals("length", ev.get(ev.size() - 1).data().get("finish_reason").getAsString());
      assertEquals(401, ev.size());
    } finally {
      pool.shutdownNow();
      s.stop();
    }
  }
}
