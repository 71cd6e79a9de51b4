package dev.rnn4j.nn.rnn;

import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.tensor.Tensor;

/**
 * What a recurrent layer returns: PyTorch's {@code output, h_n} ({@code output, (h_n, c_n)} for LSTM).
 *
 * @param output a {@link Tensor} {@code (L, B, D*H_out)} (batch-first: {@code (B, L, D*H_out)}; unbatched:
 *     {@code (L, D*H_out)}) for padded input, or a {@link PackedSequence} for packed input
 * @param hN {@code (numLayers*D, B, H_out)} (unbatched: {@code (numLayers*D, H_out)}), in the caller's batch order;
 *     {@code batchFirst} never applies to it
 * @param cN LSTM only, {@code (numLayers*D, B, H)}; {@code null} for RNN and GRU
 * @param <O> {@code Tensor} or {@code PackedSequence}, matching the input
 */
public record RnnOutput<O>(O output, Tensor hN, Tensor cN) {}
