/**
 * Reading and writing PyTorch's files. Start with {@link dev.rnn4j.io.StateDicts}: it loads a state dict from either
 * format (it tells them apart by their content) and saves a {@link dev.rnn4j.nn.Module}'s.
 * {@link dev.rnn4j.io.SafeTensors} reads and writes safetensors; {@link dev.rnn4j.io.TorchLoad} reads
 * {@code torch.save} files (zip and legacy) through an allow-listed unpickler that never runs code from the file, and
 * {@link dev.rnn4j.io.TorchSave} writes them. {@link dev.rnn4j.io.Checkpoint} is a training run's directory (model,
 * optimizer, tokenizer and progress).
 */
package dev.rnn4j.io;
