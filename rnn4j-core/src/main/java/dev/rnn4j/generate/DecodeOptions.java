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

  /** Largest temperature accepted; {@link #validate(int)} refuses values outside [{@link #MIN_TEMPERATURE}, this]. */
  public static final double MAX_TEMPERATURE = 1e6;

  /** Beam search keeps {@code width} states and scores {@code width * vocab} candidates a step. */
  public static final int MAX_BEAM_WIDTH = 1024;

  /** Largest {@code |lengthPenalty|} accepted; {@link #validate(int)} refuses larger values and NaN. */
  public static final double MAX_LENGTH_PENALTY = 100;
  /** How the next token is chosen. */
  public enum Strategy {
    /** Take the most probable token (Hugging Face: {@code do_sample=False, num_beams=1}). */
    GREEDY,
    /** Draw from the tempered, top-k/top-p filtered distribution ({@code do_sample=True}). */
    SAMPLE,
    /** Beam search over {@code beamWidth} hypotheses ({@code num_beams}). */
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

  /** Greedy decoding with the other defaults (64 new tokens, no end token). */
  public static DecodeOptions greedy() {
    return new DecodeOptions().strategy(Strategy.GREEDY);
  }

  /**
   * Sampling at {@code temperature}, keeping the {@code topK} largest logits (0 = all) and the nucleus {@code topP}
   * (1 = all).
   */
  public static DecodeOptions sample(double temperature, int topK, double topP) {
    return new DecodeOptions().strategy(Strategy.SAMPLE).temperature(temperature).topK(topK).topP(topP);
  }

  /** Beam search with {@code width} hypotheses, ranked by {@code sum log p / length^lengthPenalty}. */
  public static DecodeOptions beam(int width, double lengthPenalty) {
    return new DecodeOptions().strategy(Strategy.BEAM).beamWidth(width).lengthPenalty(lengthPenalty);
  }

  /** Sets the strategy; the options of the other strategies are kept but unused. */
  public DecodeOptions strategy(Strategy s) {
    strategy = s;
    return this;
  }

  /** Most tokens to generate per prompt, default 64 (Hugging Face: {@code max_new_tokens}); must be {@code >= 0}. */
  public DecodeOptions maxNewTokens(int n) {
    maxNewTokens = n;
    return this;
  }

  /** Sampling temperature, default 1, in [{@link #MIN_TEMPERATURE}, {@link #MAX_TEMPERATURE}]. */
  public DecodeOptions temperature(double t) {
    temperature = t;
    return this;
  }

  /** Sampling keeps the {@code k} largest logits; 0 (the default) keeps all. */
  public DecodeOptions topK(int k) {
    topK = k;
    return this;
  }

  /**
   * Sampling keeps the smallest set of tokens whose probability reaches {@code p}, in (0, 1]; 1 (the default) keeps
   * all.
   */
  public DecodeOptions topP(double p) {
    topP = p;
    return this;
  }

  /** Hypotheses kept per sequence in beam search, default 4, in [1, {@link #MAX_BEAM_WIDTH}]. */
  public DecodeOptions beamWidth(int w) {
    beamWidth = w;
    return this;
  }

  /**
   * Exponent {@code a} of the length normalisation {@code sum log p / length^a}, default 1; 0 ranks by total
   * log-probability.
   */
  public DecodeOptions lengthPenalty(double a) {
    lengthPenalty = a;
    return this;
  }

  /**
   * End token: generation stops after it and it is not emitted; -1 (the default) for none (Hugging Face:
   * {@code eos_token_id}).
   */
  public DecodeOptions eosId(int id) {
    eosId = id;
    return this;
  }

  /**
   * Stops a sequence once its text ends with one of {@code s} (the stop string is emitted); {@code pieces} maps a token
   * id to its text. Replaces earlier stop strings.
   */
  public DecodeOptions stopStrings(List<String> s, IntFunction<String> pieces) {
    stopStrings = List.copyOf(s);
    this.pieces = pieces;
    return this;
  }

  /** Seed of the sampling generator, default 0; the same seed and options give the same tokens. */
  public DecodeOptions seed(long s) {
    seed = s;
    return this;
  }

  /** The strategy set last, {@link Strategy#GREEDY} by default. */
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
