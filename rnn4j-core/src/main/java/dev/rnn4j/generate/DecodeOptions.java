package dev.rnn4j.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * How {@link Decoder} picks tokens and when it stops. Build with the fluent setters; {@link #validate(int)} runs before
 * every use and names the offending option.
 *
 * <ul>
 *   <li>{@link Strategy#GREEDY}: the argmax is fed back (ties go to the lowest id).
 *   <li>{@link Strategy#SAMPLE}: logits are divided by {@code temperature}, cut to the {@code topK} largest (0 = all)
 *       and to the smallest set whose probability reaches {@code topP} (1 = all), then one token is drawn with the
 *       seeded generator.
 *   <li>{@link Strategy#BEAM}: {@code beamWidth} hypotheses per sequence; finished ones are ranked by
 *       {@code sum log p / length^lengthPenalty} (length counts generated tokens including the end token).
 * </ul>
 *
 * A sequence stops at {@code eosId} (not emitted; -1 for none), when its text ends with one of {@code stopStrings}
 * (emitted; needs {@code pieces} to turn ids into text), or after {@code maxNewTokens} tokens.
 */
public final class DecodeOptions {
  /** Below this, {@code logit / temperature} can overflow a double: greedy decoding is the limit anyway. */
  public static final double MIN_TEMPERATURE = 1e-6;

  public static final double MAX_TEMPERATURE = 1e6;

  /** Beam search keeps {@code width} states and scores {@code width * vocab} candidates a step. */
  public static final int MAX_BEAM_WIDTH = 1024;

  public static final double MAX_LENGTH_PENALTY = 100;
  /** How the next token is chosen. */
  public enum Strategy {
    GREEDY,
    SAMPLE,
    BEAM
  }

  Strategy strategy = Strategy.GREEDY;
  int maxNewTokens = 64;
  double temperature = 1.0;
  int topK = 0;
  double topP = 1.0;
  int beamWidth = 4;
  double lengthPenalty = 1.0;
  int eosId = -1;
  List<String> stopStrings = new ArrayList<>();
  IntFunction<String> pieces;
  long seed = 0;

  public static DecodeOptions greedy() {
    return new DecodeOptions().strategy(Strategy.GREEDY);
  }

  public static DecodeOptions sample(double temperature, int topK, double topP) {
    return new DecodeOptions().strategy(Strategy.SAMPLE).temperature(temperature).topK(topK).topP(topP);
  }

  public static DecodeOptions beam(int width, double lengthPenalty) {
    return new DecodeOptions().strategy(Strategy.BEAM).beamWidth(width).lengthPenalty(lengthPenalty);
  }

  public DecodeOptions strategy(Strategy s) {
    strategy = s;
    return this;
  }

  public DecodeOptions maxNewTokens(int n) {
    maxNewTokens = n;
    return this;
  }

  public DecodeOptions temperature(double t) {
    temperature = t;
    return this;
  }

  public DecodeOptions topK(int k) {
    topK = k;
    return this;
  }

  public DecodeOptions topP(double p) {
    topP = p;
    return this;
  }

  public DecodeOptions beamWidth(int w) {
    beamWidth = w;
    return this;
  }

  public DecodeOptions lengthPenalty(double a) {
    lengthPenalty = a;
    return this;
  }

  public DecodeOptions eosId(int id) {
    eosId = id;
    return this;
  }

  public DecodeOptions stopStrings(List<String> s, IntFunction<String> pieces) {
    stopStrings = List.copyOf(s);
    this.pieces = pieces;
    return this;
  }

  public DecodeOptions seed(long s) {
    seed = s;
    return this;
  }

  public Strategy strategy() {
    return strategy;
  }

  /** Checks every option against the vocabulary size. */
  public void validate(int vocabSize) {
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
    }
    if (!(temperature >= MIN_TEMPERATURE && temperature <= MAX_TEMPERATURE)) {
      throw new IllegalArgumentException("temperature must be in [" + MIN_TEMPERATURE + ", " + MAX_TEMPERATURE
          + "] (use greedy decoding for temperature 0), got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
    }
    if (beamWidth < 1 || beamWidth > MAX_BEAM_WIDTH) {
      throw new IllegalArgumentException("beam width must be in [1, " + MAX_BEAM_WIDTH + "], got " + beamWidth);
    }
    if (!(Math.abs(lengthPenalty) <= MAX_LENGTH_PENALTY)) {
      throw new IllegalArgumentException("length penalty must be a number in [-" + MAX_LENGTH_PENALTY + ", "
          + MAX_LENGTH_PENALTY + "], got " + lengthPenalty);
    }
    if (eosId < -1 || eosId >= vocabSize) {
      throw new IllegalArgumentException("end token id must be -1 (none) or in [0, " + vocabSize + "), got " + eosId);
    }
    if (!stopStrings.isEmpty() && pieces == null) {
      throw new IllegalArgumentException("stop strings need a function from token ids to text");
    }
    for (String s : stopStrings) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("a stop string must not be empty");
      }
    }
  }
}
