/**
 * Packed sequences, PyTorch's {@code torch.nn.utils.rnn}: {@link dev.rnn4j.nn.rnn.pack.PackedSequence} and the
 * functions of {@link dev.rnn4j.nn.rnn.pack.Packing}, all differentiable. Zero-length sequences are accepted.
 */
package dev.rnn4j.nn.rnn.pack;
