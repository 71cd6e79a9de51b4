/**
 * {@link dev.rnn4j.model.LanguageModel}: embedding, a recurrent layer and a linear decoder, with the state dict names
 * of PyTorch's word_language_model example, configured by {@link dev.rnn4j.model.LanguageModelConfig}.
 */
package dev.rnn4j.model;
