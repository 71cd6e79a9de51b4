/**
 * Automatic differentiation: PyTorch's {@code torch.autograd}. Most code needs only
 * {@link dev.rnn4j.tensor.Tensor#backward()} and {@link dev.rnn4j.autograd.GradMode} ({@code torch.no_grad()}:
 * {@code try (var g = GradMode.disable()) { ... }}).
 *
 * <p>To write an operation with its own backward, extend {@link dev.rnn4j.autograd.Node} (PyTorch's
 * {@code torch.autograd.Function}): compute the result, save what backward needs, and record the node with
 * {@link dev.rnn4j.autograd.Graph#record} when {@link dev.rnn4j.autograd.Graph#needsGraph} says so.
 * {@link dev.rnn4j.autograd.Graph} is the backward engine: an iterative topological sort that frees the graph as it
 * goes.
 */
package dev.rnn4j.autograd;
