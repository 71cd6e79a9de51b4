/**
 * Layers: PyTorch's {@code torch.nn}. Start with {@link dev.rnn4j.nn.Module} ({@code nn.Module}: parameters by name,
 * {@code stateDict}, {@code loadStateDict}, {@code train()} / {@code eval()}), then
 * {@link dev.rnn4j.nn.Linear}, {@link dev.rnn4j.nn.Embedding} and {@link dev.rnn4j.nn.Dropout}; the recurrent
 * layers are in {@link dev.rnn4j.nn.rnn}. {@link dev.rnn4j.nn.Init} holds the initialisers of
 * {@code torch.nn.init}.
 */
package dev.rnn4j.nn;
