package dev.rnn4j.train;

import com.google.gson.JsonObject;
import java.util.Locale;

/**
 * How {@link Trainer} optimises: steps, batch size, optimizer and learning-rate schedule, clipping, evaluation and
 * checkpoint intervals, seed.
 *
 * @param optimizer {@code adam}, {@code adamw}, {@code sgd} (momentum 0.9) or {@code rmsprop}
 * @param schedule {@code cosine} (linear warm-up then cosine to {@code minLr}), {@code constant} (after warm-up) or
 *     {@code step} (halves every quarter of the run)
 * @param clip global 2-norm clipping threshold, 0 for none
 */
public record TrainConfig(
    int steps, int batchSize, String optimizer, double lr, double weightDecay, String schedule, int warmupSteps,
    double minLr, double clip, int evalEvery, int checkpointEvery, long seed) {
  /**
   * Lower-cases the optimizer and schedule names and checks every value; one out of range or unknown is an
   * {@link IllegalArgumentException} naming it.
   */
  public TrainConfig {
    optimizer = optimizer.toLowerCase(Locale.ROOT);
    schedule = schedule.toLowerCase(Locale.ROOT);
    if (steps <= 0) {
      throw new IllegalArgumentException("steps must be positive, got " + steps);
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    if (!optimizer.matches("adam|adamw|sgd|rmsprop")) {
      throw new IllegalArgumentException("optimizer must be adam, adamw, sgd or rmsprop, got '" + optimizer + "'");
    }
    if (!schedule.matches("cosine|constant|step")) {
      throw new IllegalArgumentException("schedule must be cosine, constant or step, got '" + schedule + "'");
    }
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
    }
    finiteNonNegative("min-lr", minLr);
    finiteNonNegative("clip", clip);
    finiteNonNegative("weight decay", weightDecay);
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warm-up must be 0 or more steps, got " + warmupSteps);
    }
    if (evalEvery < 0) {
      throw new IllegalArgumentException("eval-every must be 0 (only at the end) or more steps, got " + evalEvery);
    }
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException(
          "checkpoint-every must be 0 (only at the end) or more steps, got " + checkpointEvery);
    }
  }

  private static void finiteNonNegative(String what, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be finite and non-negative, got " + v);
    }
  }

  /**
   * The configuration as JSON with snake_case keys ({@code batch_size}, {@code warmup_steps}, ...), as
   * {@link #fromJson} reads it.
   */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("steps", steps);
    o.addProperty("batch_size", batchSize);
    o.addProperty("optimizer", optimizer);
    o.addProperty("lr", lr);
    o.addProperty("weight_decay", weightDecay);
    o.addProperty("schedule", schedule);
    o.addProperty("warmup_steps", warmupSteps);
    o.addProperty("min_lr", minLr);
    o.addProperty("clip", clip);
    o.addProperty("eval_every", evalEvery);
    o.addProperty("checkpoint_every", checkpointEvery);
    o.addProperty("seed", seed);
    return o;
  }

  /** Reads what {@link #toJson} wrote (every key must be present); the values are checked as by the constructor. */
  public static TrainConfig fromJson(JsonObject o) {
    return new TrainConfig(
        o.get("steps").getAsInt(), o.get("batch_size").getAsInt(), o.get("optimizer").getAsString(),
        o.get("lr").getAsDouble(), o.get("weight_decay").getAsDouble(), o.get("schedule").getAsString(),
        o.get("warmup_steps").getAsInt(), o.get("min_lr").getAsDouble(), o.get("clip").getAsDouble(),
        o.get("eval_every").getAsInt(), o.get("checkpoint_every").getAsInt(), o.get("seed").getAsLong());
  }
}
