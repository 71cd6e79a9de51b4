package dev.rnn4j.testing;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.io.StateDicts;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.LstmOutput;
import dev.rnn4j.nn.rnn.Rnn;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.nn.rnn.RnnOutput;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recurrent models whose files PyTorch must load ({@code fx_interchange.py --check-roundtrip} builds the same
 * configurations): an LSTM with 2 layers, both directions and {@code proj_size} 2, a 2-layer bidirectional GRU and a
 * 2-layer bidirectional ReLU RNN, input 3, hidden 4.
 */
public final class RoundTripModels {
  public static final List<String> NAMES = List.of("lstm", "gru", "rnn");

  private RoundTripModels() {}

  public static RnnBase build(String name, Generator gen) {
    RnnConfig.Builder b = RnnConfig.builder(3, 4).numLayers(2).bidirectional(true);
    return switch (name) {
      case "lstm" -> new Lstm(b.projSize(2).build(), gen);
      case "gru" -> new Gru(b.build(), gen);
      case "rnn" -> new Rnn(b.build(), "relu", gen);
      default -> throw new IllegalArgumentException("no round-trip model " + name);
    };
  }

  /**
   * Writes {@code NAME.safetensors} ({@link StateDicts#save}) and {@code NAME_io.safetensors} (a [T=5, B=2, I=3] input
   * and rnn4j's output, h_n and c_n) for each model into {@code dir}; returns the models by name.
   */
  public static Map<String, RnnBase> write(Path dir, Generator gen) throws IOException {
    Map<String, RnnBase> models = new LinkedHashMap<>();
    for (String name : NAMES) {
      RnnBase m = build(name, gen);
      Tensor x = Tensor.randn(gen, 5, 2, 3);
      RnnOutput<Tensor> r;
      try (var g = GradMode.disable()) {
        r = m instanceof Lstm l ? l.forward(x) : m instanceof Gru gr ? gr.forward(x) : ((Rnn) m).forward(x);
      }
      Map<String, Tensor> io = new LinkedHashMap<>();
      io.put("x", x);
      io.put("y", r.output());
      io.put("h_n", r.hN());
      if (r instanceof LstmOutput<Tensor> l) {
        io.put("c_n", l.cN());
      }
      StateDicts.save(m, dir.resolve(name + ".safetensors"), Map.of("written_by", "rnn4j"));
      SafeTensors.write(dir.resolve(name + "_io.safetensors"), io, null);
      models.put(name, m);
    }
    return models;
  }

  /** Checks the round trip of {@code dir} in PyTorch and returns the script's report. */
  public static String checkInPyTorch(Path dir) {
    return Torch.runScript(Torch.fixtureScript("fx_interchange.py"), "--check-roundtrip", dir.toString());
  }
}
