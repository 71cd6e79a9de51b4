/**
 * Text to batches of token ids. {@link dev.rnn4j.data.Tokenizer} with {@link dev.rnn4j.data.CharTokenizer} and
 * {@link dev.rnn4j.data.WordTokenizer} over a {@link dev.rnn4j.data.Vocabulary} (special tokens first);
 * {@link dev.rnn4j.data.TextCorpus} splits a text into one sequence per non-blank line; {@link dev.rnn4j.data.LengthBatcher}
 * groups sequences of similar length into sorted batches ready for packing, and {@link dev.rnn4j.data.BpttBatcher}
 * cuts one long stream into truncated-BPTT chunks.
 */
package dev.rnn4j.data;
