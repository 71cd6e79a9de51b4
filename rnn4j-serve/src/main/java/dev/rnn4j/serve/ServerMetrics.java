package dev.rnn4j.serve;

import dev.rnn4j.serve.engine.Engine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The server's Prometheus metrics, in a registry of its own (never Micrometer's global one):
 * {@code rnn4j_requests_total{endpoint, outcome}}, {@code rnn4j_tokens_generated_total},
 * {@code rnn4j_batch_size} (rows per step), {@code rnn4j_queue_wait_seconds}, {@code rnn4j_step_seconds} and the
 * gauges {@code rnn4j_active_rows} and {@code rnn4j_queued_requests}.
 */
final class ServerMetrics implements Engine.Observer {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter tokens;
  private final DistributionSummary batch;
  private final Timer queueWait;
  private final Timer step;
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();

  ServerMetrics() {
    tokens = Counter.builder("rnn4j.tokens.generated").description("tokens generated").register(registry);
    batch = DistributionSummary.builder("rnn4j.batch.size").description("rows advanced per decoding step")
        .publishPercentiles(0.5, 0.99).register(registry);
    queueWait = Timer.builder("rnn4j.queue.wait").description("time a generation request waited for rows")
        .publishPercentiles(0.5, 0.99).register(registry);
    step = Timer.builder("rnn4j.step").description("time of one decoding step over all active rows")
        .publishPercentiles(0.5, 0.99).register(registry);
  }

  void bindEngine(Engine engine) {
    Gauge.builder("rnn4j.active.rows", engine, Engine::activeRows).description("rows being decoded")
        .register(registry);
    Gauge.builder("rnn4j.queued.requests", engine, Engine::queued).description("requests waiting for rows")
        .register(registry);
  }

  /** Counts one finished request of {@code endpoint} by {@code outcome}. */
  void request(String endpoint, String outcome) {
    outcomes.computeIfAbsent(endpoint + "|" + outcome, k -> Counter.builder("rnn4j.requests")
        .description("HTTP API requests by endpoint and outcome").tag("endpoint", endpoint).tag("outcome", outcome)
        .register(registry)).increment();
  }

  @Override
  public void step(int rows, long nanos) {
    batch.record(rows);
    step.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void queueWait(long nanos) {
    queueWait.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void token() {
    tokens.increment();
  }

  String scrape() {
    return registry.scrape();
  }
}
