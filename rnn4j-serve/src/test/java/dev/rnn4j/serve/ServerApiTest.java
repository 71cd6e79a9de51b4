package dev.rnn4j.serve;

import static dev.rnn4j.serve.TestServers.events;
import static dev.rnn4j.serve.TestServers.get;
import static dev.rnn4j.serve.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.serve.TestServers.Event;
import dev.rnn4j.serve.TestServers.Response;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every status the API promises, on one small server. */
class ServerApiTest {
  static Server server;

  @BeforeAll
  static void start() {
    server = TestServers.start(ServeConfig.defaults().withLimits(300, 64, 4096));
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  private static void assertError(Response r, int status, String code, String... inMessage) {
    assertEquals(status, r.status(), r.body());
    JsonObject e = r.json().getAsJsonObject("error");
    assertEquals(code, e.get("code").getAsString(), r.body());
    for (String s : inMessage) {
      assertTrue(e.get("message").getAsString().contains(s), "message should name '" + s + "': " + r.body());
    }
  }

  @Test
  void generatesGreedily() throws Exception {
    Response r = post(server, "/v1/generate", "{\"prompt\": \"hello\", \"max_new_tokens\": 20, \"ignore_eos\": true}");
    assertEquals(200, r.status(), r.body());
    assertEquals("length", r.json().get("finish_reason").getAsString());
    JsonObject c = r.json().getAsJsonArray("completions").get(0).getAsJsonObject();
    assertEquals(20, c.get("tokens").getAsInt());
    assertEquals(20, c.get("text").getAsString().length(), "a character model adds one character per token");
    Response again = post(server, "/v1/generate", "{\"prompt\": \"hello\", \"max_new_tokens\": 20, \"ignore_eos\": true}");
    assertEquals(r.json().get("text"), again.json().get("text"), "greedy decoding is deterministic");
  }

  @Test
  void streamsOneEventPerTokenThenDone() throws Exception {
    Response r = post(server, "/v1/generate",
        "{\"prompt\": \"abc\", \"max_new_tokens\": 15, \"strategy\": \"sample\", \"seed\": 3, \"stream\": true, \"ignore_eos\": true}");
    assertEquals(200, r.status());
    assertTrue(r.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    List<Event> ev = events(r.body());
    assertEquals(16, ev.size(), r.body());
    StringBuilder text = new StringBuilder();
    for (Event e : ev.subList(0, 15)) {
      assertEquals("token", e.name());
      text.append(e.data().get("text").getAsString());
    }
    Event done = ev.get(15);
    assertEquals("done", done.name());
    assertEquals("length", done.data().get("finish_reason").getAsString());
    assertEquals(text.toString(), done.data().get("text").getAsString());
    assertTrue(done.data().getAsJsonObject("timings").has("first_token_ms"));
    Response plain = post(server, "/v1/generate",
        "{\"prompt\": \"abc\", \"max_new_tokens\": 15, \"strategy\": \"sample\", \"seed\": 3, \"ignore_eos\": true}");
    assertEquals(text.toString(), plain.json().get("text").getAsString(), "streamed and plain give the same text");
  }

  @Test
  void stopStringEndsTheCompletion() throws Exception {
    Response free = post(server, "/v1/generate", "{\"prompt\": \"ab\", \"max_new_tokens\": 40, \"ignore_eos\": true}");
    String text = free.json().get("text").getAsString();
    String stop = text.substring(5, 7);
    Response r = post(server, "/v1/generate",
        "{\"prompt\": \"ab\", \"max_new_tokens\": 40, \"ignore_eos\": true, \"stop\": [\"" + stop + "\"]}");
    assertEquals("stop", r.json().get("finish_reason").getAsString(), r.body());
    String got = r.json().get("text").getAsString();
    assertTrue(got.endsWith(stop) && text.startsWith(got) && got.length() <= 7, got + " vs " + text);
  }

  @Test
  void numSamplesGivesSeededIndependentCompletions() throws Exception {
    Response r = post(server, "/v1/generate",
        "{\"prompt\": \"a\", \"max_new_tokens\": 30, \"strategy\": \"sample\", \"seed\": 10, \"num_samples\": 3, \"ignore_eos\": true}");
    assertEquals(200, r.status(), r.body());
    var cs = r.json().getAsJsonArray("completions");
    assertEquals(3, cs.size());
    // sample i draws from seed + i: the second sample is the first sample of seed 11
    Response one = post(server, "/v1/generate",
        "{\"prompt\": \"a\", \"max_new_tokens\": 30, \"strategy\": \"sample\", \"seed\": 11, \"ignore_eos\": true}");
    assertEquals(one.json().get("text").getAsString(), cs.get(1).getAsJsonObject().get("text").getAsString());
    assertNotEquals(cs.get(0).getAsJsonObject().get("text"), cs.get(1).getAsJsonObject().get("text"));
  }

  @Test
  void beamSearchRunsOutsideTheBatch() throws Exception {
    Response r = post(server, "/v1/generate",
        "{\"prompt\": \"ab\", \"max_new_tokens\": 12, \"strategy\": \"beam\", \"beam_width\": 3}");
    assertEquals(200, r.status(), r.body());
    assertTrue(r.json().get("text").getAsString().length() <= 12);
    assertError(post(server, "/v1/generate", "{\"prompt\": \"ab\", \"strategy\": \"beam\", \"num_samples\": 2}"), 422,
        "invalid_value", "num_samples");
  }

  @Test
  void malformedJsonIs400() throws Exception {
    assertError(post(server, "/v1/generate", "{\"prompt\": \"ab\""), 400, "invalid_json");
    assertError(post(server, "/v1/generate", "[1, 2]"), 400, "invalid_json", "object");
    assertError(post(server, "/v1/generate", ""), 400, "invalid_json");
  }

  @Test
  void wrongTypesAre400NamingTheField() throws Exception {
    assertError(post(server, "/v1/generate", "{\"prompt\": 5}"), 400, "invalid_type", "'prompt'", "a string");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"a\", \"max_new_tokens\": \"10\"}"), 400, "invalid_type",
        "'max_new_tokens'", "an integer");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"a\", \"max_new_tokens\": 2.5}"), 400, "invalid_type",
        "'max_new_tokens'");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"a\", \"stream\": 1}"), 400, "invalid_type", "'stream'");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"a\", \"stop\": [1]}"), 400, "invalid_type", "'stop[0]'");
    assertError(post(server, "/v1/generate", "{}"), 400, "missing_field", "'prompt'");
  }

  @Test
  void unknownFieldsAre400Named() throws Exception {
    assertError(post(server, "/v1/generate", "{\"prompt\": \"a\", \"temprature\": 0.5, \"n\": 2}"), 400,
        "unknown_field", "'n'", "'temprature'", "temperature");
  }

  @Test
  void badValuesAre422() throws Exception {
    assertError(post(server, "/v1/generate", "{\"prompt\": \"\"}"), 422, "empty_prompt");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"abc\u00e9Z\"}"), 422, "unknown_characters", "é", "Z");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"a\", \"max_new_tokens\": 301}"), 422,
        "max_new_tokens_too_large", "301", "300");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"a\", \"temperature\": 0}"), 422, "invalid_value",
        "temperature");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"a\", \"strategy\": \"top\"}"), 422, "invalid_value",
        "strategy");
    assertError(post(server, "/v1/generate", "{\"prompt\": \"" + "a".repeat(64) + "\"}"), 422, "prompt_too_long", "64");
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    String big = "{\"prompt\": \"" + "a".repeat(5000) + "\"}";
    assertError(post(server, "/v1/generate", big), 413, "body_too_large", "4096");
  }

  @Test
  void unknownPathIsJson404() throws Exception {
    assertError(get(server, "/v1/nothing"), 404, "not_found");
  }

  @Test
  void modelHealthAndMetrics() throws Exception {
    Response m = get(server, "/v1/model");
    assertEquals(200, m.status());
    assertEquals("gru", m.json().get("cell").getAsString());
    assertEquals(TestServers.TOKENIZER.vocabulary().size(), m.json().get("vocab_size").getAsInt());
    assertEquals(32, m.json().get("hidden_size").getAsInt());
    assertTrue(m.json().get("parameters").getAsLong() > 0);
    Response h = get(server, "/health");
    assertEquals(200, h.status());
    assertTrue(h.json().get("ready").getAsBoolean());
    post(server, "/v1/generate", "{\"prompt\": \"ab\", \"max_new_tokens\": 3}");
    post(server, "/v1/generate", "{\"prompt\": 3}");
    String metrics = get(server, "/metrics").body();
    for (String name : new String[] {"rnn4j_requests_total{endpoint=\"generate\",outcome=\"ok\"}",
        "rnn4j_requests_total{endpoint=\"generate\",outcome=\"bad_request\"}", "rnn4j_tokens_generated_total",
        "rnn4j_batch_size_count", "rnn4j_queue_wait_seconds_count", "rnn4j_step_seconds_count", "rnn4j_active_rows"}) {
      assertTrue(metrics.contains(name), "metrics should have " + name + ":\n" + metrics);
    }
  }

  @Test
  void scoresTextsAndNamesUnknownCharacters() throws Exception {
    Response r = post(server, "/v1/score", "{\"texts\": [\"hello world\", \"ab\u00e9\"]}");
    assertEquals(200, r.status(), r.body());
    var results = r.json().getAsJsonArray("results");
    JsonObject first = results.get(0).getAsJsonObject();
    assertEquals(12, first.get("tokens").getAsInt());
    double loss = first.get("loss").getAsDouble();
    assertTrue(loss > 0 && Math.abs(Math.exp(loss) - first.get("perplexity").getAsDouble()) < 1e-9 * Math.exp(loss));
    assertEquals(0, first.getAsJsonArray("unknown").size());
    assertTrue(results.get(1).getAsJsonObject().getAsJsonArray("unknown").toString().contains("é"), r.body());
    assertError(post(server, "/v1/score", "{\"texts\": \"a\", \"x\": 1}"), 400, "unknown_field", "'x'");
  }

  @Test
  void noCorsHeadersUnlessConfigured() throws Exception {
    Response r = get(server, "/v1/model", "Origin", "http://evil.example");
    assertTrue(r.raw().headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    try (Server s = TestServers.start(ServeConfig.defaults().withCorsOrigins(List.of("http://app.example")))) {
      assertEquals("http://app.example", get(s, "/v1/model", "Origin", "http://app.example").raw().headers()
          .firstValue("Access-Control-Allow-Origin").orElse(null));
      assertFalse(get(s, "/v1/model", "Origin", "http://evil.example").raw().headers()
          .firstValue("Access-Control-Allow-Origin").isPresent());
    }
  }

  @Test
  void bearerTokenIsRequiredWhenConfigured() throws Exception {
    try (Server s = TestServers.start(ServeConfig.defaults().withApiKey("s3cret-key"))) {
      Response missing = post(s, "/v1/generate", "{\"prompt\": \"a\", \"max_new_tokens\": 2}");
      assertError(missing, 401, "unauthorized", "Authorization: Bearer");
      assertEquals("Bearer", missing.raw().headers().firstValue("WWW-Authenticate").orElse(null));
      assertError(post(s, "/v1/generate", "{\"prompt\": \"a\"}", "Authorization", "Bearer s3cret-kez"), 401,
          "unauthorized", "wrong");
      assertError(get(s, "/metrics", "Authorization", "Bearer nope"), 401, "unauthorized");
      assertEquals(200, post(s, "/v1/generate", "{\"prompt\": \"a\", \"max_new_tokens\": 2}", "Authorization",
          "Bearer s3cret-key").status());
      assertEquals(200, get(s, "/health").status(), "health needs no key");
      assertNull(get(s, "/health").raw().headers().firstValue("WWW-Authenticate").orElse(null));
    }
  }
}
