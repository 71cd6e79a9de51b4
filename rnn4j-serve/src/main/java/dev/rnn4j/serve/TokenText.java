package dev.rnn4j.serve;

import dev.rnn4j.data.Tokenizer;

/** The text a generated token adds to the output: its piece, after a space for word tokenizers (as rnn4j generate). */
final class TokenText {
  private final Tokenizer tokenizer;
  private final boolean word;
  private final byte[][] eventTails; // per id, UTF-8: ,"id":ID,"text":"..."} (JSON-escaped once, not per token)

  TokenText(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
    this.word = tokenizer.kind().equals("word");
    int v = tokenizer.vocabulary().size();
    eventTails = new byte[v][];
    for (int id = 0; id < v; id++) {
      eventTails[id] = (",\"id\":" + id + ",\"text\":" + new com.google.gson.JsonPrimitive(of(id)) + "}")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** The end of a token event's JSON after its index, UTF-8: {@code ,"id":ID,"text":"..."}}. */
  byte[] eventTail(int id) {
    return eventTails[id];
  }

  String of(int id) {
    String p = tokenizer.piece(id);
    return word && !p.isEmpty() ? " " + p : p;
  }
}
