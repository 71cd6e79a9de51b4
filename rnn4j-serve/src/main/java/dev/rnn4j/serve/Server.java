package dev.rnn4j.serve;

import com.google.gson.JsonObject;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.serve.engine.Engine;
import dev.rnn4j.serve.engine.LmStepper;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A trained language model behind HTTP: {@code POST /v1/generate} (JSON or Server-Sent Events), {@code POST
 * /v1/score}, {@code GET /v1/model}, {@code GET /health}, {@code GET /metrics} (Prometheus) and the playground page at
 * {@code /}. Generation shares decoding steps across requests ({@link Engine}); see the README's {@code rnn4j serve}
 * section for the API.
 *
 * <pre>{@code
 * try (Server s = Server.start(model, tokenizer, ModelInfo.of(model), ServeConfig.defaults().withPort(0))) {
 *   System.out.println("listening on " + s.url());
 *   ...
 * } // close() = stop(): in-flight requests finish within the grace period
 * }</pre>
 *
 * <p>Loopback by default, no CORS headers unless origins are configured, a bearer token when configured (compared in
 * constant time), bounded bodies, queue, prompts and outputs.
 */
public final class Server implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Server.class.getName());

  private final ServeConfig config;
  private final ServerMetrics metrics = new ServerMetrics();
  private final Engine engine;
  private final ThreadPoolExecutor beams;
  private final Generation generation;
  private final Scoring scoring;
  private final JsonObject modelJson;
  private final byte[] keyDigest;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean stopping;
  private final byte[] page = loadPlayground();
  private final Javalin app;
  private boolean stopped;

  private Server(LanguageModel model, Tokenizer tokenizer, ModelInfo info, ServeConfig config) {
    this.config = config;
    model.eval();
    LmStepper stepper = new LmStepper(model);
    TokenText text = new TokenText(tokenizer);
    engine = new Engine(stepper, text::of, config.maxRows(), config.maxQueue(), config.batching(), metrics);
    metrics.bindEngine(engine);
    // Beam search runs outside the shared batch: one search at a time on its own thread, a bounded queue behind it.
    beams = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(Math.max(1, config.maxQueue())),
        r -> {
          Thread t = new Thread(r, "rnn4j-serve-beam");
          t.setDaemon(true);
          return t;
        });
    generation = new Generation(model, tokenizer, text, engine, beams, config, metrics);
    scoring = new Scoring(model, tokenizer, config);
    modelJson = info.toJson(model, tokenizer);
    modelJson.addProperty("kernels", stepper.kernelName());
    modelJson.addProperty("max_batch_rows", config.maxRows());
    modelJson.addProperty("batching", config.batching());
    modelJson.addProperty("max_new_tokens_limit", config.maxNewTokens());
    modelJson.addProperty("max_prompt_tokens", config.maxPromptTokens());
    keyDigest = config.apiKey() == null ? null : sha256(config.apiKey());
    app = Javalin.create(c -> {
      c.http.compressionStrategy = CompressionStrategy.NONE; // events must reach the client as they are written
      c.http.maxRequestSize = config.maxBodyBytes();
      c.startup.showJavalinBanner = false;
      c.startup.showOldJavalinVersionWarning = false;
      QueuedThreadPool pool = new QueuedThreadPool(Math.max(32, config.maxRows() + config.maxQueue() + 16), 2, 30_000);
      pool.setName("rnn4j-serve-http");
      c.jetty.threadPool = pool;
      c.routes.before(this::guard);
      c.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(playground()));
      c.routes.get("/health", this::health);
      c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
      c.routes.get("/v1/model", ctx -> json(ctx, 200, modelJson));
      c.routes.post("/v1/generate", ctx -> tracked(ctx, "generate", () -> generation.handle(ctx, readBody(ctx))));
      c.routes.post("/v1/score", ctx -> tracked(ctx, "score", () -> {
        json(ctx, 200, scoring.score(readBody(ctx)));
        metrics.request("score", "ok");
      }));
      // Errors of the guard and of untracked routes; a tracked handler answers its own (see tracked).
      c.routes.exception(ApiError.class, (e, ctx) -> answer(ctx, e));
      c.routes.exception(Exception.class, (e, ctx) -> answer(ctx, e));
      c.routes.error(404, ctx -> error(ctx, 404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path()));
      c.routes.error(405, ctx -> error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()));
    });
    app.start(config.host(), config.port());
  }

  /** Starts a server for {@code model} (put in evaluation mode; its weights are copied for decoding). */
  public static Server start(LanguageModel model, Tokenizer tokenizer, ModelInfo info, ServeConfig config) {
    return new Server(model, tokenizer, info, config);
  }

  /** The bound port (the one chosen when the configuration said 0). */
  public int port() {
    return app.port();
  }

  /** {@code http://host:port}. */
  public String url() {
    String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return "http://" + h + ":" + port();
  }

  /** The configuration it runs with. */
  public ServeConfig config() {
    return config;
  }

  /** Prometheus text of the server's metrics (what {@code GET /metrics} returns). */
  public String metricsText() {
    return metrics.scrape();
  }

  /** Rows being decoded now (0 when idle). */
  public int activeRows() {
    return engine.activeRows();
  }

  /**
   * Refuses new requests (503), lets in-flight ones finish for up to the configured grace period, cancels what is left,
   * and stops listening. Returns whether everything finished in time. Idempotent.
   */
  public synchronized boolean stop() {
    if (stopped) {
      return true;
    }
    stopped = true;
    stopping = true;
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    boolean clean = true;
    try {
      clean = engine.shutdown(config.shutdownGrace().toNanos());
      beams.shutdown();
      clean &= beams.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      // Handlers write their last event once their job ends: give them a moment to do so.
      long until = System.nanoTime() + Math.max(Duration.ofSeconds(2).toNanos(), deadline - System.nanoTime());
      while (inFlight.get() > 0 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      clean = false;
    } finally {
      beams.shutdownNow();
      app.stop();
    }
    return clean;
  }

  @Override
  public void close() {
    stop();
  }

  private interface Body {
    void run() throws Exception;
  }

  /**
   * Runs a handler counted in flight, and writes its error answer before it stops counting: {@link #stop()} waits
   * for the count to reach zero and then closes the connections, so an answer left to Javalin's exception mapper
   * (which runs after the handler returns) could be cut off, as a queued request refused at shutdown once was.
   */
  private void tracked(Context ctx, String endpoint, Body body) {
    inFlight.incrementAndGet();
    try {
      if (stopping) {
        throw new ApiError(503, "shutting_down", "the server is shutting down and takes no new requests", 5);
      }
      body.run();
    } catch (ApiError e) {
      metrics.request(endpoint, outcomeOf(e.status));
      answer(ctx, e);
    } catch (Exception e) {
      answer(ctx, e);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** The JSON error answer for {@code e}: its status, code and message, and {@code Retry-After} when it has one. */
  private static void answer(Context ctx, ApiError e) {
    if (e.retryAfterSeconds != null) {
      ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds));
    }
    error(ctx, e.status, e.code, e.getMessage());
  }

  /** A failure of the server itself: logged with its stack trace, answered 500 without it. */
  private static void answer(Context ctx, Exception e) {
    if (e instanceof ApiError api) {
      answer(ctx, api);
      return;
    }
    LOG.log(Level.WARNING, "request " + ctx.method() + " " + ctx.path() + " failed", e);
    error(ctx, 500, "internal", "the server failed on this request: " + e.getClass().getSimpleName());
  }

  private static String outcomeOf(int status) {
    return switch (status) {
      case 400, 413, 422 -> "bad_request";
      case 401 -> "unauthorized";
      case 429 -> "rejected";
      case 503 -> "unavailable";
      default -> "error";
    };
  }

  /** CORS, authentication and the body size, before any handler. */
  private void guard(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin != null && config.corsOrigins().contains(origin)) {
      ctx.header("Access-Control-Allow-Origin", origin);
      ctx.header("Vary", "Origin");
      if (ctx.method() == HandlerType.OPTIONS) {
        ctx.header("Access-Control-Allow-Methods", "GET, POST");
        ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
        ctx.header("Access-Control-Max-Age", "600");
      }
    }
    String path = ctx.path();
    if (keyDigest != null && (path.startsWith("/v1/") || path.equals("/metrics")) && ctx.method() != HandlerType.OPTIONS) {
      String auth = ctx.header("Authorization");
      String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
      // Digests of equal length, compared with MessageDigest.isEqual (constant time): neither the key's length nor
      // its prefix leaks through timing.
      if (given == null || !MessageDigest.isEqual(sha256(given), keyDigest)) {
        ctx.header("WWW-Authenticate", "Bearer");
        metrics.request(path.equals("/metrics") ? "metrics" : path.substring(4), "unauthorized");
        throw new ApiError(401, "unauthorized",
            given == null ? "this server needs an API key: send the header 'Authorization: Bearer KEY'"
                : "the API key is wrong");
      }
    }
    long length = ctx.req().getContentLengthLong();
    if (length > config.maxBodyBytes()) {
      throw new ApiError(413, "body_too_large", "the body has " + length + " bytes; at most " + config.maxBodyBytes()
          + " are accepted");
    }
  }

  private void health(Context ctx) {
    JsonObject o = new JsonObject();
    boolean ready = !stopping && engine.accepting();
    o.addProperty("status", ready ? "ok" : "shutting_down");
    o.addProperty("live", true);
    o.addProperty("ready", ready);
    o.addProperty("active_rows", engine.activeRows());
    o.addProperty("queued", engine.queued());
    json(ctx, ready ? 200 : 503, o);
  }

  /** The body as UTF-8, refusing more than the configured bytes (also when no Content-Length was sent). */
  private String readBody(Context ctx) throws IOException {
    int max = config.maxBodyBytes();
    InputStream in = ctx.req().getInputStream();
    byte[] b = in.readNBytes(max + 1);
    if (b.length > max) {
      throw new ApiError(413, "body_too_large", "the body is larger than the " + max + " bytes accepted");
    }
    return new String(b, StandardCharsets.UTF_8);
  }

  /**
   * Writes and flushes a JSON answer from the handler itself (not through Javalin's result, written after the handler
   * returns): once a handler is done its answer has left, which is what {@link #stop()} waits for.
   */
  static void json(Context ctx, int status, JsonObject o) {
    jakarta.servlet.http.HttpServletResponse res = ctx.res();
    if (res.isCommitted()) {
      return; // an event stream already started: nothing more can be said in JSON
    }
    byte[] b = o.toString().getBytes(StandardCharsets.UTF_8);
    ctx.status(status);
    res.setContentType("application/json");
    res.setContentLength(b.length);
    try {
      res.getOutputStream().write(b);
      res.getOutputStream().flush();
    } catch (IOException e) {
      LOG.fine(() -> "client went away before its answer was written: " + e);
    }
  }

  static void error(Context ctx, int status, String code, String message) {
    json(ctx, status, errorJson(code, message));
  }

  static JsonObject errorJson(String code, String message) {
    JsonObject e = new JsonObject();
    e.addProperty("code", code);
    e.addProperty("message", message);
    JsonObject o = new JsonObject();
    o.add("error", e);
    return o;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private byte[] playground() {
    return page;
  }

  private static byte[] loadPlayground() {
    try (InputStream in = Server.class.getResourceAsStream("/dev/rnn4j/serve/playground.html")) {
      if (in == null) {
        throw new IllegalStateException("playground.html is missing from the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
