package dev.rnn4j.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;

/** Text to token ids and back, over a {@link Vocabulary}. */
public interface Tokenizer {
  /** The vocabulary the ids refer to. */
  Vocabulary vocabulary();

  /** Ids of {@code text}'s tokens (unknown tokens become {@code <unk>}); no {@code <bos>}/{@code <eos>} added. */
  int[] encode(String text);

  /** The token strings of {@code text}, before any lookup in the vocabulary (so unknown ones keep their text). */
  List<String> pieces(String text);

  /** The text of one token id as it appears in output; special tokens give the empty string. */
  String piece(int id);

  /** The text of {@code ids}, skipping special tokens. */
  default String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      sb.append(piece(id));
    }
    return sb.toString();
  }

  /** {@code "char"} or {@code "word"}: the kind written to {@code vocab.json}. */
  String kind();

  /** The tokenizer as JSON: {@code {"kind": ..., "tokens": [ordinary tokens]}}. */
  default String toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("kind", kind());
    JsonArray a = new JsonArray();
    vocabulary().ordinaryTokens().forEach(a::add);
    o.add("tokens", a);
    return o.toString();
  }

  /** Rebuilds a tokenizer written by {@link #toJson()}. */
  static Tokenizer fromJson(String json) {
    JsonObject o;
    try {
      o = JsonParser.parseString(json).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("vocabulary file is not valid JSON: " + e.getMessage());
    }
    if (!o.has("kind") || !o.has("tokens")) {
      throw new IllegalArgumentException("vocabulary JSON needs 'kind' and 'tokens', got keys " + o.keySet());
    }
    List<String> tokens = new ArrayList<>();
    o.getAsJsonArray("tokens").forEach(e -> tokens.add(e.getAsString()));
    Vocabulary v = new Vocabulary(tokens);
    String kind = o.get("kind").getAsString();
    return switch (kind) {
      case "char" -> new CharTokenizer(v);
      case "word" -> new WordTokenizer(v);
      default -> throw new IllegalArgumentException("unknown tokenizer kind '" + kind + "' (expected char or word)");
    };
  }
}
