package dev.rnn4j.io;

import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.Module;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/** The fixture script's EmbLinear: y = fc(embedding(x)), keys embedding.weight, fc.weight, fc.bias. */
final class EmbLinear extends Module {
  final Embedding embedding;
  final Linear fc;

  EmbLinear(int vocab, int dim, int out, Generator gen) {
    embedding = registerModule("embedding", new Embedding(vocab, dim, gen));
    fc = registerModule("fc", new Linear(dim, out, gen));
  }

  Tensor forward(Tensor ids) {
    return fc.forward(embedding.forward(ids));
  }
}
