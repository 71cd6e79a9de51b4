package dev.rnn4j.cli;

import dev.rnn4j.io.FileDType;
import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.io.StateDicts;
import dev.rnn4j.tensor.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rnn4j inspect FILE}: the tensors of a safetensors or {@code torch.save} file (names, stored dtypes, shapes,
 * sizes) and the total parameter count. A safetensors file is listed from its header alone, without reading data.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "List the tensors of a safetensors or torch.save file: names, dtypes, shapes, sizes, total.")
final class InspectCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "a .safetensors file or a torch.save file (.pt, .pth, .bin)")
  Path file;

  /** One listed tensor. */
  private record Row(String name, FileDType dtype, Shape shape) {
    long numel() {
      long n = 1;
      for (int d : shape.dims()) {
        n *= d;
      }
      return n;
    }
  }

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no such file: " + file);
    }
    StateDicts.Format format = StateDicts.sniff(file);
    List<Row> rows = new ArrayList<>();
    Map<String, String> metadata;
    if (format == StateDicts.Format.SAFETENSORS) {
      SafeTensors.Header h = SafeTensors.header(file);
      h.tensors().forEach(t -> rows.add(new Row(t.name(), t.dtype(), t.shape())));
      metadata = h.metadata();
    } else {
      StateDicts.Loaded l = StateDicts.load(file);
      l.tensors().forEach((k, v) -> rows.add(new Row(k, l.dtypes().get(k), v.shape())));
      metadata = l.metadata();
    }
    PrintWriter out = spec.commandLine().getOut();
    int w = "name".length();
    for (Row r : rows) {
      w = Math.max(w, r.name().length());
    }
    String fmt = "%-" + w + "s  %-5s  %-16s  %12s  %12s%n";
    long params = 0;
    for (Row r : rows) {
      params += r.numel();
    }
    out.printf("%s: %s, %d tensors, %d parameters%n", file, describe(format), rows.size(), params);
    metadata.forEach((k, v) -> out.printf("  metadata %s = %s%n", k, v));
    out.printf(fmt, "name", "dtype", "shape", "numel", "bytes");
    long total = 0;
    long bytes = 0;
    for (Row r : rows) {
      long b = r.numel() * r.dtype().width();
      out.printf(fmt, r.name(), r.dtype(), r.shape(), r.numel(), b);
      total += r.numel();
      bytes += b;
    }
    out.printf(fmt, "total", "", "", total, bytes);
    out.flush();
    return 0;
  }

  private static String describe(StateDicts.Format f) {
    switch (f) {
      case SAFETENSORS:
        return "safetensors";
      case TORCH_ZIP:
        return "torch.save (zip)";
      default:
        return "torch.save (legacy)";
    }
  }
}
