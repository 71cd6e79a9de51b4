package dev.rnn4j.serve;

import java.time.Duration;
import java.util.List;

/**
 * How a {@link Server} listens and what it allows; every limit bounds memory or time. Start from {@link #defaults()}
 * and change values with the {@code with} methods (each returns a new value).
 *
 * @param host address to bind, {@code 127.0.0.1} by default (loopback only)
 * @param port TCP port; 0 picks a free one ({@link Server#port()})
 * @param apiKey bearer token that {@code /v1/*} and {@code /metrics} require, or null for none
 * @param corsOrigins origins allowed to call the API from a browser page elsewhere; empty (the default): no CORS headers
 * @param maxRows most rows decoded together in one step (continuous batching)
 * @param maxQueue most generation requests waiting for rows; beyond it, 429 with Retry-After
 * @param batching false: each row is stepped on its own (the unbatched baseline)
 * @param maxNewTokens largest {@code max_new_tokens} a request may ask for
 * @param maxPromptTokens longest prompt, in tokens
 * @param maxBodyBytes largest request body; beyond it, 413
 * @param maxSamples largest {@code num_samples}
 * @param maxBeamWidth largest {@code beam_width}
 * @param maxScoreTexts most texts in one {@code /v1/score} request
 * @param requestTimeout default and largest per-request deadline
 * @param shutdownGrace how long {@link Server#stop()} lets in-flight requests finish
 */
public record ServeConfig(String host, int port, String apiKey, List<String> corsOrigins, int maxRows, int maxQueue,
    boolean batching, int maxNewTokens, int maxPromptTokens, int maxBodyBytes, int maxSamples, int maxBeamWidth,
    int maxScoreTexts, Duration requestTimeout, Duration shutdownGrace) {
  /** Checks every value, naming the first that is out of range. */
  public ServeConfig {
    corsOrigins = List.copyOf(corsOrigins);
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (apiKey != null && apiKey.isEmpty()) {
      throw new IllegalArgumentException("the API key must not be empty (pass null for none)");
    }
    atLeast("max rows", maxRows, 1);
    atLeast("max queue", maxQueue, 0);
    atLeast("max new tokens", maxNewTokens, 0);
    atLeast("max prompt tokens", maxPromptTokens, 1);
    atLeast("max body bytes", maxBodyBytes, 64);
    atLeast("max samples", maxSamples, 1);
    if (maxSamples > maxRows) {
      throw new IllegalArgumentException("max samples " + maxSamples + " must not exceed max rows " + maxRows);
    }
    atLeast("max beam width", maxBeamWidth, 1);
    atLeast("max score texts", maxScoreTexts, 1);
    if (requestTimeout.isNegative() || requestTimeout.isZero() || shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("request timeout must be positive and shutdown grace not negative, got "
          + requestTimeout + ", " + shutdownGrace);
    }
  }

  private static void atLeast(String what, int v, int min) {
    if (v < min) {
      throw new IllegalArgumentException(what + " must be at least " + min + ", got " + v);
    }
  }

  /** 127.0.0.1:8080, no key, no CORS, 64 rows, queue 256, batching on, 1024 new tokens, 2048-token prompts, 1 MiB. */
  public static ServeConfig defaults() {
    return new ServeConfig("127.0.0.1", 8080, null, List.of(), 64, 256, true, 1024, 2048, 1 << 20, 16, 16, 64,
        Duration.ofSeconds(120), Duration.ofSeconds(10));
  }

  public ServeConfig withHost(String h) {
    return new ServeConfig(h, port, apiKey, corsOrigins, maxRows, maxQueue, batching, maxNewTokens, maxPromptTokens,
        maxBodyBytes, maxSamples, maxBeamWidth, maxScoreTexts, requestTimeout, shutdownGrace);
  }

  public ServeConfig withPort(int p) {
    return new ServeConfig(host, p, apiKey, corsOrigins, maxRows, maxQueue, batching, maxNewTokens, maxPromptTokens,
        maxBodyBytes, maxSamples, maxBeamWidth, maxScoreTexts, requestTimeout, shutdownGrace);
  }

  public ServeConfig withApiKey(String k) {
    return new ServeConfig(host, port, k, corsOrigins, maxRows, maxQueue, batching, maxNewTokens, maxPromptTokens,
        maxBodyBytes, maxSamples, maxBeamWidth, maxScoreTexts, requestTimeout, shutdownGrace);
  }

  public ServeConfig withCorsOrigins(List<String> o) {
    return new ServeConfig(host, port, apiKey, o, maxRows, maxQueue, batching, maxNewTokens, maxPromptTokens,
        maxBodyBytes, maxSamples, maxBeamWidth, maxScoreTexts, requestTimeout, shutdownGrace);
  }

  public ServeConfig withRows(int rows, int queue) {
    return new ServeConfig(host, port, apiKey, corsOrigins, rows, queue, batching, maxNewTokens, maxPromptTokens,
        maxBodyBytes, Math.min(maxSamples, rows), maxBeamWidth, maxScoreTexts, requestTimeout, shutdownGrace);
  }

  public ServeConfig withBatching(boolean b) {
    return new ServeConfig(host, port, apiKey, corsOrigins, maxRows, maxQueue, b, maxNewTokens, maxPromptTokens,
        maxBodyBytes, maxSamples, maxBeamWidth, maxScoreTexts, requestTimeout, shutdownGrace);
  }

  public ServeConfig withLimits(int newTokens, int promptTokens, int bodyBytes) {
    return new ServeConfig(host, port, apiKey, corsOrigins, maxRows, maxQueue, batching, newTokens, promptTokens,
        bodyBytes, maxSamples, maxBeamWidth, maxScoreTexts, requestTimeout, shutdownGrace);
  }

  public ServeConfig withTimeouts(Duration request, Duration grace) {
    return new ServeConfig(host, port, apiKey, corsOrigins, maxRows, maxQueue, batching, maxNewTokens, maxPromptTokens,
        maxBodyBytes, maxSamples, maxBeamWidth, maxScoreTexts, request, grace);
  }
}
