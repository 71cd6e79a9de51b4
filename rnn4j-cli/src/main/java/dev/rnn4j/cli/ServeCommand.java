package dev.rnn4j.cli;

import dev.rnn4j.serve.ModelInfo;
import dev.rnn4j.serve.ServeConfig;
import dev.rnn4j.serve.Server;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rnn4j serve}: a checkpoint behind HTTP ({@link Server}) until SIGTERM or SIGINT, which refuse new requests,
 * let in-flight ones finish within {@code --shutdown-grace}, and exit.
 *
 * <p>A JVM shutdown hook does the stopping (unlike training's {@code StopSignals}, there is no second stage to offer:
 * stopping is all the server has to do, and the hook also covers {@code System.exit} from an embedding program).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve a trained model over HTTP: JSON API with streaming, continuous batching, a playground page at /.")
final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--checkpoint", required = true, description = "checkpoint directory (or the run directory holding it)")
  Path checkpoint;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE}, this machine only)")
  String host;

  @Option(names = "--port", defaultValue = "8080", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--api-key-file", description = "file holding the bearer token that /v1/* and /metrics then require")
  Path apiKeyFile;

  @Option(names = "--cors-origin", description = "allow browser pages from this origin to call the API (repeatable; default: none)")
  List<String> corsOrigins = new ArrayList<>();

  @Option(names = "--max-batch", defaultValue = "64", description = "most rows decoded together per step (default: ${DEFAULT-VALUE})")
  int maxBatch;

  @Option(names = "--max-queue", defaultValue = "256", description = "most requests waiting; beyond it 429 (default: ${DEFAULT-VALUE})")
  int maxQueue;

  @Option(names = "--no-batching", description = "step each request on its own (the baseline continuous batching is measured against)")
  boolean noBatching;

  @Option(names = "--max-new-tokens", defaultValue = "1024", description = "largest max_new_tokens a request may ask (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--max-prompt-tokens", defaultValue = "2048", description = "longest prompt in tokens (default: ${DEFAULT-VALUE})")
  int maxPromptTokens;

  @Option(names = "--max-body-bytes", defaultValue = "1048576", description = "largest request body; beyond it 413 (default: ${DEFAULT-VALUE})")
  int maxBodyBytes;

  @Option(names = "--request-timeout", defaultValue = "120", description = "per-request deadline in seconds, default and upper bound of timeout_ms (default: ${DEFAULT-VALUE})")
  double requestTimeout;

  @Option(names = "--shutdown-grace", defaultValue = "10", description = "seconds in-flight requests get to finish on SIGTERM (default: ${DEFAULT-VALUE})")
  double shutdownGrace;

  @Option(names = "--allow-nonfinite", description = "serve a checkpoint even if its weights hold NaN or infinity")
  boolean allowNonFinite;

  /** Counted down when the command should return (tests); the shutdown hook handles signals. */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (!(requestTimeout > 0) || !(shutdownGrace >= 0)) {
      throw new IllegalArgumentException("--request-timeout must be positive and --shutdown-grace not negative, got "
          + requestTimeout + " and " + shutdownGrace);
    }
    String key = null;
    if (apiKeyFile != null) {
      key = Files.readString(apiKeyFile, StandardCharsets.UTF_8).strip();
      if (key.isEmpty()) {
        throw new IllegalArgumentException("--api-key-file " + apiKeyFile + " is empty; put the token on its first line");
      }
    }
    Checkpoints.Loaded l = Checkpoints.load(checkpoint, allowNonFinite);
    com.google.gson.JsonObject ts = l.contents().trainerState();
    long step = ts != null && ts.has("step") ? ts.get("step").getAsLong() : -1;
    ServeConfig cfg = ServeConfig.defaults()
        .withHost(host).withPort(port).withApiKey(key).withCorsOrigins(corsOrigins)
        .withRows(maxBatch, maxQueue).withBatching(!noBatching)
        .withLimits(maxNewTokens, maxPromptTokens, maxBodyBytes)
        .withTimeouts(Duration.ofMillis(Math.round(requestTimeout * 1000)), Duration.ofMillis(Math.round(shutdownGrace * 1000)));
    Server server;
    try {
      server = Server.start(l.model(), l.tokenizer(), new ModelInfo(l.dir().toString(), step), cfg);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + rootMessage(e));
    }
    Thread hook = new Thread(() -> {
      System.err.println("rnn4j serve: stopping: new requests get 503, in-flight ones have " + shutdownGrace + " s");
      boolean clean = server.stop();
      System.err.println("rnn4j serve: stopped" + (clean ? "" : " (requests still running at the end of the grace period were cancelled)"));
    }, "rnn4j-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("rnn4j serve: " + l.model().config().modelType() + " from " + l.dir() + " listening on " + server.url()
        + (key != null ? " (API key required)" : "") + (noBatching ? " (batching off)" : ""));
    out.println("  playground " + server.url() + "/   API " + server.url() + "/v1/generate   metrics " + server.url() + "/metrics");
    out.flush();
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().removeShutdownHook(hook);
    server.stop();
    return 0;
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null) {
      e = e.getCause();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
