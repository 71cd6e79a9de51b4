/**
 * Recurrent layers exact to PyTorch: {@link dev.rnn4j.nn.rnn.Rnn} (tanh, relu), {@link dev.rnn4j.nn.rnn.Lstm} (with
 * {@code projSize}), {@link dev.rnn4j.nn.rnn.Gru} and the cells {@link dev.rnn4j.nn.rnn.RnnCell},
 * {@link dev.rnn4j.nn.rnn.LstmCell}, {@link dev.rnn4j.nn.rnn.GruCell}.
 *
 * <p>Parameter names, shapes, gate order and initialisation follow {@code torch.nn}; a PyTorch state dict loads by
 * name. Inputs are padded {@code (L, B, H_in)} (or batch-first, or unbatched {@code (L, H_in)}) or a
 * {@link dev.rnn4j.nn.rnn.pack.PackedSequence}; each forward returns an {@link dev.rnn4j.nn.rnn.RnnOutput} (an
 * {@link dev.rnn4j.nn.rnn.LstmOutput}, with {@code c_n}, for LSTM).
 *
 * <p>How it runs: every (layer, direction) is one autograd node over the whole batch. The input projection of all
 * steps is one GEMM over the packed rows; each step multiplies only its active rows by {@code W_hh} and applies a
 * fused gate kernel ({@link dev.rnn4j.nn.rnn.GateKernels}, scalar twin {@link dev.rnn4j.nn.rnn.GateKernelsReference});
 * backward walks the steps in reverse, then forms {@code dW_ih}, {@code dW_hh} and {@code dX} as single GEMMs.
 */
package dev.rnn4j.nn.rnn;
