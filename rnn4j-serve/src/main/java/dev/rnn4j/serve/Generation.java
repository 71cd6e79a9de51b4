package dev.rnn4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Unknowns;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.serve.engine.DecodeSettings;
import dev.rnn4j.serve.engine.Engine;
import dev.rnn4j.serve.engine.FinishReason;
import dev.rnn4j.serve.engine.Job;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code POST /v1/generate}: validates the request, submits it to the {@link Engine} (greedy and sampling, any
 * {@code num_samples}) or to the beam-search thread, and answers with one JSON object or, with {@code "stream": true},
 * Server-Sent Events: {@code event: token} per token ({@code {"index", "id", "text"}}), then {@code event: done} with
 * every completion's finish reason and the timings.
 */
final class Generation {
  static final Set<String> FIELDS = Set.of("prompt", "max_new_tokens", "strategy", "temperature", "top_k", "top_p",
      "beam_width", "length_penalty", "seed", "stop", "num_samples", "stream", "timeout_ms", "ignore_eos");
  static final int MAX_STOPS = 8;
  static final int MAX_STOP_CHARS = 256;

  private final LanguageModel model;
  private final Tokenizer tokenizer;
  private final TokenText text;
  private final Engine engine;
  private final ExecutorService beams;
  private final ServeConfig config;
  private final ServerMetrics metrics;

  Generation(LanguageModel model, Tokenizer tokenizer, TokenText text, Engine engine, ExecutorService beams,
      ServeConfig config, ServerMetrics metrics) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.text = text;
    this.engine = engine;
    this.beams = beams;
    this.config = config;
    this.metrics = metrics;
  }

  /** A validated request. */
  record Request(int[] prompt, String strategy, DecodeSettings settings, int beamWidth, double lengthPenalty,
      int numSamples, boolean stream, long timeoutNanos) {}

  Request parse(String body) {
    JsonFields f = JsonFields.parse(body, FIELDS);
    if (!f.has("prompt")) {
      throw ApiError.badRequest("missing_field", "field 'prompt' is required (a string)");
    }
    String prompt = f.string("prompt", "");
    if (prompt.isEmpty()) {
      throw ApiError.unprocessable("empty_prompt", "field 'prompt' is empty; give at least one character");
    }
    Unknowns unknown = Unknowns.of(tokenizer, prompt);
    if (!unknown.isEmpty()) {
      throw ApiError.unprocessable("unknown_characters", "the prompt has characters outside the model's vocabulary: "
          + unknown.describe() + " (the vocabulary has " + tokenizer.vocabulary().size() + " tokens)");
    }
    int[] ids = tokenizer.encode(prompt);
    if (ids.length + 1 > config.maxPromptTokens()) {
      throw ApiError.unprocessable("prompt_too_long", "the prompt has " + (ids.length + 1) + " tokens (with <bos>); this"
          + " server reads at most " + config.maxPromptTokens());
    }
    int[] p = new int[ids.length + 1];
    p[0] = Vocabulary.BOS_ID;
    System.arraycopy(ids, 0, p, 1, ids.length);
    long maxNew = f.integer("max_new_tokens", Math.min(100, config.maxNewTokens()), 0, Integer.MAX_VALUE);
    if (maxNew > config.maxNewTokens()) {
      throw ApiError.unprocessable("max_new_tokens_too_large", "field 'max_new_tokens' is " + maxNew
          + "; this server allows at most " + config.maxNewTokens());
    }
    String strategy = f.string("strategy", "greedy");
    if (!List.of("greedy", "sample", "beam").contains(strategy)) {
      throw ApiError.unprocessable("invalid_value", "field 'strategy' must be greedy, sample or beam, got '" + strategy
          + "'");
    }
    double temperature = f.number("temperature", 1.0);
    if (!(temperature >= DecodeOptions.MIN_TEMPERATURE && temperature <= DecodeOptions.MAX_TEMPERATURE)) {
      throw ApiError.unprocessable("invalid_value", "field 'temperature' must be in [" + DecodeOptions.MIN_TEMPERATURE
          + ", " + DecodeOptions.MAX_TEMPERATURE + "] (use strategy greedy for temperature 0), got " + temperature);
    }
    int topK = (int) f.integer("top_k", 0, 0, Integer.MAX_VALUE);
    double topP = f.number("top_p", 1.0);
    if (!(topP > 0 && topP <= 1)) {
      throw ApiError.unprocessable("invalid_value", "field 'top_p' must be in (0, 1], got " + topP);
    }
    int beamWidth = (int) f.integer("beam_width", 4, 1, config.maxBeamWidth());
    double lengthPenalty = f.number("length_penalty", 1.0);
    if (!(Math.abs(lengthPenalty) <= DecodeOptions.MAX_LENGTH_PENALTY)) {
      throw ApiError.unprocessable("invalid_value", "field 'length_penalty' must be in [-"
          + DecodeOptions.MAX_LENGTH_PENALTY + ", " + DecodeOptions.MAX_LENGTH_PENALTY + "], got " + lengthPenalty);
    }
    long seed = f.integer("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
    List<String> stops = f.strings("stop");
    if (stops.size() > MAX_STOPS) {
      throw ApiError.unprocessable("invalid_value", "field 'stop' has " + stops.size() + " strings; at most "
          + MAX_STOPS);
    }
    for (String s : stops) {
      if (s.isEmpty() || s.length() > MAX_STOP_CHARS) {
        throw ApiError.unprocessable("invalid_value", "each stop string must have 1 to " + MAX_STOP_CHARS
            + " characters, got " + s.length());
      }
    }
    int numSamples = (int) f.integer("num_samples", 1, 1, config.maxSamples());
    if (strategy.equals("beam") && numSamples != 1) {
      throw ApiError.unprocessable("invalid_value", "beam search returns one completion: 'num_samples' must be 1, got "
          + numSamples);
    }
    boolean stream = f.bool("stream", false);
    long maxMs = config.requestTimeout().toMillis();
    long timeoutMs = f.integer("timeout_ms", maxMs, 1, maxMs);
    boolean ignoreEos = f.bool("ignore_eos", false);
    DecodeSettings s = new DecodeSettings(strategy.equals("sample"), temperature, topK, topP, seed, (int) maxNew,
        ignoreEos ? -1 : Vocabulary.EOS_ID, stops);
    return new Request(p, strategy, s, beamWidth, lengthPenalty, numSamples, stream,
        TimeUnit.MILLISECONDS.toNanos(timeoutMs));
  }

  /**
   * How many tokens a streaming handler is woken for, with {@code activeRows} rows in the batch: half the rows, at
   * least {@link #MIN_TOKENS_PER_WAKE} and at most {@link #MAX_TOKENS_PER_WAKE}. Each wake costs the decoding thread
   * a signal and the handler a write, a flush and a system call or two, on the same cores the step needs
   * (BENCHMARKS.md, `rnn4j serve` runs 6 and 7, have what grouping gained). A stream's tokens are held back by at most that
   * many steps, and a token does not wait for the next step when that would hold it back more than
   * {@link #MAX_HOLD_NANOS} (judged by the last step's time): a large model's slow steps wake the handler at every
   * token. Every token is still its own SSE event; a wake's events go out in one write. A job's
   * first token and every finish wake the handler at once.
   */
  static int tokensPerWake(int activeRows) {
    return Math.max(MIN_TOKENS_PER_WAKE, Math.min(MAX_TOKENS_PER_WAKE, activeRows / 2));
  }

  /**
   * Whether a handler with {@code pending} tokens waiting (the oldest {@code heldNanos} old) is woken now rather than
   * after the next step, which is expected to take {@code stepNanos}.
   */
  static boolean wakeFor(int pending, int activeRows, long heldNanos, long stepNanos) {
    return pending >= tokensPerWake(activeRows) || heldNanos + stepNanos > MAX_HOLD_NANOS;
  }

  static final int MIN_TOKENS_PER_WAKE = 4;
  static final int MAX_TOKENS_PER_WAKE = 32;
  /**
   * The longest a token is held back: one frame of a 60 Hz display, finer than a reader watching the stream can see.
   * A bound of only a few steps' time cut a large batch's groups, whose steps are slow, to a few tokens, and the
   * wake-ups, writes and client reads of so many small groups took the CPU the steps needed (BENCHMARKS.md, `rnn4j
   * serve` run 7, has the before and after).
   */
  static final long MAX_HOLD_NANOS = 16_000_000;

  /**
   * Hands the engine's events to the request's thread with no object per token: events are int pairs in a buffer the
   * two threads swap, and the engine signals only a handler that is waiting, once {@link #tokensPerWake} tokens
   * have gathered (or at once for the first token and a finish).
   */
  private static final class Events implements Job.Listener {
    /** The second int of a pair: a token id ({@code >= 0}), or a finish reason as {@code -1 - ordinal}. */
    private static final FinishReason[] REASONS = FinishReason.values();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Engine engine;
    private int[] buf = new int[64]; // (index, token id or -1 - reason) pairs
    private int count; // ints in buf
    private boolean waiting;
    private boolean anyToken;
    private long oldest; // when the oldest event not yet taken arrived
    private long queueNanos = -1;

    Events(Engine engine) {
      this.engine = engine;
    }

    @Override
    public void onStart(long queueNanos) {
      lock.lock();
      try {
        this.queueNanos = queueNanos; // before any token of the job
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onToken(int index, int id) {
      put(index, id, false);
    }

    @Override
    public void onFinish(int index, FinishReason reason, int tokens) {
      put(index, -1 - reason.ordinal(), true);
    }

    private void put(int a, int b, boolean now) {
      lock.lock();
      try {
        if (count + 2 > buf.length) {
          buf = java.util.Arrays.copyOf(buf, 2 * buf.length);
        }
        buf[count++] = a;
        buf[count++] = b;
        long at = System.nanoTime();
        if (count == 2) {
          oldest = at;
        }
        if (waiting && (now || !anyToken
            || wakeFor(count / 2, engine.activeRows(), at - oldest, engine.lastStepNanos()))) {
          arrived.signal();
        }
        anyToken = true;
      } finally {
        lock.unlock();
      }
    }

    /**
     * Waits up to {@code nanos} for events, then takes all of them: swaps {@code spare} (emptied) for the filled
     * buffer, which it returns; {@link #taken} ints of it are events. Null when none came in time.
     */
    int[] take(int[] spare, long nanos) throws InterruptedException {
      lock.lock();
      try {
        waiting = true;
        while (count == 0) {
          if (nanos <= 0) {
            waiting = false;
            return null;
          }
          nanos = arrived.awaitNanos(nanos);
        }
        waiting = false;
        int[] full = buf;
        taken = count;
        buf = spare;
        count = 0;
        return full;
      } finally {
        lock.unlock();
      }
    }

    /** Ints of the buffer the last {@link #take} returned; read on the taking thread only. */
    int taken;

    /** The queue wait {@link #onStart} reported, or -1; read after a {@link #take}. */
    long queueNanos() {
      lock.lock();
      try {
        return queueNanos;
      } finally {
        lock.unlock();
      }
    }

    static FinishReason reason(int code) {
      return REASONS[-1 - code];
    }
  }

  void handle(Context ctx, String body) throws Exception {
    long received = System.nanoTime();
    Request r = parse(body);
    if (r.strategy().equals("beam")) {
      beam(ctx, r, received);
      return;
    }
    Events events = new Events(engine);
    Job job = new Job(r.prompt(), r.settings(), r.numSamples(), received + r.timeoutNanos(), events);
    try {
      engine.submit(job);
    } catch (Engine.Rejected e) {
      throw e.code.equals("queue_full") ? new ApiError(429, e.code, e.getMessage(), 1)
          : new ApiError(503, e.code, e.getMessage(), 5);
    }
    Progress p = new Progress(r.numSamples(), received);
    Sse sse = r.stream() ? new Sse(ctx) : null;
    boolean gone = false;
    long graceNanos = TimeUnit.SECONDS.toNanos(10); // the engine ends a job at its deadline; this only guards a stuck one
    int[] spare = new int[64];
    while (p.remaining > 0) {
      int[] got = events.take(spare, Math.max(1, received + r.timeoutNanos() + graceNanos - System.nanoTime()));
      if (got == null) {
        job.cancel();
        throw new IllegalStateException("the decoding engine did not end a request at its deadline");
      }
      // Everything that has arrived goes out in one write and one flush: under load a handler wakes up to several
      // tokens, and a flush per token would cost a system call each.
      int n = events.taken;
      for (int i = 0; i < n; i += 2) {
        int index = got[i];
        int id = got[i + 1];
        if (id >= 0) {
          p.token(index, id, text);
          if (sse != null && !gone) {
            sse.token(index, text.eventTail(id));
          }
        } else {
          p.finish(index, Events.reason(id));
        }
      }
      spare = got;
      if (sse != null && !gone && !sse.flush()) {
        gone = true;
        job.cancel(); // the client went away: its rows leave the batch before the next step
      }
    }
    p.queueNanos = Math.max(0, events.queueNanos());
    String outcome = p.outcome(gone);
    metrics.request("generate", outcome);
    if (sse != null) {
      if (!gone) {
        sse.end("done", p.summary());
      }
      return;
    }
    if (!p.started) {
      FinishReason why = p.reasons[0];
      if (why == FinishReason.TIMEOUT) {
        throw new ApiError(503, "deadline_exceeded", "the request waited in the queue past its deadline ("
            + TimeUnit.NANOSECONDS.toMillis(r.timeoutNanos()) + " ms)", 1);
      }
      if (why == FinishReason.CANCELLED) {
        throw new ApiError(503, "shutting_down", "the server shut down before this request started", 5);
      }
      if (why == FinishReason.ERROR) {
        throw new ApiError(500, "internal", "the server failed to read this prompt (see its log)");
      }
    }
    Server.json(ctx, 200, p.summary());
  }

  /** What a request has produced so far. */
  private static final class Progress {
    final StringBuilder[] texts;
    final int[] counts;
    final FinishReason[] reasons;
    final long received;
    int remaining;
    long queueNanos;
    long firstToken = -1;
    long lastToken = -1;
    boolean started;

    Progress(int n, long received) {
      texts = new StringBuilder[n];
      for (int i = 0; i < n; i++) {
        texts[i] = new StringBuilder();
      }
      counts = new int[n];
      reasons = new FinishReason[n];
      remaining = n;
      this.received = received;
    }

    String token(int index, int id, TokenText text) {
      long now = System.nanoTime();
      if (firstToken < 0) {
        firstToken = now;
      }
      lastToken = now;
      started = true;
      String piece = text.of(id);
      texts[index].append(piece);
      counts[index]++;
      return piece;
    }

    void finish(int index, FinishReason reason) {
      if (reasons[index] == null) {
        reasons[index] = reason;
        remaining--;
      }
    }

    String outcome(boolean gone) {
      if (gone) {
        return "cancelled";
      }
      for (FinishReason r : reasons) {
        if (r == FinishReason.CANCELLED || r == FinishReason.TIMEOUT || r == FinishReason.ERROR) {
          return r.wireName();
        }
      }
      return "ok";
    }

    private static double ms(long nanos) {
      return Math.round(nanos / 1e3) / 1e3; // microsecond resolution
    }

    JsonObject summary() {
      JsonObject o = new JsonObject();
      JsonArray cs = new JsonArray();
      int total = 0;
      for (int i = 0; i < texts.length; i++) {
        JsonObject c = new JsonObject();
        c.addProperty("index", i);
        c.addProperty("text", texts[i].toString());
        c.addProperty("tokens", counts[i]);
        c.addProperty("finish_reason", reasons[i] == null ? "cancelled" : reasons[i].wireName());
        cs.add(c);
        total += counts[i];
      }
      o.addProperty("text", texts[0].toString());
      o.addProperty("finish_reason", reasons[0] == null ? "cancelled" : reasons[0].wireName());
      o.add("completions", cs);
      JsonObject t = new JsonObject();
      long end = System.nanoTime();
      t.addProperty("queue_ms", ms(queueNanos));
      if (firstToken >= 0) {
        t.addProperty("first_token_ms", ms(firstToken - received));
      }
      t.addProperty("total_ms", ms(end - received));
      t.addProperty("tokens", total);
      if (total > 1 && lastToken > firstToken) {
        t.addProperty("tokens_per_second", Math.round((total - 1) / ((lastToken - firstToken) / 1e9) * 10) / 10.0);
      }
      o.add("timings", t);
      return o;
    }
  }

  /** A Server-Sent Events response written as events come; a failed write means the client went away. */
  private static final class Sse {
    private final OutputStream out;
    private boolean broken;

    Sse(Context ctx) throws IOException {
      ctx.status(200);
      ctx.res().setContentType("text/event-stream; charset=utf-8");
      ctx.res().setHeader("Cache-Control", "no-cache");
      ctx.res().setHeader("X-Accel-Buffering", "no");
      out = ctx.res().getOutputStream();
      out.flush(); // the status and headers go now: the client sees the stream open before the first token
    }

    private byte[] pending = new byte[1024];
    private int length;
    private static final byte[] TOKEN_HEAD = "event: token\ndata: {\"index\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private void append(byte[] b) {
      if (length + b.length > pending.length) {
        pending = java.util.Arrays.copyOf(pending, Math.max(2 * pending.length, length + b.length));
      }
      System.arraycopy(b, 0, pending, length, b.length);
      length += b.length;
    }

    private void appendDecimal(int x) {
      if (x >= 0 && x < 10) {
        if (length == pending.length) {
          pending = java.util.Arrays.copyOf(pending, 2 * pending.length);
        }
        pending[length++] = (byte) ('0' + x);
      } else {
        append(Integer.toString(x).getBytes(StandardCharsets.US_ASCII));
      }
    }

    /**
     * Queues a token event, {@code {"index": ..., "id": ..., "text": ...}}, for the next {@link #flush}; {@code tail}
     * is the UTF-8 of {@code ,"id":ID,"text":"..."}}.
     */
    void token(int index, byte[] tail) {
      append(TOKEN_HEAD);
      appendDecimal(index);
      append(tail);
      append(EVENT_END);
    }

    /** Queues one event for the next {@link #flush}. */
    void add(String event, JsonObject data) {
      append(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the queued events; false when the client is gone. */
    boolean flush() {
      if (broken) {
        return false;
      }
      try {
        out.write(pending, 0, length);
        length = 0;
        out.flush();
        return true;
      } catch (IOException | RuntimeException e) {
        broken = true;
        return false;
      }
    }

    boolean send(String event, JsonObject data) {
      add(event, data);
      return flush();
    }

    /**
     * Sends the last event and completes the response (the closing chunk goes now, from the handler), so that once
     * the handler returns its answer has wholly left: {@link Server#stop()} stops listening only after that.
     */
    void end(String event, JsonObject data) {
      send(event, data);
      if (!broken) {
        try {
          out.close();
        } catch (IOException | RuntimeException e) {
          broken = true; // the client went away after the last event: nothing more to tell it
        }
      }
    }
  }

  /** Beam search, outside the shared batch, on the server's single beam thread (see {@link Server}). */
  private void beam(Context ctx, Request r, long received) throws Exception {
    DecodeOptions o = DecodeOptions.beam(r.beamWidth(), r.lengthPenalty()).maxNewTokens(r.settings().maxNewTokens())
        .eosId(r.settings().eosId());
    if (!r.settings().stops().isEmpty()) {
      o.stopStrings(r.settings().stops(), text::of);
    }
    Future<Decoder.Result> f;
    try {
      f = beams.submit(() -> new Decoder<>(model).generate(List.of(r.prompt()), o, null).get(0));
    } catch (RejectedExecutionException e) {
      throw new ApiError(429, "queue_full", "too many beam searches are waiting; retry later", 1);
    }
    Decoder.Result res;
    try {
      res = f.get(Math.max(1, received + r.timeoutNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      metrics.request("generate", "timeout");
      throw new ApiError(503, "deadline_exceeded", "the beam search did not finish before the request's deadline", 1);
    }
    Progress p = new Progress(1, received);
    p.started = true;
    Sse sse = r.stream() ? new Sse(ctx) : null;
    for (int id : res.tokens()) {
      String piece = p.token(0, id, text);
      if (sse != null) {
        JsonObject t = new JsonObject();
        t.addProperty("index", 0);
        t.addProperty("id", id);
        t.addProperty("text", piece);
        sse.add("token", t);
      }
    }
    p.finish(0, switch (res.reason()) {
      case EOS -> FinishReason.EOS;
      case STOP_STRING -> FinishReason.STOP;
      case LENGTH -> FinishReason.LENGTH;
    });
    metrics.request("generate", "ok");
    if (sse != null) {
      sse.end("done", p.summary());
    } else {
      Server.json(ctx, 200, p.summary());
    }
  }
}
