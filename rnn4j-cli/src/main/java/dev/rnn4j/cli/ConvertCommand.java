package dev.rnn4j.cli;

import dev.rnn4j.io.FileDType;
import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.io.StateDicts;
import dev.rnn4j.io.TorchSave;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rnn4j convert IN OUT}: a {@code torch.save} or safetensors state dict into the format OUT's extension names
 * ({@code .safetensors}, or {@code .pt}/{@code .pth}/{@code .bin} for PyTorch's zip format), under the same names.
 * Floating tensors are written as float32 (F64 rounds, F16/BF16 are exact), integers as int64, bools as bool; the
 * command says which tensors changed type.
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = {
      "Convert a state dict between torch.save (.pt, .pth, .bin: zip format) and safetensors (.safetensors).",
      "Floating tensors become F32 (F64 is rounded), integers I64, bools BOOL."
    })
final class ConvertCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN", description = "a torch.save file (zip or legacy) or a .safetensors file")
  Path in;

  @Parameters(index = "1", paramLabel = "OUT", description = "the .safetensors or .pt/.pth/.bin file to write"
      + " (replaced atomically)")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(in)) {
      throw new IllegalArgumentException("no such file: " + in);
    }
    String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean torch = name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".bin");
    if (!torch && !name.endsWith(".safetensors")) {
      throw new IllegalArgumentException("OUT must end in .safetensors, .pt, .pth or .bin, got '" + out + "'");
    }
    if (Files.exists(in) && Files.exists(out) && Files.isSameFile(in, out)) {
      throw new IllegalArgumentException("IN and OUT are the same file: " + in);
    }
    StateDicts.Loaded l = StateDicts.load(in);
    Map<String, String> meta = new LinkedHashMap<>(l.metadata());
    meta.putIfAbsent("format", "pt");
    if (torch) {
      TorchSave.write(out, l.tensors());
    } else {
      SafeTensors.write(out, l.tensors(), meta);
    }
    var o = spec.commandLine().getOut();
    l.dtypes().forEach((k, t) -> {
      FileDType written = FileDType.written(l.tensors().get(k).dtype());
      if (t != written) {
        o.printf("  %s: %s -> %s%s%n", k, t, written, t == FileDType.F64 ? " (rounded)" : "");
      }
    });
    o.printf("wrote %s: %d tensors, %d elements, from %s%n", out, l.tensors().size(), l.numel(), in);
    o.flush();
    return 0;
  }
}
