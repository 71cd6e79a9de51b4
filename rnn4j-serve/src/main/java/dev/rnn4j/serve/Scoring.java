package dev.rnn4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Unknowns;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * {@code POST /v1/score} {@code {"texts": [...]}}: per text, the mean negative log-likelihood in nats per token of
 * {@code text + <eos>} after {@code <bos>} (as {@code rnn4j eval} counts it), its perplexity, the token count and the
 * characters outside the vocabulary (scored as {@code <unk>}, and named). Runs the model's own packed forward pass
 * (the library's PyTorch-exact path) on the request's thread; at most two scoring requests compute at once.
 */
final class Scoring {
  static final Set<String> FIELDS = Set.of("texts");
  private final LanguageModel model;
  private final Tokenizer tokenizer;
  private final ServeConfig config;
  private final Semaphore slots = new Semaphore(2);

  Scoring(LanguageModel model, Tokenizer tokenizer, ServeConfig config) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.config = config;
  }

  JsonObject score(String body) throws InterruptedException {
    JsonFields f = JsonFields.parse(body, FIELDS);
    if (!f.has("texts")) {
      throw ApiError.badRequest("missing_field", "field 'texts' is required (an array of strings)");
    }
    List<String> texts = f.strings("texts");
    if (texts.isEmpty() || texts.size() > config.maxScoreTexts()) {
      throw ApiError.unprocessable("invalid_value", "field 'texts' must hold 1 to " + config.maxScoreTexts()
          + " strings, got " + texts.size());
    }
    int[][] ids = new int[texts.size()][];
    for (int i = 0; i < texts.size(); i++) {
      ids[i] = tokenizer.encode(texts.get(i));
      if (ids[i].length + 1 > config.maxPromptTokens()) {
        throw ApiError.unprocessable("text_too_long", "texts[" + i + "] has " + (ids[i].length + 1)
            + " tokens (with <eos>); this server scores at most " + config.maxPromptTokens());
      }
    }
    JsonArray out = new JsonArray();
    slots.acquire();
    try (GradMode g = GradMode.disable()) {
      for (int i = 0; i < texts.size(); i++) {
        out.add(scoreOne(texts.get(i), ids[i]));
      }
    } finally {
      slots.release();
    }
    JsonObject o = new JsonObject();
    o.add("results", out);
    return o;
  }

  private JsonObject scoreOne(String text, int[] ids) {
    int t = ids.length + 1;
    long[] in = new long[t];
    int[] target = new int[t];
    in[0] = Vocabulary.BOS_ID;
    for (int s = 0; s < ids.length; s++) {
      in[s + 1] = ids[s];
      target[s] = ids[s];
    }
    target[t - 1] = Vocabulary.EOS_ID;
    Tensor logits = model.forward(Tensor.ofLongs(in, t, 1), new int[] {t}, null).logits(); // (T, 1, V)
    float[] x = logits.data();
    int v = model.vocabSize();
    double nll = 0;
    for (int s = 0; s < t; s++) {
      int off = s * v;
      double m = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < v; c++) {
        m = Math.max(m, x[off + c]);
      }
      double z = 0;
      for (int c = 0; c < v; c++) {
        z += Math.exp(x[off + c] - m);
      }
      nll -= x[off + target[s]] - m - Math.log(z);
    }
    double loss = nll / t;
    JsonObject r = new JsonObject();
    r.addProperty("loss", loss);
    r.addProperty("perplexity", Math.exp(loss));
    r.addProperty("tokens", t);
    Unknowns u = Unknowns.of(tokenizer, text);
    JsonArray unknown = new JsonArray();
    u.counts().keySet().forEach(unknown::add);
    r.add("unknown", unknown);
    if (!u.isEmpty()) {
      r.addProperty("unknown_note", u.describe() + "; each is scored as <unk>");
    }
    return r;
  }
}
