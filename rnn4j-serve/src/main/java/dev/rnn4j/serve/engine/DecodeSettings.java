package dev.rnn4j.serve.engine;

import java.util.List;

/**
 * How one request decodes in the shared batch: greedy ({@code sample == false}) or sampling with temperature,
 * top-k and top-p; the seed of its own generator (sample {@code i} of {@code numSamples} draws from {@code seed + i});
 * the token limit, the end token ({@code -1}: none) and stop strings.
 */
public record DecodeSettings(boolean sample, double temperature, int topK, double topP, long seed, int maxNewTokens,
    int eosId, List<String> stops) {
  /** Copies {@code stops}. */
  public DecodeSettings {
    stops = List.copyOf(stops);
  }
}
