package dev.rnn4j.tensor;

/**
 * The pair returned by {@code max(dim)} and {@code sort}: values (differentiable) and their int64 indices, as
 * PyTorch's {@code torch.return_types.max}.
 */
public record ValuesIndices(Tensor values, Tensor indices) {}
