package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.Rnn;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.nn.rnn.LstmOutput;
import dev.rnn4j.nn.rnn.RnnOutput;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The model-level proof: PyTorch's nn.LSTM (2 layers, bidirectional, proj_size), nn.GRU (2 layers, bidirectional)
 * and nn.RNN weights, loaded from torch.save zip, legacy and safetensors files into rnn4j's layers, reproduce the
 * outputs PyTorch computed on the same input (interchange_*_io.safetensors).
 */
class RecurrentInterchangeTest {
  private static final String[] FILES = {".pt", "_legacy.pt", ".safetensors"};
  private static final double ATOL = 1e-6;
  private static final double RTOL = 1e-5;

  private static RnnConfig.Builder cfg() {
    return RnnConfig.builder(3, 4);
  }

  @Test
  void lstm() throws IOException {
    for (String suffix : FILES) {
      Lstm m = new Lstm(cfg().numLayers(2).bidirectional(true).projSize(2).build(), new Generator(3));
      check("lstm", suffix, m, x -> m.forward(x));
    }
  }

  @Test
  void gru() throws IOException {
    for (String suffix : FILES) {
      Gru m = new Gru(cfg().numLayers(2).bidirectional(true).build(), new Generator(3));
      check("gru", suffix, m, x -> m.forward(x));
    }
  }

  @Test
  void rnnTanh() throws IOException {
    for (String suffix : FILES) {
      Rnn m = new Rnn(cfg().build(), "tanh", new Generator(3));
      check("rnn", suffix, m, x -> m.forward(x));
    }
  }

  private interface Forward {
    RnnOutput<Tensor> apply(Tensor x);
  }

  private static void check(String name, String suffix, RnnBase m, Forward f) throws IOException {
    String file = "interchange_" + name + suffix;
    assertTrue(StateDicts.loadInto(m, FixtureFiles.path(file), true).isClean());
    m.eval();
    var io = Fixtures.load("interchange_" + name + "_io");
    try (var g = GradMode.disable()) {
      RnnOutput<Tensor> out = f.apply(Fixtures.get(io, "x"));
      Approx.assertClose(file + " output", out.output(), Fixtures.get(io, "y"), ATOL, RTOL);
      Approx.assertClose(file + " h_n", out.hN(), Fixtures.get(io, "h_n"), ATOL, RTOL);
      if (name.equals("lstm")) {
        Approx.assertClose(file + " c_n", ((LstmOutput<Tensor>) out).cN(), Fixtures.get(io, "c_n"), ATOL, RTOL);
      }
    }
  }
}
