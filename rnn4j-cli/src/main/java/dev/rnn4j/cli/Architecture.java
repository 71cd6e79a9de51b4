package dev.rnn4j.cli;

import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.tensor.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a state dict holds, recognised from its names and shapes alone: rnn4j's {@code LanguageModel}, or
 * {@code torch.nn} recurrent layers ({@code nn.RNN}, {@code nn.LSTM}, {@code nn.GRU}) at the top level or under a
 * prefix. A layer is recognised only when every parameter PyTorch would create for the configuration read off
 * {@code weight_ih_l0}, {@code weight_hh_l0} and {@code weight_hr_l0} is present with PyTorch's shape and nothing else
 * of the same naming pattern is; the cell type follows from the number of gate blocks (4 LSTM, 3 GRU, 1 RNN).
 */
final class Architecture {
  private Architecture() {}

  private static final Pattern RNN_PARAM = Pattern.compile("(weight|bias)_(ih|hh|hr)_l\\d+(_reverse)?");
  private static final Pattern FIRST_WEIGHT = Pattern.compile("(.*)weight_ih_l0");

  /** One recurrent layer stack as PyTorch's constructor arguments; {@code prefix} is "" or e.g. "rnn.". */
  record Recurrent(String prefix, String cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
      int projSize, boolean bias) {
    int outputSize() {
      return projSize > 0 ? projSize : hiddenSize;
    }

    String describe() {
      return cell + ", " + numLayers + (numLayers == 1 ? " layer" : " layers")
          + (bidirectional ? ", bidirectional" : "") + ", input size " + group(inputSize) + ", hidden size "
          + group(hiddenSize) + (projSize > 0 ? ", projection " + projSize : "") + (bias ? "" : ", no biases")
          + (cell.equals("RNN") ? " (tanh or relu: the file does not say which)" : "");
    }

    String rnn4jConfig() {
      return "RnnConfig.builder(" + inputSize + ", " + hiddenSize + ")" + (numLayers != 1 ? ".numLayers(" + numLayers + ")"
          : "") + (bias ? "" : ".bias(false)") + (bidirectional ? ".bidirectional(true)" : "")
          + (projSize > 0 ? ".projSize(" + projSize + ")" : "") + ".build()";
    }

    String rnn4jNew() {
      String cls = switch (cell) {
        case "LSTM" -> "Lstm";
        case "GRU" -> "Gru";
        default -> "Rnn";
      };
      return "new " + cls + "(" + rnn4jConfig() + ", new Generator(0))";
    }

    String torchNew() {
      return "nn." + cell + "(input_size=" + inputSize + ", hidden_size=" + hiddenSize
          + (numLayers != 1 ? ", num_layers=" + numLayers : "") + (bias ? "" : ", bias=False")
          + (bidirectional ? ", bidirectional=True" : "") + (projSize > 0 ? ", proj_size=" + projSize : "") + ")";
    }

    /** Every parameter PyTorch creates for this configuration, in its order, with its shape. */
    Map<String, Shape> expectedParameters() {
      int gates = switch (cell) {
        case "LSTM" -> 4;
        case "GRU" -> 3;
        default -> 1;
      };
      Map<String, Shape> m = new LinkedHashMap<>();
      int dirs = bidirectional ? 2 : 1;
      for (int layer = 0; layer < numLayers; layer++) {
        int in = layer == 0 ? inputSize : outputSize() * dirs;
        for (int d = 0; d < dirs; d++) {
          String s = "_l" + layer + (d == 1 ? "_reverse" : "");
          m.put(prefix + "weight_ih" + s, new Shape(gates * hiddenSize, in));
          m.put(prefix + "weight_hh" + s, new Shape(gates * hiddenSize, outputSize()));
          if (bias) {
            m.put(prefix + "bias_ih" + s, new Shape(gates * hiddenSize));
            m.put(prefix + "bias_hh" + s, new Shape(gates * hiddenSize));
          }
          if (projSize > 0) {
            m.put(prefix + "weight_hr" + s, new Shape(projSize, hiddenSize));
          }
        }
      }
      return m;
    }
  }

  /**
   * The lines {@code rnn4j inspect} prints about the architecture of a state dict with these names and shapes
   * (in file order), or an empty list when it recognises none. {@code file} goes into the loading calls.
   */
  static List<String> describe(Map<String, Shape> shapes, String file) {
    List<Recurrent> found = new ArrayList<>();
    for (String name : shapes.keySet()) {
      Matcher m = FIRST_WEIGHT.matcher(name);
      if (m.matches()) {
        Recurrent r = recurrent(shapes, m.group(1));
        if (r != null) {
          found.add(r);
        }
      }
    }
    List<String> lines = new ArrayList<>();
    String loadRnn4j = "StateDicts.loadInto(m, Path.of(\"" + file + "\"), true);";
    String loadTorch = file.endsWith(".safetensors")
        ? "m.load_state_dict(safetensors.torch.load_file(\"" + file + "\"))"
        : "m.load_state_dict(torch.load(\"" + file + "\", weights_only=True))";
    if (found.size() == 1 && found.get(0).prefix().equals("rnn.") && !found.get(0).bidirectional()) {
      Recurrent r = found.get(0);
      Shape emb = shapes.get("embedding.weight");
      Shape dec = shapes.get("decoder.weight");
      Shape decBias = shapes.get("decoder.bias");
      if (emb != null && dec != null && decBias != null && shapes.size() == r.expectedParameters().size() + 3
          && emb.rank() == 2 && emb.size(1) == r.inputSize()
          && dec.equals(new Shape(emb.size(0), r.outputSize())) && decBias.equals(new Shape(emb.size(0)))) {
        int vocab = emb.size(0);
        lines.add("architecture: rnn4j LanguageModel: embedding " + group(vocab) + " x " + group(emb.size(1)) + " -> "
            + r.describe() + " -> decoder " + group(r.outputSize()) + " x " + group(vocab) + "; vocabulary "
            + group(vocab));
        String type = r.cell().toLowerCase(java.util.Locale.ROOT);
        lines.add("rnn4j:   LanguageModel m = new LanguageModel(new LanguageModelConfig(\"" + type + "\", " + vocab
            + ", " + emb.size(1) + ", " + r.hiddenSize() + ", " + r.numLayers() + ", 0.0, " + r.projSize()
            + "), new Generator(0));  // the dropout (0.0 here) is not stored in the file");
        lines.add("         " + loadRnn4j);
        lines.add("PyTorch: a module with embedding = nn.Embedding(" + vocab + ", " + emb.size(1) + ", padding_idx="
            + Vocabulary.PAD_ID + "), rnn = " + r.torchNew().replace("input_size=", "").replace("hidden_size=", "")
            + ", decoder = nn.Linear(" + r.outputSize() + ", " + vocab + ")");
        lines.add("         " + loadTorch);
        return lines;
      }
    }
    for (Recurrent r : found) {
      boolean whole = r.prefix().isEmpty() && shapes.size() == r.expectedParameters().size();
      lines.add("architecture: " + r.describe() + (r.prefix().isEmpty() ? "" : " (keys under '" + r.prefix() + "')"));
      lines.add("rnn4j:   " + switch (r.cell()) {
        case "LSTM" -> "Lstm";
        case "GRU" -> "Gru";
        default -> "Rnn";
      } + " m = " + r.rnn4jNew() + ";");
      if (whole) {
        lines.add("         " + loadRnn4j);
      }
      lines.add("PyTorch: m = " + r.torchNew());
      if (whole) {
        lines.add("         " + loadTorch);
      }
    }
    return lines;
  }

  /** The layer stack whose first input weight is {@code prefix + "weight_ih_l0"}, or null if the set is not whole. */
  private static Recurrent recurrent(Map<String, Shape> shapes, String prefix) {
    Shape wih = shapes.get(prefix + "weight_ih_l0");
    Shape whh = shapes.get(prefix + "weight_hh_l0");
    if (wih == null || whh == null || wih.rank() != 2 || whh.rank() != 2) {
      return null;
    }
    Shape whr = shapes.get(prefix + "weight_hr_l0");
    int proj = whr == null || whr.rank() != 2 ? 0 : whr.size(0);
    int hidden = proj > 0 ? whr.size(1) : whh.size(1);
    if (hidden <= 0 || wih.size(0) % hidden != 0) {
      return null;
    }
    String cell = switch (wih.size(0) / hidden) {
      case 4 -> "LSTM";
      case 3 -> "GRU";
      case 1 -> "RNN";
      default -> null;
    };
    if (cell == null || (proj > 0 && !cell.equals("LSTM"))) {
      return null;
    }
    int layers = 0;
    while (shapes.containsKey(prefix + "weight_ih_l" + layers)) {
      layers++;
    }
    boolean bidirectional = shapes.containsKey(prefix + "weight_ih_l0_reverse");
    boolean bias = shapes.containsKey(prefix + "bias_ih_l0");
    Recurrent r = new Recurrent(prefix, cell, wih.size(1), hidden, layers, bidirectional, proj, bias);
    Map<String, Shape> expected = r.expectedParameters();
    int sameKind = 0;
    for (String name : shapes.keySet()) {
      if (name.startsWith(prefix) && RNN_PARAM.matcher(name.substring(prefix.length())).matches()) {
        sameKind++;
      }
    }
    if (sameKind != expected.size()) {
      return null;
    }
    for (Map.Entry<String, Shape> e : expected.entrySet()) {
      if (!e.getValue().equals(shapes.get(e.getKey()))) {
        return null;
      }
    }
    return r;
  }

  /** {@code 1234567} as {@code 1,234,567}. */
  static String group(long n) {
    return String.format(java.util.Locale.ROOT, "%,d", n);
  }
}
