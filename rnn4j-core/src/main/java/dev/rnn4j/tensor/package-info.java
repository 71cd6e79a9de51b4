/**
 * Tensors with PyTorch's semantics: {@code torch.Tensor} and the {@code torch.*} functions that build them. Start with
 * {@link dev.rnn4j.tensor.Tensor} (creation: {@code Tensor.of}, {@code zeros}, {@code randn}; arithmetic, shape
 * operations, reductions, {@code backward()}), then {@link dev.rnn4j.tensor.Shape} ({@code torch.Size}),
 * {@link dev.rnn4j.tensor.DType} and {@link dev.rnn4j.tensor.Generator} ({@code torch.Generator}, the explicit source
 * of randomness every initialiser takes).
 *
 * <p>Elements are {@code float32}, {@code int64} or {@code bool}, stored contiguously in row-major order. Every
 * operation records its {@link dev.rnn4j.tensor.GradFn} ({@code grad_fn}) when grad mode is on and an input requires a
 * gradient; {@link dev.rnn4j.autograd.GradMode} turns recording off, as {@code torch.no_grad()} does.
 */
package dev.rnn4j.tensor;
