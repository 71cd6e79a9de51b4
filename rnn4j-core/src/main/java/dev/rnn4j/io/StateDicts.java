package dev.rnn4j.io;

import dev.rnn4j.nn.Module;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * State dicts in files, whatever wrote them: {@link #load} sniffs the format (safetensors, {@code torch.save} zip or
 * legacy) from the first bytes, {@link #save} writes safetensors with PyTorch's names, and {@link #loadInto} fills a
 * {@link Module}, reporting missing, unexpected and wrongly shaped keys as {@link Module#loadStateDict} does.
 *
 * <p>Every tensor comes back as float32, int64 or bool: F16 and BF16 convert to float32 exactly, F64 is rounded to
 * float32 (lossy), integer types widen to int64 (NOTE [dtype conversion] in {@link FileDType}). Saving writes float32
 * tensors as F32, int64 as I64 and bool as BOOL, so a file saved from a loaded F64/F16/BF16 file holds F32.
 */
public final class StateDicts {
  private StateDicts() {}

  /** The file formats rnn4j reads. */
  public enum Format {
    /** A safetensors file (Hugging Face's format: a JSON header, then raw little-endian data). */
    SAFETENSORS,
    /** A {@code torch.save} zip archive, PyTorch's format since 1.6. */
    TORCH_ZIP,
    /** A {@code torch.save} file in the legacy layout ({@code _use_new_zipfile_serialization=False}). */
    TORCH_LEGACY
  }

  /** A state dict read from a file: tensors in file order, their stored types, the metadata (safetensors only). */
  public record Loaded(
      Format format, Map<String, Tensor> tensors, Map<String, FileDType> dtypes, Map<String, String> metadata) {
    /** Copies the three maps, unmodifiable, keeping the file's order. */
    public Loaded {
      tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
      dtypes = Collections.unmodifiableMap(new LinkedHashMap<>(dtypes));
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Total number of elements over all tensors. */
    public long numel() {
      long n = 0;
      for (Tensor t : tensors.values()) {
        n += t.numel();
      }
      return n;
    }
  }

  /**
   * Recognises the format from the first bytes of {@code file}.
   *
   * @throws UnknownFormatException when the file starts like none of them
   */
  public static Format sniff(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(16);
    }
    if (TorchLoad.isZip(head)) {
      return Format.TORCH_ZIP;
    }
    if (TorchLoad.isLegacy(head)) {
      return Format.TORCH_LEGACY;
    }
    if (SafeTensors.looksLike(head)) {
      return Format.SAFETENSORS;
    }
    throw new UnknownFormatException(file + ": unknown format; expected safetensors (8-byte header length, then"
        + " '{'), a torch.save zip ('PK\\3\\4') or a legacy torch.save file; first bytes are "
        + hex(Arrays.copyOf(head, Math.min(head.length, 9))));
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x & 0xFF));
    }
    return sb.length() == 0 ? "(empty file)" : sb.toString();
  }

  /** Loads every tensor of a safetensors or {@code torch.save} file. */
  public static Loaded load(Path file) throws IOException {
    Format f = sniff(file);
    if (f == Format.SAFETENSORS) {
      SafeTensors.Header h = SafeTensors.header(file);
      SafeTensors.Contents c = SafeTensors.read(file);
      Map<String, FileDType> dtypes = new LinkedHashMap<>();
      h.tensors().forEach(t -> dtypes.put(t.name(), t.dtype()));
      return new Loaded(f, c.tensors(), dtypes, c.metadata());
    }
    TorchLoad.Contents c = TorchLoad.read(file);
    return new Loaded(f, c.tensors(), c.dtypes(), Map.of());
  }

  /** Saves {@code module}'s state dict as safetensors under PyTorch's names, atomically. */
  public static void save(Module module, Path file, Map<String, String> metadata) throws IOException {
    SafeTensors.write(file, module.stateDict(), metadata);
  }

  /**
   * Loads {@code file} into {@code module}. With {@code strict}, missing or unexpected keys are an error; a wrongly
   * shaped tensor always is. The message lists every offending key.
   */
  public static Module.LoadResult loadInto(Module module, Path file, boolean strict) throws IOException {
    return module.loadStateDict(load(file).tensors(), strict);
  }
}
