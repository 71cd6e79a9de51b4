package demo;

import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;

/** Autograd through the TensorOps service, and a GRU forward, with rnn4j-core as a named module. */
public final class Main {
  public static void main(String[] args) {
    Tensor x = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    x.mul(x).sum().backward();
    if (!x.grad().contentEquals(Tensor.of(2f, 4f, 6f))) {
      throw new AssertionError("expected grad [2, 4, 6], got " + x.grad());
    }
    Gru gru = new Gru(RnnConfig.builder(4, 3).build(), new Generator(0));
    Tensor out = gru.forward(Tensor.zeros(2, 1, 4)).output();
    if (!out.shape().equals(Tensor.zeros(2, 1, 3).shape())) {
      throw new AssertionError("expected output shape [2, 1, 3], got " + out.shape());
    }
    if (!"dev.rnn4j.core".equals(Tensor.class.getModule().getName())) {
      throw new AssertionError("expected rnn4j-core as module dev.rnn4j.core, got " + Tensor.class.getModule());
    }
    System.out.println("module path: ok (" + Tensor.class.getModule() + ")");
  }
}
