/**
 * Text generation: greedy, sampling (temperature, top-k, top-p) and beam search over any model that takes one step at
 * a time ({@link dev.rnn4j.generate.StepModel}). Start with {@link dev.rnn4j.generate.Decoder} and
 * {@link dev.rnn4j.generate.DecodeOptions}.
 */
package dev.rnn4j.generate;
