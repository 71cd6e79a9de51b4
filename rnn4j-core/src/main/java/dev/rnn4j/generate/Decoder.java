package dev.rnn4j.generate;

import dev.rnn4j.tensor.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Generates continuations of a batch of prompts with any {@link StepModel}: greedy, sampling (temperature, top-k,
 * top-p) or beam search; see {@link DecodeOptions}.
 *
 * <p>Every prompt is consumed one token per step; the logits after its last token give its first new token. Rows
 * move independently, so prompts of different lengths share the batch: a row still reading its prompt ignores its
 * logits. When a sequence finishes, its rows leave the batch ({@link StepModel#select}), so no compute is spent on
 * it. Greedy and sampled tokens go to the listener as soon as they are chosen; beam search knows its tokens only at
 * the end and streams the winning hypothesis then. Sampling draws from one generator seeded with
 * {@code options.seed}, in row order, so a run is reproducible.
 */
public final class Decoder<S> {
  /** Why a sequence stopped. */
  public enum FinishReason {
    /** Produced the end token ({@link DecodeOptions#eosId}). */
    EOS,
    /** Its text ended with a stop string. */
    STOP_STRING,
    /** Reached {@link DecodeOptions#maxNewTokens}. */
    LENGTH
  }

  /** A finished sequence: the new tokens (without the end token), their total log-probability and why it stopped. */
  public record Result(int[] tokens, double logProb, FinishReason reason) {}

  /** Receives each new token as it is produced. */
  @FunctionalInterface
  public interface TokenListener {
    /** Token {@code tokenId} was appended to the output of prompt {@code sequence} (its index in the prompt list). */
    void onToken(int sequence, int tokenId);
  }

  private final StepModel<S> model;

  /** A decoder over {@code model}; it holds no state between {@link #generate} calls. */
  public Decoder(StepModel<S> model) {
    this.model = model;
  }

  /** Generates for every prompt (each non-empty, ids in range); results are in prompt order. */
  public List<Result> generate(List<int[]> prompts, DecodeOptions o, TokenListener listener) {
    int v = model.vocabSize();
    o.validate(v);
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts given");
    }
    for (int i = 0; i < prompts.size(); i++) {
      int[] p = prompts.get(i);
      if (p.length == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty; start it with the <bos> token");
      }
      for (int id : p) {
        if (id < 0 || id >= v) {
          throw new IllegalArgumentException("prompt " + i + " has token id " + id + ", expected [0, " + v + ")");
        }
      }
    }
    TokenListener l = listener == null ? (s, t) -> {} : listener;
    return o.strategy == DecodeOptions.Strategy.BEAM ? beam(prompts, o, l) : oneRowEach(prompts, o, l);
  }

  /** One row per sequence: greedy and sampling. */
  private List<Result> oneRowEach(List<int[]> prompts, DecodeOptions o, TokenListener l) {
    int n = prompts.size();
    int v = model.vocabSize();
    Generator gen = new Generator(o.seed);
    Result[] results = new Result[n];
    List<List<Integer>> out = new ArrayList<>();
    StringBuilder[] text = new StringBuilder[n];
    double[] logProb = new double[n];
    int[] pos = new int[n]; // next prompt position to feed
    long[] feed = new long[n]; // token each row feeds next
    int[] rows = new int[n]; // sequence of each active row
    for (int i = 0; i < n; i++) {
      out.add(new ArrayList<>());
      text[i] = new StringBuilder();
      rows[i] = i;
      feed[i] = prompts.get(i)[0];
      pos[i] = 1;
    }
    if (o.maxNewTokens == 0) {
      for (int i = 0; i < n; i++) {
        results[i] = new Result(new int[0], 0, FinishReason.LENGTH);
      }
      return List.of(results);
    }
    S state = model.initialState(n);
    int active = n;
    while (active > 0) {
      StepModel.Output<S> step = model.step(Arrays.copyOf(feed, active), state);
      float[] logits = step.logits();
      int[] keep = new int[active];
      int kept = 0;
      long[] nextFeed = new long[active];
      for (int r = 0; r < active; r++) {
        int seq = rows[r];
        int[] prompt = prompts.get(seq);
        if (pos[seq] < prompt.length) { // still reading the prompt
          nextFeed[kept] = prompt[pos[seq]++];
          keep[kept++] = r;
          continue;
        }
        int tok = o.strategy == DecodeOptions.Strategy.GREEDY
            ? Sampling.argmax(logits, r * v, v)
            : Sampling.sample(logits, r * v, v, o.temperature, o.topK, o.topP, gen);
        logProb[seq] += Sampling.logSoftmaxAt(logits, r * v, v, tok);
        FinishReason done = null;
        if (tok == o.eosId) {
          done = FinishReason.EOS;
        } else {
          out.get(seq).add(tok);
          l.onToken(seq, tok);
          if (!o.stopStrings.isEmpty()) {
            text[seq].append(o.pieces.apply(tok));
            if (endsWithAny(text[seq], o.stopStrings)) {
              done = FinishReason.STOP_STRING;
            }
          }
          if (done == null && out.get(seq).size() >= o.maxNewTokens) {
            done = FinishReason.LENGTH;
          }
        }
        if (done != null) {
          results[seq] = new Result(out.get(seq).stream().mapToInt(Integer::intValue).toArray(), logProb[seq], done);
        } else {
          nextFeed[kept] = tok;
          keep[kept++] = r;
        }
      }
      int[] keepRows = Arrays.copyOf(keep, kept);
      int[] nextRows = new int[kept];
      for (int k = 0; k < kept; k++) {
        nextRows[k] = rows[keepRows[k]];
      }
      state = kept == active ? step.state() : model.select(step.state(), keepRows);
      rows = nextRows;
      feed = nextFeed;
      active = kept;
    }
    return List.of(results);
  }

  static boolean endsWithAny(CharSequence text, List<String> stops) {
    String s = text.toString();
    for (String stop : stops) {
      if (s.endsWith(stop)) {
        return true;
      }
    }
    return false;
  }

  /** Beam search; see {@link BeamSearch}. */
  private List<Result> beam(List<int[]> prompts, DecodeOptions o, TokenListener l) {
    List<Result> results = new BeamSearch<>(model, o).run(prompts);
    for (int i = 0; i < results.size(); i++) {
      for (int t : results.get(i).tokens()) {
        l.onToken(i, t);
      }
    }
    return results;
  }
}
