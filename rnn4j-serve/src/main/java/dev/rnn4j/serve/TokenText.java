package dev.rnn4j.serve;

import dev.rnn4j.data.Tokenizer;

/** The text a generated token adds to the output: its piece, after a space for word tokenizers (as rnn4j generate). */
final class TokenText {
  private final Tokenizer tokenizer;
  private final boolean word;

  TokenText(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
    this.word = tokenizer.kind().equals("word");
  }

  String of(int id) {
    String p = tokenizer.piece(id);
    return word && !p.isEmpty() ? " " + p : p;
  }
}
