package dev.rnn4j.cli;

import dev.rnn4j.io.FileDType;
import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.io.StateDicts;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rnn4j inspect FILE}: the tensors of a safetensors or {@code torch.save} file (names, stored dtypes, shapes,
 * sizes) and their total, and the architecture when it recognises one ({@link Architecture}: cell type, layers,
 * directions, sizes, projection, vocabulary) with the rnn4j and PyTorch calls that build a model the file loads into.
 * A safetensors file is listed from its header alone, without reading data.
 *
 * <p>The total is called parameters only when every tensor is a float {@code weight*} or {@code bias*}; a file of
 * other tensors (token ids, logits, buffers) counts elements.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "List the tensors of a safetensors or torch.save file (names, dtypes, shapes, sizes, total) and"
        + " name the architecture it recognises, with the rnn4j and PyTorch calls that load it.")
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

    /** A float tensor named like a module's parameter: the last name component starts with weight or bias. */
    boolean isParameter() {
      String last = name.substring(name.lastIndexOf('.') + 1);
      return dtype.readAs() == DType.FLOAT32 && (last.startsWith("weight") || last.startsWith("bias"));
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
    String fmt = "%-" + w + "s  %-5s  %-16s  %13s  %13s%n";
    long elements = 0;
    long params = 0;
    Map<String, Shape> shapes = new LinkedHashMap<>();
    for (Row r : rows) {
      elements += r.numel();
      params += r.isParameter() ? r.numel() : 0;
      shapes.put(r.name(), r.shape());
    }
    String count = params == elements && !rows.isEmpty()
        ? group(params) + (params == 1 ? " parameter" : " parameters")
        : group(elements) + (elements == 1 ? " element" : " elements")
            + (params > 0 ? " (" + group(params) + " in weights and biases)" : "");
    out.printf("%s: %s, %s %s, %s%n", file, describe(format), group(rows.size()),
        rows.size() == 1 ? "tensor" : "tensors", count);
    metadata.forEach((k, v) -> out.printf("  metadata %s = %s%n", k, v));
    for (String line : Architecture.describe(shapes, file.toString())) {
      out.println("  " + line);
    }
    out.printf(fmt, "name", "dtype", "shape", "numel", "bytes");
    long bytes = 0;
    for (Row r : rows) {
      long b = r.numel() * r.dtype().width();
      out.printf(fmt, r.name(), r.dtype(), r.shape(), group(r.numel()), group(b));
      bytes += b;
    }
    out.printf(fmt, "total", "", "", group(elements), group(bytes));
    out.flush();
    return 0;
  }

  private static String group(long n) {
    return Architecture.group(n);
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
