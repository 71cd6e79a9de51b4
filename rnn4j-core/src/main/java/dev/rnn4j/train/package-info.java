/**
 * The training loop behind {@code rnn4j train}: {@link dev.rnn4j.train.Trainer} runs a
 * {@link dev.rnn4j.model.LanguageModel} over batches with an optimizer, a schedule and gradient clipping, evaluates,
 * writes metrics and checkpoints, and resumes a run where it stopped; {@link dev.rnn4j.train.TrainConfig} holds its
 * settings.
 */
package dev.rnn4j.train;
