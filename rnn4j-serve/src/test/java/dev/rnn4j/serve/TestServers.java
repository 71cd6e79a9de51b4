package dev.rnn4j.serve;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A small untrained character model and HTTP helpers for the server tests. */
final class TestServers {
  static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz .,";
  static final CharTokenizer TOKENIZER = CharTokenizer.fit(ALPHABET);

  private TestServers() {}

  /** A GRU character model with random weights: hidden {@code hidden}, embedding 16. */
  static LanguageModel model(String cell, int hidden) {
    LanguageModelConfig c = new LanguageModelConfig(cell, TOKENIZER.vocabulary().size(), 16, hidden, 1, 0, 0);
    LanguageModel m = new LanguageModel(c, new Generator(7));
    m.eval();
    return m;
  }

  static Server start(ServeConfig config) {
    return Server.start(model("gru", 32), TOKENIZER, ModelInfo.inMemory(), config.withPort(0));
  }

  static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  record Response(int status, JsonObject json, String body, HttpResponse<String> raw) {}

  static Response post(Server s, String path, String body, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return wrap(CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static Response get(Server s, String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(30)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return wrap(CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  private static Response wrap(HttpResponse<String> r) {
    JsonObject o = null;
    String ct = r.headers().firstValue("Content-Type").orElse("");
    if (ct.startsWith("application/json")) {
      o = JsonParser.parseString(r.body()).getAsJsonObject();
    }
    return new Response(r.statusCode(), o, r.body(), r);
  }

  /** One Server-Sent Event. */
  record Event(String name, JsonObject data) {}

  /** Parses a whole {@code text/event-stream} body. */
  static List<Event> events(String body) {
    List<Event> out = new ArrayList<>();
    String name = null;
    for (String line : body.split("\n")) {
      if (line.startsWith("event: ")) {
        name = line.substring(7);
      } else if (line.startsWith("data: ")) {
        out.add(new Event(name, JsonParser.parseString(line.substring(6)).getAsJsonObject()));
      }
    }
    return out;
  }
}
