package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rnn4j serve} on a tiny trained checkpoint: in process, and as a process stopped by SIGTERM. */
class ServeCommandTest {
  @TempDir static Path tmp;
  static Path run;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final Pattern URL = Pattern.compile("listening on (http://\\S+)");

  @BeforeAll
  static void train() throws IOException {
    Path corpus = tmp.resolve("corpus.txt");
    Files.writeString(corpus, "the cat sat on the mat\n".repeat(30), StandardCharsets.UTF_8);
    run = tmp.resolve("run");
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter()));
    int code = cl.execute("train", "--data", corpus.toString(), "--steps", "3", "--hidden-size", "8",
        "--embedding-size", "4", "--batch-size", "8", "--warmup", "1", "--eval-every", "3", "--out", run.toString(),
        "--no-progress", "--threads", "1");
    assertEquals(0, code);
  }

  static HttpResponse<String> post(String url, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/v1/generate"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheCheckpointWithAnApiKeyFromAFile() throws Exception {
    Path keyFile = tmp.resolve("key.txt");
    Files.writeString(keyFile, "tok-123\n");
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    ServeCommand cmd = cl.getSubcommands().get("serve").getCommand();
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute("serve", "--checkpoint",
        run.toString(), "--port", "0", "--api-key-file", keyFile.toString()));
    String url = null;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (url == null && System.nanoTime() < until && !exit.isDone()) {
      Matcher m = URL.matcher(out.toString());
      url = m.find() ? m.group(1) : null;
      Thread.sleep(10);
    }
    assertTrue(url != null && url.startsWith("http://127.0.0.1:"), "stdout: " + out + " stderr: " + err);
    assertEquals(401, post(url, "{\"prompt\": \"the\"}").statusCode());
    HttpResponse<String> ok = post(url, "{\"prompt\": \"the\", \"max_new_tokens\": 5}", "Authorization", "Bearer tok-123");
    assertEquals(200, ok.statusCode(), ok.body());
    HttpResponse<String> unknown = post(url, "{\"prompt\": \"the DOG\"}", "Authorization", "Bearer tok-123");
    assertEquals(422, unknown.statusCode());
    assertTrue(unknown.body().contains("'D'") && unknown.body().contains("'O'"), unknown.body());
    HttpResponse<String> model = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/model"))
        .header("Authorization", "Bearer tok-123").build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(model.body().contains("\"checkpoint_step\":3"), model.body());
    cmd.stop.countDown();
    assertEquals(0, exit.get(30, TimeUnit.SECONDS));
  }

  @Test
  void sigtermFinishesTheInFlightRequestThenExits() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.rnn4j.cli.Main", "serve", "--checkpoint", run.toString(),
        "--port", "0", "--shutdown-grace", "120", "--max-new-tokens", "100000"));
    Path logFile = tmp.resolve("serve.log");
    // Output to a file: a pipe read while the process exits can lose its last lines ("Stream closed").
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    try {
      String url = null;
      long start = System.nanoTime();
      while (url == null && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60) && p.isAlive()) {
        Matcher m = URL.matcher(Files.readString(logFile));
        url = m.find() ? m.group(1) : null;
        Thread.sleep(10);
      }
      String log = Files.readString(logFile);
      assertTrue(url != null, log);
      // An in-flight streamed request: the signal is sent once its first token has arrived, so it is sure to be
      // running then (a tiny model writes thousands of tokens a second; polling for it could miss a short request).
      HttpResponse<java.io.InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/generate"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"prompt\": \"the\", \"max_new_tokens\": 100000, \"ignore_eos\": true, \"stream\": true}"))
          .build(), HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, stream.statusCode());
      int tokens = 0;
      int afterSignal = 0;
      String done = null;
      try (java.io.BufferedReader in = new java.io.BufferedReader(
          new java.io.InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        String event = null;
        for (String line; (line = in.readLine()) != null; ) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ") && "token".equals(event)) {
            if (++tokens == 1) {
              p.destroy(); // SIGTERM
            } else {
              afterSignal++;
            }
          } else if (line.startsWith("data: ") && "done".equals(event)) {
            done = line;
          }
        }
      }
      assertTrue(done != null && done.contains("\"finish_reason\":\"length\""),
          "the in-flight request ran to its end: " + done);
      assertEquals(100000, tokens, "tokens streamed");
      assertTrue(afterSignal > 0, "tokens arrived after the signal");
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server exited");
      assertEquals(143, p.exitValue());
      log = Files.readString(logFile);
      assertTrue(log.contains("rnn4j serve: stopped"), log);
    } finally {
      p.destroyForcibly();
    }
  }
}
